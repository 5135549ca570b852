// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";

/**
 * The tools an answer used, in order ("Searched Sales Orders: 12 found"): each opens to the
 * arguments the model gave it. A step still running shows a spinner, a failed one why.
 */
export class ToolSteps extends Component {
    static template = "ai_stream_chat.ToolSteps";
    static props = {
        steps: Array, // [{id, name, arguments, state, summary}]
        messageKey: [Number, String],
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

    /** The call as the model made it: name(arguments), the arguments as compact JSON. */
    callText(step) {
        const args = step.arguments;
        return `${step.name}(${typeof args === "string" ? args : JSON.stringify(args)})`;
    }
}
