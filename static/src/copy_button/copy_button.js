// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import { CopyButton } from "@web/core/copy_button/copy_button";

/**
 * Odoo's CopyButton (the clipboard, a "Copied" tooltip), as an icon with a name: Odoo's shows
 * only an icon when it has no visible text, which a screen reader cannot name.
 */
export class ChatCopyButton extends CopyButton {
    static template = "ai_stream_chat.ChatCopyButton";
    static props = { ...CopyButton.props, label: String };
    static defaultProps = {
        icon: "fa-clone",
        className: "o_ai_stream_chat_copy btn-sm btn-link",
        get successText() {
            return _t("Copied");
        },
    };
}
