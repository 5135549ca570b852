// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillDestroy, useState } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";

const FEEDBACK_MS = 1500;

/** An icon button that copies a text and says so for a moment. */
export class ChatCopyButton extends Component {
    static template = "ai_stream_chat.ChatCopyButton";
    static props = {
        text: String,
        label: { type: String, optional: true },
        className: { type: String, optional: true },
    };
    static defaultProps = { className: "" };

    setup() {
        this.state = useState({ copied: false });
        this.timeout = null;
        onWillDestroy(() => browser.clearTimeout(this.timeout));
    }

    get label() {
        return this.state.copied ? _t("Copied") : this.props.label || _t("Copy");
    }

    async onClick() {
        try {
            await browser.navigator.clipboard.writeText(this.props.text);
        } catch (error) {
            // Clipboard access can be refused (permissions, insecure origin): nothing to undo.
            browser.console.warn(error);
            return;
        }
        this.state.copied = true;
        browser.clearTimeout(this.timeout);
        this.timeout = browser.setTimeout(() => (this.state.copied = false), FEEDBACK_MS);
    }
}
