// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";

/**
 * The model's reasoning, as plain text: open while it streams, collapsed once the answer
 * starts. After the user toggles it, their choice wins.
 */
export class ChatReasoning extends Component {
    static template = "ai_stream_chat.ChatReasoning";
    static props = {
        text: String,
        active: Boolean, // reasoning is streaming and the answer has not started yet
        messageKey: [Number, String], // for the ids tying the toggle to its section
    };

    setup() {
        this.state = useState({ userOpen: null });
    }

    get isOpen() {
        return this.state.userOpen ?? this.props.active;
    }

    get sectionId() {
        return `o_ai_stream_chat_reasoning_${this.props.messageKey}`;
    }

    toggle() {
        this.state.userOpen = !this.isOpen;
    }
}
