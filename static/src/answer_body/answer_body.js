// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { BlockRun } from "../block_run/block_run";

/** Blocks per run: big enough for few runs, small enough to re-render one cheaply. */
export const RUN_SIZE = 32;

/**
 * An answer's blocks, in runs of RUN_SIZE. While an answer streams only its last blocks
 * change: runs whose blocks are all unchanged keep the very same array, so their component
 * is skipped, and the work per frame stays flat however long the answer grows.
 */
export class AnswerBody extends Component {
    static template = "ai_stream_chat.AnswerBody";
    static components = { BlockRun };
    static props = { blocks: { type: Array, element: String } };

    setup() {
        this.runs = [];
    }

    get currentRuns() {
        const blocks = this.props.blocks;
        const runs = [];
        for (let start = 0; start < blocks.length; start += RUN_SIZE) {
            const run = blocks.slice(start, start + RUN_SIZE);
            const previous = this.runs[runs.length];
            const same =
                previous?.length === run.length && previous.every((html, i) => html === run[i]);
            runs.push(same ? previous : run);
        }
        this.runs = runs;
        return runs;
    }
}
