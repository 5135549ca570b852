# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..lib.render import render_markdown, sanitize_html


class AiChatMessage(models.Model):
    _name = "ai.chat.message"
    _description = "AI Chat Message"
    _order = "id"

    conversation_id = fields.Many2one(
        "ai.chat.conversation", required=True, index=True, ondelete="cascade"
    )
    user_id = fields.Many2one(related="conversation_id.user_id", store=True, index=True)
    role = fields.Selection(
        [("user", "User"), ("assistant", "Assistant"), ("system", "System")],
        required=True,
    )
    content = fields.Text(help="Markdown source, as written by the user or the model.")
    content_html = fields.Html(
        sanitize=False,  # sanitized by our stricter policy in create/write
        help="Rendered and sanitized content.",
    )
    reasoning = fields.Text(help="The model's reasoning, when it sends it apart from the answer.")
    state = fields.Selection(
        [
            ("streaming", "Streaming"),
            ("done", "Done"),
            ("stopped", "Stopped"),
            ("error", "Error"),
            ("interrupted", "Interrupted"),
        ],
        default="done",
        required=True,
        index=True,
    )
    error_message = fields.Char()
    error_code = fields.Char(
        help="What failed, for clients: auth, timeout, deadline, ... (wire contract)."
    )
    finish_reason = fields.Char(help="Why the model stopped, e.g. 'length' at the token limit.")
    llm_model = fields.Char(string="Model")
    prompt_tokens = fields.Integer()
    completion_tokens = fields.Integer()
    cached_tokens = fields.Integer(string="Cached prompt tokens")
    tokens_estimated = fields.Boolean(
        help="The AI service reported no usage: the tokens were estimated from the text."
    )
    cost = fields.Float(
        digits=(16, 6),
        compute="_compute_cost",
        help="What the answer cost, in its company's currency (from the usage ledger).",
    )
    tool_steps = fields.Json(
        help="The tool calls of the answer, in order: id, name, arguments, state, summary, "
        "result (its start) and duration."
    )
    tool_log = fields.Text(
        string="Tool calls",
        compute="_compute_tool_log",
        help="What the assistant looked up for this answer, for the administrators' audit.",
    )
    attachment_ids = fields.Many2many(
        "ir.attachment",
        "ai_chat_message_attachment_rel",
        "message_id",
        "attachment_id",
        string="Attachments",
        help="Files and record snapshots sent with a question.",
    )
    attachment_info = fields.Json(
        help="What each attachment's text became in the prompt when the question was sent: "
        "{attachment id: {chars, total_chars, error}}.",
    )

    @api.constrains("content", "reasoning")
    def _check_text_length(self):
        # The stream cuts answers and the route questions well below this; it bounds what a
        # client could write directly.
        settings = self.env["ai.chat.conversation"]._get_chat_settings()
        limit = 2 * max(settings.max_answer_chars, settings.max_message_chars)
        for message in self:
            if max(len(message.content or ""), len(message.reasoning or "")) > limit:
                raise ValidationError(
                    self.env._("A message has at most %(limit)s characters.", limit=limit)
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._sanitize_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        return super().write(self._sanitize_vals(vals))

    @api.model
    def _sanitize_vals(self, vals):
        """content_html reaches browsers: whoever writes it, it goes through our policy."""
        if vals.get("content_html"):
            vals["content_html"] = sanitize_html(vals["content_html"])
        return vals

    def _compute_cost(self):
        # sudo: ai.chat.usage - the answers' own rows; users read their own, administrators all
        rows = (
            self.env["ai.chat.usage"]
            .sudo()
            .search_read([("message_id", "in", self.ids)], ["message_id", "cost"])
        )
        costs = {row["message_id"][0]: row["cost"] for row in rows}
        for message in self:
            message.cost = costs.get(message.id, 0.0)

    @api.depends("tool_steps")
    def _compute_tool_log(self):
        for message in self:
            message.tool_log = "\n\n".join(
                f"{step.get('name')}({json.dumps(step.get('arguments'), ensure_ascii=False)}) "
                f"{step.get('state')}, {step.get('ms', '?')} ms: {step.get('summary', '')}\n"
                f"{step.get('result', '')}"
                for step in message.tool_steps or ()
            )

    def _chat_payload(self):
        """What the web client shows; a row still streaming is rendered from its saved text."""
        self.ensure_one()
        html = self.content_html
        if self.state == "streaming" or (self.content and not html):
            html = render_markdown(self.content or "")
        return {
            "id": self.id,
            "role": self.role,
            "content": self.content or "",
            "html": html or "",
            "reasoning": self.reasoning or "",
            "state": self.state,
            "error_message": self.error_message or "",
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "tokens_estimated": self.tokens_estimated,
            "llm_model": self.llm_model or "",
            "finish_reason": self.finish_reason or "",
            "tools": self.tool_steps or [],
            "attachments": self._attachment_chips(),
        }

    def _attachment_chips(self):
        self.ensure_one()
        info = self.attachment_info or {}
        Files = self.env["ai.chat.attachment"]
        return [Files._chip(a, info.get(str(a.id))) for a in self._ordered_attachments()]

    def _ordered_attachments(self, order=()):
        """The files in the order the user attached them: `order` (ids) when given, else as
        recorded when sent; a many2many keeps no order of its own."""
        self.ensure_one()
        info = self.attachment_info or {}
        rank = {id_: i for i, id_ in enumerate(order)} or {
            int(key): value.get("position", len(info)) for key, value in info.items()
        }
        return self.attachment_ids.sorted(lambda a: (rank.get(a.id, len(rank)), a.id))

    def _prompt_turns(self, budget_chars):
        """The messages up to this question worth loading for its prompt, oldest first:
        (turns, carriers, ids of the turns that have files).

        The history budget keeps the newest turns whose text fits (as build_messages does);
        only those are read. Older questions that carry files come before them, with no text
        read (`carriers`): their documents still go into the prompt.
        """
        self.ensure_one()
        self.flush_model(["conversation_id", "role", "content"])
        self.env.cr.execute(
            SQL(
                """
            SELECT m.id,
                   m.id = %(question)s
                     OR sum(length(m.content)) OVER (ORDER BY m.id DESC) <= %(budget)s,
                   EXISTS (SELECT 1 FROM ai_chat_message_attachment_rel r WHERE r.message_id = m.id)
              FROM ai_chat_message m
             WHERE m.conversation_id = %(conversation)s AND m.id <= %(question)s
               AND m.role IN ('user', 'assistant') AND m.content != ''
             ORDER BY m.id
            """,
                question=self.id,
                budget=budget_chars,
                conversation=self.conversation_id.id,
            )
        )
        rows = self.env.cr.fetchall()
        kept = self.browse([id_ for id_, fits, _files in rows if fits])
        # Fields read one at a time, so touching a carrier does not fetch its text.
        carriers = self.with_context(prefetch_fields=False).browse(
            [id_ for id_, fits, files in rows if files and not fits]
        )
        holders = {id_ for id_, _fits, files in rows if files}
        return list(carriers) + list(kept), carriers, holders

    @api.model
    def _cron_mark_interrupted(self):
        """A net under the hubs' own sweeps: answers of a dead process are closed."""
        return self.browse(self._answers_sweep())
