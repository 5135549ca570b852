// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";
import { ProposalCard } from "../proposal_card/proposal_card";

const PREVIEW_CHARS = 300;

/**
 * The tools an answer used, in order ("Searched Sales Orders: 12 found"): each opens to the
 * arguments the model gave it. A step still running shows a spinner, a failed one why. A
 * change the assistant proposed shows as a card the user approves or rejects.
 */
export class ToolSteps extends Component {
    static template = "ai_stream_chat.ToolSteps";
    static components = { ProposalCard };
    static props = {
        steps: Array, // [{id, name, arguments, state, summary, result?, ms?, proposal?}]
        messageKey: [Number, String],
        streaming: { type: Boolean, optional: true }, // the answer runs: proposals wait
        onDecide: { type: Function, optional: true }, // (proposal, decision) => Promise
    };

    setup() {
        this.state = useState({ open: {} });
    }

    isOpen(step) {
        return Boolean(this.state.open[step.id]);
    }

    toggle(step) {
        this.state.open[step.id] = !this.isOpen(step);
    }

    sectionId(step) {
        return `o_ai_stream_chat_tool_${this.props.messageKey}_${step.id}`;
    }

    label(step) {
        return step.summary || step.name;
    }

    /** The step's icon state: a proposal still pending in an ended answer expired. */
    status(step) {
        if (step.state === "needs_approval" && !this.props.streaming) {
            return "expired";
        }
        return step.state;
    }

    /** The start of what the tool answered, as the model read it. */
    resultPreview(step) {
        const result = step.result;
        return result.length > PREVIEW_CHARS
            ? `→ ${result.slice(0, PREVIEW_CHARS)}…`
            : `→ ${result}`;
    }

    /** The call as the model made it: name(arguments), the arguments as compact JSON. */
    callText(step) {
        const args = step.arguments;
        return `${step.name}(${typeof args === "string" ? args : JSON.stringify(args)})`;
    }
}
