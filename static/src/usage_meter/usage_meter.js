// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatInteger } from "@web/views/fields/formatters";

/** From this share of the budget on, the meter warns. */
const WARN_FROM = 0.8;

/**
 * This month's spending of the user (`chat_usage`): tokens and cost, against their budget
 * when they have one, with the day it renews.
 */
export class UsageMeter extends Component {
    static template = "ai_stream_chat.UsageMeter";
    static props = {
        // {tokens, cost, limit_tokens, limit_amount, share, renews_on}
        usage: Object,
    };

    get usage() {
        return this.props.usage;
    }

    get hasBudget() {
        return this.usage.share !== null && this.usage.share !== undefined;
    }

    get text() {
        const { tokens, limit_tokens: limit, cost, limit_amount: limitAmount } = this.usage;
        const parts = [
            limit
                ? _t("%(used)s of %(limit)s tokens", {
                      used: formatInteger(tokens),
                      limit: formatInteger(limit),
                  })
                : _t("%(used)s tokens", { used: formatInteger(tokens) }),
        ];
        if (limitAmount) {
            parts.push(_t("%(used)s of %(limit)s", { used: cost || "0", limit: limitAmount }));
        } else if (cost) {
            parts.push(cost);
        }
        return parts.join(" · ");
    }

    get percent() {
        return Math.round(100 * (this.usage.share || 0));
    }

    get level() {
        const share = this.usage.share || 0;
        return share >= 1 ? "danger" : share >= WARN_FROM ? "warning" : "success";
    }
}
