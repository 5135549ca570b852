# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import BadRequest, Forbidden, HTTPException

from odoo import http
from odoo.http import request

from ..exceptions import ChatRefusal
from ..lib import sse

# Room for the multipart envelope around the file or message (boundaries, headers, other fields).
MULTIPART_SLACK = 64 * 1024
# A character is at most 4 bytes of UTF-8, each %XX-escaped in an urlencoded form.
BYTES_PER_CHAR = 12


def _refusal(exc):
    """A refusal (the models' ChatRefusal, or werkzeug's from the route itself) as a short
    text/plain answer the client shows as is, with Retry-After for 429 and 503. A refusal
    changes nothing."""
    request.env.cr.rollback()
    if isinstance(exc, ChatRefusal):
        text, status, retry_after = exc.args[0], exc.status, exc.retry_after
    else:
        text, status, retry_after = exc.description, exc.code, None
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if retry_after:
        headers.append(("Retry-After", str(retry_after)))
    return request.make_response(text, headers=headers, status=status)


def _last_event_id(value):
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def _chat_settings():
    """The settings, once the user is known to be internal: checked here, before Odoo reads
    the body, so a portal or public user's request costs nothing."""
    Conversation = request.env["ai.chat.conversation"]
    if not request.env.user._is_internal():
        raise Forbidden(Conversation._not_internal_message())
    return Conversation._get_chat_settings()


def _message_limit(controller):
    return _chat_settings().max_message_chars * BYTES_PER_CHAR + MULTIPART_SLACK


def _upload_limit(controller):
    # Checked by werkzeug before the body is parsed: an oversized upload is not even read.
    return _chat_settings().max_file_bytes + MULTIPART_SLACK


def _selected_companies():
    """The companies selected in the web client's switcher (its `cids` cookie), among the
    user's: what the tools read in, as in the rest of the web client. All of the user's when
    the cookie says nothing usable."""
    mine = request.env.user.company_ids.ids
    cookie = request.httprequest.cookies.get("cids", "")
    selected = [int(cid) for cid in cookie.split("-") if cid.isdigit() and int(cid) in mine]
    return selected or mine


class AiStreamChatController(http.Controller):
    @http.route(
        "/ai/stream_chat",
        type="http",
        auth="user",
        methods=["POST"],
        csrf=True,
        max_content_length=_message_limit,
    )
    def stream_chat(
        self,
        message=None,
        conversation_id=None,
        model=None,
        retry_of=None,
        attachment_ids=None,
        **kwargs,
    ):
        """Answer `message` as Server-Sent Events (docs/wire-contract.md)."""
        conversations = request.env["ai.chat.conversation"].with_context(
            allowed_company_ids=_selected_companies()
        )
        try:
            body = conversations._stream_prepare(
                message,
                conversation_id=conversation_id,
                llm_model=model,
                retry_of=retry_of,
                attachment_ids=attachment_ids,
            )
        except (ChatRefusal, HTTPException) as exc:
            return _refusal(exc)
        # The rows are committed when this returns, before the first chunk is pulled.
        return http.Response(iter(body), status=200, headers=sse.HEADERS, direct_passthrough=True)

    @http.route(
        "/ai/stream_chat/resume",
        type="http",
        auth="user",
        methods=["GET"],
        max_content_length=_message_limit,
    )
    def resume(self, message_id=None, last_event_id=None, **kwargs):
        """Follow an answer of one's own from where it is, wherever it is generated."""
        seen = _last_event_id(request.httprequest.headers.get("Last-Event-ID") or last_event_id)
        try:
            answer = request.env["ai.chat.message"]._answer_for_viewer(message_id)
            body = answer._answer_follow(last_event_id=seen)
        except (ChatRefusal, HTTPException) as exc:
            return _refusal(exc)
        return http.Response(body, status=200, headers=sse.HEADERS, direct_passthrough=True)

    @http.route(
        "/ai/stream_chat/stop",
        type="http",
        auth="user",
        methods=["POST"],
        csrf=True,
        max_content_length=_message_limit,
    )
    def stop(self, message_id=None, **kwargs):
        """Stop an answer of one's own, from any tab, process or server."""
        try:
            answer = request.env["ai.chat.message"]._answer_for_viewer(message_id)
        except (ChatRefusal, HTTPException) as exc:
            return _refusal(exc)
        return request.make_json_response(
            {"message_id": answer.id, "stopping": answer._answer_stop()}
        )

    @http.route(
        "/ai/stream_chat/decide",
        type="http",
        auth="user",
        methods=["POST"],
        csrf=True,
        max_content_length=_message_limit,
    )
    def decide(self, proposal_id=None, decision=None, **kwargs):
        """Approve or reject a change the assistant proposed; answers its card as JSON."""
        proposals = request.env["ai.chat.proposal"].with_context(
            allowed_company_ids=_selected_companies()
        )
        try:
            card = proposals._decide(proposal_id, decision)
        except (ChatRefusal, HTTPException) as exc:
            return _refusal(exc)
        return request.make_json_response(card)

    @http.route(
        "/ai/stream_chat/upload",
        type="http",
        auth="user",
        methods=["POST"],
        csrf=True,
        max_content_length=_upload_limit,
    )
    def upload(self, file=None, **kwargs):
        """Store one file for the next question; answers its chip as JSON (wire-contract.md)."""
        try:
            if not hasattr(file, "read"):
                raise BadRequest(request.env._("No file was sent."))
            chip = request.env["ai.chat.attachment"]._upload(file.filename, file.read())
        except (ChatRefusal, HTTPException) as exc:
            return _refusal(exc)
        return request.make_json_response(chip)
