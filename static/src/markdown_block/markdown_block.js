// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillUpdateProps } from "@odoo/owl";
import { ChatCopyButton } from "../copy_button/copy_button";
import { toParts } from "./markdown_parts";

/**
 * One block of an answer's server HTML. Blocks are keyed in the message: while an answer
 * streams only the last one gets new HTML, so only its sanitizing and DOM change.
 */
export class MarkdownBlock extends Component {
    static template = "ai_stream_chat.MarkdownBlock";
    static components = { ChatCopyButton };
    static props = { html: String };

    setup() {
        this.parts = toParts(this.props.html);
        onWillUpdateProps((next) => {
            if (next.html !== this.props.html) {
                this.parts = toParts(next.html);
            }
        });
    }
}
