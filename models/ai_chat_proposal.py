# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A change the assistant proposed, and what the user decided.

The model only proposes (models/ai_chat_tools_write.py): the values are frozen here, and the
user sees them. Approving runs the change as the user, through the decision route with its CSRF
token, while the answer that proposed it still waits for the decision; then the answer goes on
with the outcome. A proposal expires with its answer. Nobody writes these rows over RPC: they
are the audit of what was proposed, decided, by whom and when, and what came of it.
"""

import json
import logging

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.modules.registry import Registry
from odoo.tools import SQL, plaintext2html

from ..exceptions import ChatRefusal, not_found
from ..lib.tool_loop import ToolResult
from .transactions import read_committed

_logger = logging.getLogger(__name__)

DECISION_POLL_SECONDS = 1.0  # a waiting answer looks at its proposal at least this often
CONTEXT_KEYS = ("lang", "tz", "allowed_company_ids")
OUTCOME_MAX_CHARS = 500


class AiChatProposal(models.Model):
    _name = "ai.chat.proposal"
    _description = "AI Chat Proposed Change"
    _order = "id desc"

    # The audit outlives the chat: deleting the conversation leaves these rows, unlinked.
    message_id = fields.Many2one(
        "ai.chat.message", string="Answer", index=True, ondelete="set null"
    )
    conversation_id = fields.Many2one("ai.chat.conversation", index=True, ondelete="set null")
    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    context = fields.Json(
        help="The language, time zone and companies the proposal was checked in: the change "
        "runs in them."
    )
    operation = fields.Selection(
        [("create", "Create"), ("update", "Update"), ("archive", "Archive"), ("post", "Post")],
        required=True,
    )
    res_model = fields.Char(string="Model", required=True)
    res_id = fields.Integer(string="Record ID", help="The record changed, or the one created.")
    record_name = fields.Char(string="Record")
    values = fields.Json(help="The values to write, frozen when proposed.")
    before = fields.Json(
        help="The record's values when proposed: one changed since is not written over."
    )
    card = fields.Json(help="What the user was shown: each field's label, old and new value.")
    body = fields.Text(help="The message to post.")
    kind = fields.Selection([("note", "Internal note"), ("message", "Message to followers")])
    state = fields.Selection(
        [
            ("pending", "Waiting for the user"),
            ("done", "Approved and done"),
            ("failed", "Approved, failed"),
            ("rejected", "Rejected"),
            ("expired", "Expired"),
        ],
        default="pending",
        required=True,
        index=True,
    )
    change_text = fields.Text(
        string="Change", compute="_compute_change_text", help="Each field: old → new."
    )
    decided_by = fields.Many2one("res.users", readonly=True)
    decided_at = fields.Datetime(readonly=True)
    outcome = fields.Char(readonly=True)

    @api.depends("card", "body")
    def _compute_change_text(self):
        for proposal in self:
            lines = [
                f"{line['label']}: {line['old'] or '—'} → {line['new'] or '—'}"
                for line in (proposal.card or {}).get("fields", ())
            ]
            proposal.change_text = "\n".join(lines) or proposal.body or ""

    # -- proposed (by the tool runner, in the answer's thread) ------------------------------

    @api.model
    def _propose(self, message_id, proposal):
        """Stores a proposal of the write tools; its card, with the id the user decides on."""
        # sudo: ai.chat.message - the user's own answer, streaming for this very call
        message = self.env["ai.chat.message"].sudo().browse(message_id)
        # sudo: ai.chat.proposal - users cannot create rows; this is their own answer's call
        row = self.sudo().create(
            {
                "message_id": message_id,
                "conversation_id": message.conversation_id.id,
                "user_id": self.env.uid,
                "context": {key: self.env.context.get(key) for key in CONTEXT_KEYS},
                "operation": proposal["operation"],
                "res_model": proposal["model"],
                "res_id": proposal["record_id"],
                "record_name": proposal["record_name"],
                "values": proposal["values"],
                "before": proposal.get("before"),
                "card": {key: proposal[key] for key in ("model_name", "fields")},
                "body": proposal.get("body"),
                "kind": proposal.get("kind"),
            }
        )
        return row._proposal_card()

    def _proposal_card(self):
        """What the web client shows and decides on (wire contract: the `tool` event)."""
        self.ensure_one()
        card = self.card or {}
        return {
            "id": self.id,
            "operation": self.operation,
            "model": self.res_model,
            "model_name": card.get("model_name", self.res_model),
            "record_id": self.res_id,
            "record_name": self.record_name or "",
            "fields": card.get("fields", []),
            "body": self.body or "",
            "kind": self.kind or "",
            "state": self.state,
            "outcome": self.outcome or "",
        }

    @api.model
    def _proposal_waiter(self, message_id):
        """await_decision(proposal id, stopped) for the answer `message_id` (lib/tool_loop.py):
        the decision's ToolResult, or None once stopped() is true. Woken by the decision's
        NOTIFY, it looks at the row at least every DECISION_POLL_SECONDS."""
        dbname, uid, context = self.env.cr.dbname, self.env.uid, dict(self.env.context)
        hub = self.env["ai.chat.message"]._answer_hub()

        def await_decision(proposal_id, stopped):
            changed = hub.watch(message_id)
            try:
                while not stopped():
                    with Registry(dbname).cursor() as cr:
                        Proposal = api.Environment(cr, uid, context)["ai.chat.proposal"]
                        result = Proposal.browse(proposal_id)._proposal_result()
                    if result is not None:
                        return result
                    changed.wait(DECISION_POLL_SECONDS)
                    changed.clear()
            finally:
                hub.unwatch(message_id, changed)
            # Stopped: the proposal expires, unless the user's decision came first (then the
            # answer keeps what was done, though the model will not read it).
            with read_committed(Registry(dbname), uid, context) as env:
                return env["ai.chat.proposal"].browse(proposal_id)._expire_or_result()

        return await_decision

    def _expire_or_result(self):
        """Expires this proposal if it still waits (None), else its decision's result."""
        self.env.cr.execute(
            SQL(
                "UPDATE ai_chat_proposal SET state = 'expired', write_date = now() AT TIME ZONE "
                "'UTC' WHERE id = %s AND state = 'pending' RETURNING id",
                self.id,
            )
        )
        if self.env.cr.fetchone():
            return None
        return self._proposal_result()

    def _proposal_result(self):
        """The decision as the call's result: what the model reads, the user's summary and the
        step's state; None while the user has not decided (or the proposal is gone with its
        conversation)."""
        self.ensure_one()
        if not self.exists() or self.state == "pending":
            return None
        if self.state == "done":
            content = {"status": "done", "model": self.res_model, "id": self.res_id}
            state = "done"
        elif self.state in ("failed", "expired"):
            content = {"status": self.state, "error": self.outcome or "Not decided in time."}
            state = "error"
        else:
            content = {
                "status": "rejected",
                "message": "The user rejected this change. Do not propose it again unless "
                "they ask for it.",
            }
            state = "rejected"
        return ToolResult(
            json.dumps(content, ensure_ascii=False),
            self.outcome or "",
            state=state,
            proposal=self._proposal_card(),
        )

    # -- decided (by the user, through the decision route) ---------------------------------

    @api.model
    def _decide(self, proposal_id, decision):
        """Approve or reject one of the user's own proposals; its card afterwards. Deciding
        again answers the card as it is: a double click changes nothing twice."""
        self.env["ai.chat.conversation"]._check_chat_user()
        if decision not in ("approve", "reject"):
            raise ChatRefusal(self.env._("The decision is approve or reject."))
        proposal = self._own(proposal_id)
        # One decision at a time, and none once the answer has ended (which expires it).
        self.env.cr.execute(
            SQL("SELECT 1 FROM ai_chat_proposal WHERE id = %s FOR UPDATE", proposal.id)
        )
        proposal.invalidate_recordset()
        if proposal.state != "pending":
            return proposal._proposal_card()
        if not proposal.message_id or not proposal.message_id._answer_waiting():
            # sudo: ai.chat.proposal - the user's own proposal, whose answer has ended
            proposal.sudo().state = "expired"
            return proposal._proposal_card()
        if decision == "approve":
            state, outcome, res_id = proposal._in_its_context()._run()
        else:
            state, outcome, res_id = "rejected", proposal._rejected_words(), proposal.res_id
        # sudo: ai.chat.proposal - users cannot write rows; the decision is on their own
        proposal.sudo().write(
            {
                "state": state,
                "outcome": outcome[:OUTCOME_MAX_CHARS],
                "res_id": res_id,
                "decided_by": self.env.uid,
                "decided_at": fields.Datetime.now(),
            }
        )
        self.env["ai.chat.message"]._answers_notify("decided", [proposal.message_id.id])
        return proposal._proposal_card()

    def _in_its_context(self):
        """The proposal as the user checked it: same language and time zone, and the companies
        of then that are still the user's."""
        context = dict(self.context or {})
        mine = self.env.user.company_ids.ids
        companies = [cid for cid in context.get("allowed_company_ids") or () if cid in mine]
        context["allowed_company_ids"] = companies or self.env.context.get("allowed_company_ids")
        return self.with_context(**{key: value for key, value in context.items() if value})

    @api.model
    def _own(self, proposal_id):
        try:
            proposal_id = int(proposal_id)
        except (TypeError, ValueError):
            proposal_id = 0
        proposal = (
            self.search([("id", "=", proposal_id), ("user_id", "=", self.env.uid)])
            if proposal_id > 0
            else self.browse()
        )
        if not proposal:
            raise not_found(self.env._("Proposal not found."))
        return proposal

    def _run(self):
        """Makes the change as the user: (state, outcome for a person, record id)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                record = self._execute()
        except Exception as exc:  # whatever refused it, the user and the model are told
            if isinstance(exc, psycopg2.Error):
                reason = exc.diag.message_primary or type(exc).__name__
            elif isinstance(exc, UserError | ValueError):
                reason = str(exc)
            else:
                _logger.exception("Proposal %s failed", self.id)
                reason = self.env._("an error on the server")
            _logger.info("Proposal %s approved, not done: %s", self.id, reason)
            return "failed", self.env._("Not done: %(reason)s", reason=reason), self.res_id
        return "done", self._done_words(record), record.id

    def _execute(self):
        settings = self.env["ai.chat.conversation"]._get_chat_settings()
        if not settings.write_tools or (
            settings.write_models and self.res_model not in settings.write_models
        ):
            raise UserError(self.env._("Changes proposed by the assistant are switched off."))
        records = self.env[self.res_model]
        if self.operation == "create":
            record = records.create(self._orm_values(records))
            return record
        record = records.browse(self.res_id).exists()
        if not record:
            raise UserError(self.env._("The record no longer exists."))
        if self.operation == "update":
            self._check_unchanged(record)
            record.write(self._orm_values(records))
            # Record rules are judged before a write; the record as written must still be
            # this user's to change (a proposal cannot hand it over to someone else).
            record.check_access("write")
        elif self.operation == "archive":
            record.action_archive()
        else:
            subtype = "mail.mt_note" if self.kind == "note" else "mail.mt_comment"
            record.message_post(
                body=plaintext2html(self.body or ""),
                message_type="comment",
                subtype_xmlid=subtype,
            )
        return record

    def _orm_values(self, records):
        return {
            name: [Command.set(value)] if records._fields[name].type == "many2many" else value
            for name, value in (self.values or {}).items()
        }

    def _check_unchanged(self, record):
        tools = self.env["ai.chat.tools"]
        changed = [
            record._fields[name]._description_string(self.env)
            for name, value in (self.before or {}).items()
            if tools._tool_raw(record, name) != value
        ]
        if changed:
            raise UserError(
                self.env._(
                    "%(fields)s changed since the proposal. Ask again.", fields=", ".join(changed)
                )
            )

    def _done_words(self, record):
        name = record.display_name or self.record_name
        if self.operation == "create":
            return self.env._("Created %(name)s", name=name)
        if self.operation == "update":
            return self.env._("Updated %(name)s", name=name)
        if self.operation == "archive":
            return self.env._("Archived %(name)s", name=name)
        if self.kind == "note":
            return self.env._("Logged a note on %(name)s", name=name)
        return self.env._("Sent a message on %(name)s", name=name)

    def _rejected_words(self):
        return self.env._("You rejected this change.")

    # -- expired (when the answer ends) ------------------------------------------------------

    @api.model
    def _expire_for(self, message_ids):
        """The proposals of these ended answers that were still waiting: expired."""
        if message_ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE ai_chat_proposal SET state = 'expired', write_date = now() "
                    "AT TIME ZONE 'UTC' WHERE state = 'pending' "
                    "AND (message_id = ANY(%s) OR message_id IS NULL)",
                    list(message_ids),
                )
            )
