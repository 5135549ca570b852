# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models, tools

from ..lib import pricing


class AiChatPrice(models.Model):
    """What the AI service charges for a model, per million tokens, in the company's currency.
    An answer's cost is worked out when it ends, with the price of that day: a price changed
    later does not change what was spent."""

    _name = "ai.chat.price"
    _inherit = ["ai.chat.cached"]
    _description = "AI Model Price"
    _order = "llm_model"

    llm_model = fields.Char(
        string="AI model", required=True, help="The model's name as the AI service knows it."
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, ondelete="cascade"
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    # Not Monetary: prices such as 0.075 a million tokens have more decimals than currencies.
    input_price = fields.Float(
        string="Input, per 1M tokens",
        digits=(16, 4),
        help="The prompt: question, history, documents, tools.",
    )
    cached_input_price = fields.Float(
        string="Cached input, per 1M tokens",
        digits=(16, 4),
        help="Prompt tokens the AI service read from its cache (OpenAI, DeepSeek).",
    )
    output_price = fields.Float(
        string="Output, per 1M tokens",
        digits=(16, 4),
        help="The answer, its reasoning and its tool calls.",
    )

    _sql_constraints = [
        (
            "model_company_unique",
            "UNIQUE(llm_model, company_id)",
            "A model has one price per company.",
        ),
        (
            "prices_not_negative",
            "CHECK(input_price >= 0 AND cached_input_price >= 0 AND output_price >= 0)",
            "Prices cannot be negative.",
        ),
    ]

    @api.model
    @tools.ormcache("llm_model", "company_id")
    def _price_for(self, llm_model, company_id):
        """A pricing.Price: this company's for the model, else another company's (a user may
        move between companies; an answer is not free for that), else None."""
        # sudo: ai.chat.price - users do not read prices; their answers are costed with them
        rows = self.sudo().search([("llm_model", "=", llm_model)])
        row = rows.filtered(lambda price: price.company_id.id == company_id)[:1] or rows[:1]
        if not row:
            return None
        return pricing.Price(row.input_price, row.cached_input_price, row.output_price)
