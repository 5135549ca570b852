# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import copy
import time
from typing import NamedTuple

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError

from ..exceptions import ChatRefusal, not_found, unavailable
from ..lib import error_codes as codes
from ..lib import pricing, tool_schemas
from ..lib.answers import AnswerJob
from ..lib.prompt import build_messages
from ..lib.render import render_markdown
from ..lib.settings import ChatSettings
from ..lib.tool_loop import ToolLoop, replayed
from ..lib.upstream import ChatStream, UpstreamConfig

TITLE_CHARS = 60
NAME_MAX_CHARS = 200  # a title typed by a person; the composer's limits do not cover renames
RETRY_AFTER_SECONDS = 5  # told to a client refused because this process is full
# What a user may change on a conversation directly (RPC, the web client): its title.
USER_WRITABLE_FIELDS = frozenset({"name"})


class _Turn(NamedTuple):
    """A validated chat request: rows of the user's own (empty recordsets when new)."""

    conversation: models.BaseModel
    question: models.BaseModel  # the question answered again (retry_of), else empty
    old_answer: models.BaseModel  # the answer it replaces, else empty
    text: str
    llm_model: str
    attachments: models.BaseModel  # ir.attachment, in the order the user attached them


class AiChatConversation(models.Model):
    _name = "ai.chat.conversation"
    _description = "AI Chat Conversation"
    _order = "last_message_at desc, id desc"

    name = fields.Char(required=True, default="New chat")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
    )
    message_ids = fields.One2many("ai.chat.message", "conversation_id")
    proposal_ids = fields.One2many(
        "ai.chat.proposal",
        "conversation_id",
        string="Proposed changes",
        help="Changes the assistant proposed, and what the user decided.",
    )
    llm_model = fields.Char(string="Model", help="The model of the latest answer.")
    last_message_at = fields.Datetime(default=fields.Datetime.now, index=True)

    @api.constrains("name")
    def _check_name_length(self):
        for conversation in self:
            if len(conversation.name or "") > NAME_MAX_CHARS:
                raise ValidationError(
                    self.env._(
                        "A conversation title has at most %(limit)s characters.",
                        limit=NAME_MAX_CHARS,
                    )
                )

    # -- settings ------------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _get_chat_settings(self):
        """Parsed once per registry: any system parameter change clears the cache it is in."""
        # sudo: ir.config_parameter - users may not read system parameters; the key stays here
        return ChatSettings.from_params(self.env["ir.config_parameter"].sudo().get_param)

    # -- access ----------------------------------------------------------------------------

    def write(self, vals):
        # Record rules judge the rows before a write, never the values written: a user's own
        # conversation must not be handed to another user, re-dated or given other messages.
        if not self.env.su and not USER_WRITABLE_FIELDS.issuperset(vals):
            raise AccessError(self.env._("Only the title of a conversation can be changed."))
        return super().write(vals)

    @api.model
    def _check_chat_user(self):
        """The chat is for internal users: portal and public users are refused before any work."""
        if not self.env.user._is_internal():
            raise AccessError(self._not_internal_message())

    @api.model
    def _not_internal_message(self):
        return self.env._("The AI chat is available to internal users only.")

    # -- web client ----------------------------------------------------------------------

    @api.model
    def chat_config(self):
        self._check_chat_user()
        settings = self._get_chat_settings()
        return {
            "models": settings.allowed_models,
            "default_model": settings.model,
            "max_message_chars": settings.max_message_chars,
            "max_file_bytes": settings.max_file_bytes,
            "max_attachments": settings.max_attachments,
            "document_chars": settings.document_chars,
        }

    @api.model
    def chat_usage(self):
        """This month's spending of the user against their budget (the chat's meter)."""
        self._check_chat_user()
        return self.env["ai.chat.budget"]._meter(self._get_chat_settings())

    @api.model
    def chat_attach_record(self, res_model, res_id, with_messages=False, with_attachments=False):
        """Chips for a record the user may read: its text snapshot, then its files on request."""
        self._check_chat_user()
        return self.env["ai.chat.attachment"]._attach_record(
            res_model,
            res_id,
            with_messages=with_messages,
            with_attachments=with_attachments,
        )

    @api.model
    def chat_discard_attachments(self, attachment_ids):
        """Files removed from the composer: the user's own unsent ones are deleted."""
        self._check_chat_user()
        return self.env["ai.chat.attachment"]._discard(attachment_ids)

    @api.model
    def chat_list(self, search="", limit=40, offset=0):
        """The user's own conversations, newest first; `search` looks in titles and messages."""
        self._check_chat_user()
        domain = [("user_id", "=", self.env.uid)]
        search = (search or "").strip()[:200]
        if search:
            domain += ["|", ("name", "ilike", search), ("message_ids.content", "ilike", search)]
        conversations = self.search(
            domain, limit=min(max(int(limit), 1), 200), offset=max(int(offset), 0)
        )
        return conversations.read(["name", "last_message_at", "llm_model"])

    def chat_messages(self):
        self.ensure_one()
        self._check_chat_user()
        if (
            self.user_id != self.env.user
        ):  # administrators read others' chats in the back-office only
            raise AccessError(self.env._("This conversation belongs to another user."))
        return [message._chat_payload() for message in self.message_ids]

    # -- streaming -----------------------------------------------------------------------

    @api.model
    def _stream_prepare(
        self, message, conversation_id=None, llm_model=None, retry_of=None, attachment_ids=None
    ):
        """Validate a chat request, record its turn and return the SSE body (a Relay).

        retry_of: id of the conversation's last answer, to answer its question again (Retry,
        Regenerate) with `message` as the question's new text if given (edit and resend).
        Raises a ChatRefusal (bad input 400, not found 404, over a limit 429 or 503) before
        anything is changed.
        """
        self._check_chat_user()
        settings = self._get_chat_settings()
        turn = self._stream_validate(
            settings, message, conversation_id, llm_model, retry_of, attachment_ids
        )
        question, answer = self._stream_record(turn)
        messages = self._stream_prompt(
            settings,
            question,
            turn.attachments,
            alone=not turn.conversation,
            llm_model=turn.llm_model,
        )
        # A question without files (most of them) reads no attachment rows for its chips.
        chips = question._attachment_chips() if turn.attachments or turn.question else ()
        return self._stream_relay(settings, question, answer, messages, chips)

    @api.model
    def _stream_validate(
        self, settings, message, conversation_id, llm_model, retry_of, attachment_ids
    ):
        """The checked request as a _Turn; nothing is written."""
        llm_model = (llm_model or "").strip() or settings.model
        if llm_model not in settings.allowed_models:
            raise ChatRefusal(self.env._("Unknown model: %(model)s", model=llm_model))
        conversation = self._stream_conversation(conversation_id)
        question, old_answer = self._stream_retry_target(conversation, retry_of)
        attachments = self.env["ai.chat.attachment"]._resolve(
            attachment_ids, conversation, settings
        )
        text = (message or "").strip() or (question.content or "").strip()
        if not text:
            raise ChatRefusal(self.env._("The message is empty."))
        if len(text) > settings.max_message_chars:
            raise ChatRefusal(
                self.env._(
                    "The message is longer than %(limit)s characters.",
                    limit=settings.max_message_chars,
                )
            )
        self.env["ai.chat.budget"]._admit_question(settings, llm_model)
        self._admit(settings)
        return _Turn(conversation, question, old_answer, text, llm_model, attachments)

    @api.model
    def _stream_record(self, turn):
        """Writes the turn (question, answer), the answer `streaming`, both seen as the user."""
        # sudo: ai.chat.* - users only rename and delete chat rows themselves; this request
        # checked above that the conversation and the retried question are the user's own
        Message = self.env["ai.chat.message"].sudo()
        latest = {"llm_model": turn.llm_model, "last_message_at": fields.Datetime.now()}
        if turn.conversation:
            conversation = turn.conversation.sudo()
            conversation.write(latest)
        else:
            conversation = self.sudo().create({"name": self._title_from(turn.text), **latest})
        self.env["ai.chat.attachment"]._link(turn.attachments, conversation.sudo(False))
        # user_id given, not computed after the insert: one UPDATE less per message
        common = {"conversation_id": conversation.id, "user_id": conversation.user_id.id}
        answer_vals = {
            **common,
            "role": "assistant",
            "state": "streaming",
            "llm_model": turn.llm_model,
        }
        question = turn.question.sudo()
        if question:
            turn.old_answer.sudo().unlink()
            if turn.text != question.content:
                question.write({"content": turn.text, "content_html": render_markdown(turn.text)})
            if turn.attachments:  # a retry without ids keeps the question's files
                question.attachment_ids = turn.attachments
            answer = Message.create(answer_vals)
        else:
            question, answer = Message.create(
                [
                    {
                        **common,
                        "role": "user",
                        "content": turn.text,
                        "content_html": render_markdown(turn.text),
                        "attachment_ids": turn.attachments.ids,
                    },
                    answer_vals,
                ]
            )
        return question.sudo(False), answer.sudo(False)

    @api.model
    def _stream_prompt(self, settings, question, attachments, alone=False, llm_model=None):
        """The `messages` sent upstream for `question`; records what its files became.
        alone: the question opens its conversation, so the history need not be looked up;
        llm_model: the AI model that answers (earlier tool results go to one with tools)."""
        if alone:
            turns, carriers, holders = (
                [question],
                question.browse(),
                {question.id} if attachments else set(),
            )
        else:
            # sudo: ai.chat.message - the turns of the user's own conversation, checked when the
            # request was validated; re-checking record rules per turn made long chats slow
            turns, carriers, holders = question.sudo()._prompt_turns(settings.history_chars)
        attached, info = self.env["ai.chat.attachment"]._prompt_documents(
            turns,
            holders,
            settings,
            order=attachments.ids,
        )
        if info or question.attachment_info:
            # sudo: ai.chat.message - the user's own question, written by this request
            question.sudo().attachment_info = info
        # Earlier tool results go again only to a model offered the tools: the others may
        # refuse tool messages.
        tools = settings.tools_for(llm_model or settings.model)
        system = settings.system_prompt
        if tools:
            guidance = tool_schemas.offered(settings.write_tools)[1]
            system = f"{system}\n\n{guidance}".strip()
        return build_messages(
            system,
            [
                (
                    m.role,
                    "" if m in carriers else m.content,
                    replayed(m.tool_steps) if tools else (),
                )
                for m in turns
            ],
            settings.history_chars,
            attached,
        )

    @api.model
    def _stream_relay(self, settings, question, answer, messages, chips=()):
        """The SSE body of a new answer: `start` (with the question's file chips), then the
        answer as its generation goes."""
        job = AnswerJob(
            message_id=answer.id,
            conversation_id=answer.conversation_id.id,
            user_message_id=question.id,
            uid=self.env.uid,
            llm_model=answer.llm_model,
            deadline=time.monotonic() + max(settings.max_stream_seconds, 1),
            max_answer_chars=settings.max_answer_chars,
            error_messages=self._stream_error_messages(),
            attachments=tuple(chips),
            price=self.env["ai.chat.price"]._price_for(
                answer.llm_model, self.env.user.company_id.id
            ),
            max_cost=settings.max_answer_cost,
            prompt_tokens=pricing.request_tokens(messages),
        )
        upstream = self._stream_upstream(settings, answer.llm_model)
        if not settings.tools_for(answer.llm_model):
            return answer._answer_stream(job, ChatStream(upstream, messages))
        rounds = ToolLoop(
            lambda turn, tools: ChatStream(upstream, turn, tools),
            messages,
            self.env["ai.chat.tools"]._tool_runner(answer.id),
            settings.tool_rounds,
            tool_schemas.offered(settings.write_tools)[0],
            self.env._("This AI model cannot look things up in Odoo: it answers without."),
            await_decision=self.env["ai.chat.proposal"]._proposal_waiter(answer.id),
        )
        return answer._answer_stream(job, rounds)

    @api.model
    def _stream_upstream(self, settings, llm_model):
        """How the AI service is asked for this answer: an UpstreamConfig."""
        body, headers = self._stream_request_options(settings, llm_model)
        return UpstreamConfig(
            base_url=settings.api_url,
            api_key=settings.api_key,
            llm_model=llm_model,
            temperature=settings.temperature,
            max_tokens=settings.max_tokens,
            timeout=settings.timeout,
            extra_body=body,
            extra_headers=headers,
        )

    @api.model
    def _stream_request_options(self, settings, llm_model):
        """(extra JSON body fields, extra HTTP headers) of the request to the AI service.

        The place for another addon to add provider options, e.g. `top_p`, a gateway's
        headers, a per-model `reasoning_effort`: override, call super() and add to its dicts.
        The administrator's *Extra request parameters* (Settings) come first.
        """
        # A copy: the settings are cached for every request, and overrides add to what they get.
        return copy.deepcopy(settings.extra_params), {}

    @api.model
    def _stream_conversation(self, conversation_id):
        """The user's own conversation (admins too: the chat is personal), or a 404 refusal."""
        if not conversation_id:
            return self.browse()
        try:
            conversation_id = int(conversation_id)
        except ValueError:
            raise not_found(self.env._("Conversation not found.")) from None
        conversation = self.search([("id", "=", conversation_id), ("user_id", "=", self.env.uid)])
        if not conversation:
            raise not_found(self.env._("Conversation not found."))
        return conversation

    @api.model
    def _stream_retry_target(self, conversation, retry_of):
        """(question, answer) for retry_of: it must be the conversation's last finished answer."""
        Message = self.env["ai.chat.message"]
        if not retry_of:
            return Message, Message
        # The last two messages only: a long conversation is not loaded for this.
        last = Message.search([("conversation_id", "=", conversation.id)], order="id desc", limit=2)
        answer, question = last[:1], last[1:]
        if (
            not conversation
            or str(answer.id) != str(retry_of).strip()
            or answer.role != "assistant"
        ):
            raise ChatRefusal(
                self.env._("Only the last answer of a conversation can be answered again.")
            )
        if answer.state == "streaming":
            raise ChatRefusal(self.env._("This answer is still streaming."))
        if question.role != "user":
            raise ChatRefusal(
                self.env._("Only the last answer of a conversation can be answered again.")
            )
        return question, answer

    @api.model
    def _admit(self, settings):
        """A place among the answers this process generates at once, or 503 before any row."""
        hub = self.env["ai.chat.message"]._answer_hub()
        if not hub.reserve(settings.max_running_answers):
            raise unavailable(
                self.env._(
                    "The server is answering too many questions at once. "
                    "Try again in a few seconds."
                ),
                retry_after=RETRY_AFTER_SECONDS,
            )
        # A failure, or a serialization conflict that Odoo retries, gives the place back.
        self.env.cr.postrollback.add(hub.release)

    @api.model
    def _stream_error_messages(self):
        """Words for a person, in the user's language, for each failure code."""
        return {
            codes.AUTH: self.env._(
                "The AI service rejected the API key. Ask an administrator to check it."
            ),
            codes.FORBIDDEN: self.env._("The AI service refused access to this model."),
            codes.NOT_FOUND: self.env._("The AI service does not know this model or address."),
            codes.RATE_LIMIT: self.env._(
                "The AI service is busy or over its quota. Try again in a moment."
            ),
            codes.BAD_REQUEST: self.env._("The AI service could not handle this request."),
            codes.REDIRECT: self.env._(
                "The AI service redirected the request to another address, which is "
                "not followed. Check the API URL in Settings."
            ),
            codes.SERVER: self.env._(
                "The AI service had an internal error. Try again in a moment."
            ),
            codes.TIMEOUT: self.env._("The AI service did not answer in time."),
            codes.CONNECTION: self.env._(
                "The AI service could not be reached or dropped the connection."
            ),
            codes.MALFORMED: self.env._("The AI service sent an answer that could not be read."),
            codes.CUT: self.env._("The AI service ended the answer before it was complete."),
            codes.DEADLINE: self.env._("The answer took too long and was cut off."),
            codes.TOO_LONG: self.env._("The answer was too long and was cut off."),
            codes.DELETED: self.env._("The conversation was deleted."),
            codes.COST_CAP: self.env._(
                "The answer reached the cost cap per answer and was stopped."
            ),
            codes.INTERNAL: self.env._("Something went wrong on the server."),
        }

    @api.model
    def _title_from(self, text):
        first_line = " ".join(text.split("\n", 1)[0].split())
        if len(first_line) <= TITLE_CHARS:
            return first_line
        return first_line[: TITLE_CHARS - 1].rstrip() + "…"
