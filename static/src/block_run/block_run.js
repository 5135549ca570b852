// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { MarkdownBlock } from "../markdown_block/markdown_block";

/** A run of consecutive blocks; a run out of view is not laid out or painted (see scss). */
export class BlockRun extends Component {
    static template = "ai_stream_chat.BlockRun";
    static components = { MarkdownBlock };
    static props = { blocks: { type: Array, element: String } };
}
