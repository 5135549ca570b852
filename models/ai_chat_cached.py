# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class AiChatCached(models.AbstractModel):
    """Configuration that every question reads through a registry cache (tools.ormcache):
    any change to its rows clears the cache, in every worker."""

    _name = "ai.chat.cached"
    _description = "AI Chat Cached Configuration"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()
