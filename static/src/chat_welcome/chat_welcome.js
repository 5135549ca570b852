// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

/** What a new chat shows: a greeting and example prompts that fill the composer. */
export class ChatWelcome extends Component {
    static template = "ai_stream_chat.ChatWelcome";
    static props = {
        onPick: Function, // (prompt: string) => void
    };

    get examples() {
        return [
            {
                icon: "fa-envelope-o",
                prompt: _t(
                    "Write a friendly reminder email for an invoice that is 15 days overdue."
                ),
            },
            {
                icon: "fa-list-ul",
                prompt: _t("Summarize these meeting notes into decisions and next steps:\n"),
            },
            {
                icon: "fa-table",
                prompt: _t("Compare FIFO and average cost inventory valuation in a short table."),
            },
        ];
    }
}
