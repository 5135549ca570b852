# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from typing import NamedTuple

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import pricing

_logger = logging.getLogger(__name__)


class Charge(NamedTuple):
    """What one ended answer is charged: its user, AI model, links and pricing.Usage."""

    uid: int
    llm_model: str
    message_id: int | None
    conversation_id: int | None
    usage: pricing.Usage

    @classmethod
    def of(cls, message, usage):
        return cls(
            message.user_id.id, message.llm_model, message.id, message.conversation_id.id, usage
        )


class AiChatUsage(models.Model):
    """What each answer used and cost: one row per answer, written when it ends. The ledger
    budgets are counted on and the usage report reads. It outlives the conversation: deleting
    a chat does not give its tokens back."""

    _name = "ai.chat.usage"
    _description = "AI Chat Usage"
    _order = "date desc, id desc"
    _rec_name = "llm_model"

    date = fields.Date(required=True, index=True, default=fields.Date.context_today)
    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    conversation_id = fields.Many2one("ai.chat.conversation", index=True, ondelete="set null")
    message_id = fields.Many2one("ai.chat.message", string="Answer", ondelete="set null")
    llm_model = fields.Char(string="AI model")
    prompt_tokens = fields.Integer(aggregator="sum")
    cached_tokens = fields.Integer(string="Cached prompt tokens", aggregator="sum")
    completion_tokens = fields.Integer(aggregator="sum")
    total_tokens = fields.Integer(aggregator="sum")
    # Not Monetary: an answer costs fractions of a cent, which the currency's rounding would
    # turn into whole cents.
    cost = fields.Float(digits=(16, 6), aggregator="sum", help="In the company's currency.")
    estimated = fields.Boolean(
        help="The AI service reported no usage: the tokens were estimated from the text."
    )

    def init(self):
        result = super().init()
        # The budget check of every question sums one user's (or company's) month.
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS ai_chat_usage_user_date ON ai_chat_usage (user_id, date)"
        )
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS ai_chat_usage_company_date "
            "ON ai_chat_usage (company_id, date)"
        )
        return result

    @api.model
    def _record(self, charges):
        """The ledger rows of ended answers: [Charge]. An answer whose conversation was deleted
        while it ran is charged too, without its links."""
        Price, Users = self.env["ai.chat.price"], self.env["res.users"]
        today = fields.Date.today()
        rows = []
        for charge in charges:
            company = Users.browse(charge.uid).company_id
            usage = charge.usage
            rows.append(
                {
                    "date": today,
                    "user_id": charge.uid,
                    "company_id": company.id,
                    "conversation_id": charge.conversation_id or False,
                    "message_id": charge.message_id or False,
                    "llm_model": charge.llm_model,
                    "prompt_tokens": usage.prompt_tokens,
                    "cached_tokens": usage.cached_tokens,
                    "completion_tokens": usage.completion_tokens,
                    "total_tokens": usage.total_tokens,
                    "cost": pricing.cost(usage, Price._price_for(charge.llm_model, company.id)),
                    "estimated": usage.estimated,
                }
            )
        if not rows:
            return self.browse()
        try:
            # sudo: ai.chat.usage - the ledger is written by the chat only, never by users
            with self.env.cr.savepoint():
                return self.sudo().create(rows)
        except Exception:  # logged: it must not keep the answers' ends from being saved
            _logger.exception("Could not write the usage of %s answers", len(rows))
            return self.browse()

    @api.model
    def _month_spent(self, since, user_id=None, company_id=None):
        """(tokens, cost) of one user's or one company's answers from `since` on."""
        column, value = ("user_id", user_id) if user_id else ("company_id", company_id)
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(SUM(total_tokens), 0), COALESCE(SUM(cost), 0) "
                "FROM ai_chat_usage WHERE %s = %s AND date >= %s",
                SQL.identifier(column),
                value,
                since,
            )
        )
        return self.env.cr.fetchone()
