// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillUpdateProps } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { ChatCopyButton } from "../copy_button/copy_button";
import { recordOf, toParts } from "./markdown_parts";

/**
 * One block of an answer's server HTML. Blocks are keyed in the message: while an answer
 * streams only the last one gets new HTML, so only its sanitizing and DOM change.
 */
export class MarkdownBlock extends Component {
    static template = "ai_stream_chat.MarkdownBlock";
    static components = { ChatCopyButton };
    static props = { html: String };

    setup() {
        this.action = useService("action");
        this.parts = toParts(this.props.html);
        onWillUpdateProps((next) => {
            if (next.html !== this.props.html) {
                this.parts = toParts(next.html);
            }
        });
    }

    /**
     * A link to a record opens it in this web client (a new tab with Ctrl, Cmd or the middle
     * button, as links do).
     *
     * @param {MouseEvent} ev
     */
    onClick(ev) {
        const link = ev.target.closest("a[href]");
        const record = link && recordOf(link);
        if (!record || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) {
            return;
        }
        ev.preventDefault();
        this.action.doAction({
            type: "ir.actions.act_window",
            res_model: record.resModel,
            res_id: record.resId,
            views: [[false, "form"]],
        });
    }
}
