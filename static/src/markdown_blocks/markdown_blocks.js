// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { MarkdownGroup } from "../markdown_group/markdown_group";

/** Blocks per group: big enough for few groups, small enough to re-render one cheaply. */
export const GROUP_SIZE = 32;

/**
 * An answer's blocks, in groups of GROUP_SIZE. While an answer streams only its last blocks
 * change: groups whose blocks are all unchanged keep the very same array, so their component
 * is skipped, and the work per frame stays flat however long the answer grows.
 */
export class MarkdownBlocks extends Component {
    static template = "ai_stream_chat.MarkdownBlocks";
    static components = { MarkdownGroup };
    static props = { blocks: { type: Array, element: String } };

    setup() {
        this.groups = [];
    }

    get currentGroups() {
        const blocks = this.props.blocks;
        const groups = [];
        for (let start = 0; start < blocks.length; start += GROUP_SIZE) {
            const group = blocks.slice(start, start + GROUP_SIZE);
            const previous = this.groups[groups.length];
            const same =
                previous?.length === group.length && previous.every((html, i) => html === group[i]);
            groups.push(same ? previous : group);
        }
        this.groups = groups;
        return groups;
    }
}
