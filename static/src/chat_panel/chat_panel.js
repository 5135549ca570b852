// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onMounted, useState } from "@odoo/owl";
import { useChildRef } from "@web/core/utils/hooks";
import { ChatComposer } from "../chat_composer/chat_composer";
import { ChatThread } from "../chat_thread/chat_thread";
import { ChatWelcome } from "../chat_welcome/chat_welcome";

/** @param {DragEvent} ev */
function hasFiles(ev) {
    return [...(ev.dataTransfer?.types || [])].includes("Files");
}

/**
 * A conversation and its composer: the part the full page and the systray window share.
 * Files dropped anywhere on it are attached to the draft.
 */
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
        this.state = useState({ dragging: false });
        // dragenter/dragleave fire for every child crossed: count them.
        this.dragDepth = 0;
        onMounted(() => {
            if (this.props.autofocus) {
                this.focusComposer();
            }
        });
    }

    focusComposer() {
        this.composerRef.el?.focus();
    }

    onDragEnter(ev) {
        if (hasFiles(ev)) {
            ev.preventDefault();
            this.dragDepth++;
            this.state.dragging = true;
        }
    }

    onDragOver(ev) {
        if (hasFiles(ev)) {
            ev.preventDefault(); // allows the drop
            ev.dataTransfer.dropEffect = "copy";
        }
    }

    onDragLeave(ev) {
        if (hasFiles(ev)) {
            this.dragDepth = Math.max(0, this.dragDepth - 1);
            this.state.dragging = this.dragDepth > 0;
        }
    }

    onDrop(ev) {
        if (!hasFiles(ev)) {
            return;
        }
        ev.preventDefault(); // or the browser opens the file
        this.dragDepth = 0;
        this.state.dragging = false;
        this.props.model.addFiles([...ev.dataTransfer.files]);
        this.focusComposer();
    }

    /** @param {string} prompt */
    pickPrompt(prompt) {
        this.chat.draft = prompt;
        this.focusComposer();
    }
}
