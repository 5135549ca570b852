# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Monthly budgets: per user (a default in Settings, overridden per user or per group) and per
company, in tokens and in money, checked before a question is recorded or the AI service asked.

A question is refused (429, saying when the budget renews) once the month's spending has
reached a budget. An answer that crosses it is not cut: it is the last one. One user's
questions are admitted one after another (a lock), each seeing what the ones before spent, so
concurrent answers overspend by at most one answer: while one of the user's answers runs,
another is admitted only if the budget can pay for both in full, which is known only with a
per-answer cost cap; otherwise it waits for the running one to end.
"""

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL, format_amount, format_date

from ..exceptions import ChatRefusal, too_many
from ..lib import pricing
from .transactions import read_committed

QUOTA_LOCK = 7841  # pg_advisory_xact_lock(QUOTA_LOCK, uid): one user's starts, one at a time
RETRY_AFTER_SECONDS = 5  # while one's own answer runs


class AiChatBudget(models.Model):
    _name = "ai.chat.budget"
    _inherit = ["ai.chat.cached"]
    _description = "AI Chat Monthly Budget"
    _order = "user_id, group_id"

    user_id = fields.Many2one("res.users", index=True, ondelete="cascade")
    group_id = fields.Many2one(
        "res.groups", string="Group of users", index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    monthly_tokens = fields.Integer(string="Tokens per month", help="0: no limit in tokens.")
    monthly_amount = fields.Monetary(string="Amount per month", help="0: no limit in money.")

    _sql_constraints = [
        ("user_unique", "UNIQUE(user_id)", "A user has one budget."),
        ("group_unique", "UNIQUE(group_id)", "A group has one budget."),
        (
            "not_negative",
            "CHECK(monthly_tokens >= 0 AND monthly_amount >= 0)",
            "A budget cannot be negative.",
        ),
    ]

    @api.constrains("user_id", "group_id")
    def _check_one_holder(self):
        for budget in self:
            if bool(budget.user_id) == bool(budget.group_id):
                raise ValidationError(self.env._("A budget is for a user or for a group."))

    # -- whose budget ----------------------------------------------------------------------

    @api.model
    @tools.ormcache()
    def _budget_table(self):
        """({user id: (tokens, amount)}, {group id: (tokens, amount)}): read once, as every
        question needs it and budgets seldom change."""
        # sudo: ai.chat.budget - users do not read budgets; theirs applies to them
        budgets = self.sudo().search_read(
            [], ["user_id", "group_id", "monthly_tokens", "monthly_amount"]
        )
        users, groups = {}, {}
        for row in budgets:
            limits = (row["monthly_tokens"], row["monthly_amount"])
            if row["user_id"]:
                users[row["user_id"][0]] = limits
            else:
                groups[row["group_id"][0]] = limits
        return users, groups

    @api.model
    def _limits_for(self, user, settings):
        """(tokens, amount) a month for `user`, 0 meaning no limit: the user's own budget, or
        the most generous of their groups', or the default of Settings."""
        users, groups = self._budget_table()
        if user.id in users:
            return users[user.id]
        theirs = (
            [groups[group] for group in user.groups_id.ids if group in groups] if groups else []
        )
        if theirs:
            return (
                _most_generous([tokens for tokens, _amount in theirs]),
                _most_generous([amount for _tokens, amount in theirs]),
            )
        return settings.user_monthly_tokens, settings.user_monthly_amount

    # -- the check of each question --------------------------------------------------------

    @api.model
    def _admit_question(self, settings, llm_model):
        """Refuses (429) a question this user may not ask now: too many answers running, or a
        budget spent. Called before anything is recorded; holds the user's lock until the
        request's transaction ends, so the next question of the user sees this one."""
        user = self.env.user
        company = user.company_id
        limits = self._limits_for(user, settings)
        company_limits = (company.ai_chat_monthly_tokens, company.ai_chat_monthly_amount)
        if (limits[1] or company_limits[1]) and not self.env["ai.chat.price"]._price_for(
            llm_model, company.id
        ):
            # Unpriced, it would cost nothing against a budget in money: refused instead.
            raise ChatRefusal(
                self.env._(
                    "The AI model %(model)s has no price, and your spending is limited in money:"
                    " an administrator must set its price first.",
                    model=llm_model,
                ),
                status=403,
            )
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, %s)", QUOTA_LOCK, user.id))
        with read_committed(self.env.registry, user.id, self.env.context) as env:
            running = env["ai.chat.message"]._answers_running(user.id)
            if running >= settings.max_streams:
                raise too_many(
                    self.env._(
                        "You already have %(count)s answers streaming. Wait for one to finish.",
                        count=running,
                    )
                )
            since = pricing.month_start(fields.Date.today())
            Usage = env["ai.chat.usage"]
            if any(limits):
                spent = Usage._month_spent(since, user_id=user.id)
                self._check_spent(spent, limits, running, settings)
            if any(company_limits):
                spent = Usage._month_spent(since, company_id=company.id)
                self._check_spent(spent, company_limits, 0, settings, company=company)

    @api.model
    def _check_spent(self, spent, limits, running, settings, company=None):
        """Refuses when (tokens, cost) spent reach a limit (tokens, amount); with answers
        running, also when the budget cannot pay for them and one more in full."""
        spent_tokens, spent_amount = spent
        tokens, amount = limits
        renews = pricing.renews_on(fields.Date.today())
        if (tokens and spent_tokens >= tokens) or (amount and spent_amount >= amount):
            raise too_many(self._spent_words(company, renews))
        if not running:
            return
        cap = settings.max_answer_cost
        if tokens or not cap or spent_amount + (running + 1) * cap > amount:
            raise too_many(
                self.env._(
                    "An answer of yours is still running, and your monthly AI budget must "
                    "cover it before another: wait for it to finish."
                ),
                retry_after=RETRY_AFTER_SECONDS,
            )

    @api.model
    def _spent_words(self, company, renews):
        when = format_date(self.env, renews)
        if company:
            return self.env._(
                "The company's monthly AI budget is spent. It renews on %(date)s.", date=when
            )
        return self.env._("Your monthly AI budget is spent. It renews on %(date)s.", date=when)

    # -- the meter -------------------------------------------------------------------------

    @api.model
    def _meter(self, settings):
        """This month's spending of the current user against their budget, for the chat."""
        user = self.env.user
        today = fields.Date.today()
        tokens, cost = self.env["ai.chat.usage"]._month_spent(
            pricing.month_start(today), user_id=user.id
        )
        limit_tokens, limit_amount = self._limits_for(user, settings)
        currency = user.company_id.currency_id
        return {
            "tokens": tokens,
            "cost": _shown_cost(self.env, cost, currency),
            "limit_tokens": limit_tokens,
            "limit_amount": format_amount(self.env, limit_amount, currency) if limit_amount else "",
            "share": _share(tokens, limit_tokens, cost, limit_amount),
            "renews_on": format_date(self.env, pricing.renews_on(today)),
        }


def _shown_cost(env, cost, currency):
    """A month's cost as the meter shows it: fractions of a cent are not "0.00"."""
    if not cost:
        return ""
    smallest = currency.rounding
    if cost < smallest:
        return "< " + format_amount(env, smallest, currency)
    return format_amount(env, cost, currency)


def _most_generous(limits):
    return 0 if 0 in limits else max(limits)


def _share(tokens, limit_tokens, cost, limit_amount):
    """How much of the tighter budget is spent, 0 to 1; None without a budget."""
    shares = [
        used / limit for used, limit in ((tokens, limit_tokens), (cost, limit_amount)) if limit
    ]
    return min(max(shares), 1.0) if shares else None
