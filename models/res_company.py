# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    ai_chat_monthly_tokens = fields.Integer(
        string="AI chat tokens per month",
        help="What the company's users may spend together each month; 0: no limit.",
    )
    ai_chat_monthly_amount = fields.Monetary(
        string="AI chat amount per month",
        currency_field="currency_id",
        help="What the company's users may spend together each month; 0: no limit.",
    )
