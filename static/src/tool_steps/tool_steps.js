// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";

const PREVIEW_CHARS = 300;

/**
 * The tools an answer used, in order ("Searched Sales Orders: 12 found"): each opens to the
 * arguments the model gave it. A step still running shows a spinner, a failed one why.
 */
export class ToolSteps extends Component {
    static template = "ai_stream_chat.ToolSteps";
    static props = {
        steps: Array, // [{id, name, arguments, state, summary, result?, ms?}]
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
