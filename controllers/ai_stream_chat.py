# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import HTTPException

from odoo import http
from odoo.http import request

from ..lib import sse


class AiStreamChatController(http.Controller):
    @http.route("/ai/stream_chat", type="http", auth="user", methods=["POST"], csrf=True)
    def stream_chat(self, message=None, conversation_id=None, model=None, retry_of=None,
                    attachment_ids=None, **kwargs):
        """Answer `message` as Server-Sent Events (contract in the design, section 2)."""
        try:
            body = request.env["ai.chat.conversation"]._stream_prepare(
                message, conversation_id=conversation_id, llm_model=model, retry_of=retry_of,
                attachment_ids=attachment_ids,
            )
        except HTTPException as exc:
            return request.make_response(
                exc.description,
                headers=[("Content-Type", "text/plain; charset=utf-8")],
                status=exc.code,
            )
        # The rows are committed when this returns, before the first chunk is pulled.
        return http.Response(iter(body), status=200, headers=sse.HEADERS, direct_passthrough=True)
