// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onMounted, useState } from "@odoo/owl";
import { useChildRef } from "@web/core/utils/hooks";
import { ChatComposer } from "../chat_composer/chat_composer";
import { ChatThread } from "../chat_thread/chat_thread";
import { ChatWelcome } from "../chat_welcome/chat_welcome";

/** A conversation and its composer: the part the full page and the systray window share. */
export class ChatPanel extends Component {
    static template = "ai_stream_chat.ChatPanel";
    static components = { ChatComposer, ChatThread, ChatWelcome };
    static props = {
        model: Object, // ChatModel
        autofocus: { type: Boolean, optional: true },
    };
    static defaultProps = { autofocus: true };

    setup() {
        this.chat = useState(this.props.model.state);
        this.composerRef = useChildRef();
        onMounted(() => {
            if (this.props.autofocus) {
                this.focusComposer();
            }
        });
    }

    focusComposer() {
        this.composerRef.el?.focus();
    }

    /** @param {string} prompt */
    pickPrompt(prompt) {
        this.chat.draft = prompt;
        this.focusComposer();
    }
}
