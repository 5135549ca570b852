// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillDestroy, useRef, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useBus, useService } from "@web/core/utils/hooks";
import { ASK_RECORD_EVENT } from "../ask_ai_menu/ask_ai_menu";
import { useChatModel } from "../chat_model/chat_model";
import { ChatWindow } from "../chat_window/chat_window";

/**
 * The AI chat icon of the navbar. It opens a compact chat window over any screen; the chat
 * (and an answer still streaming) survives closing and reopening the window.
 * "Ask AI" on a record (ask_ai_menu) opens it with that record attached to the draft.
 */
export class ChatSystray extends Component {
    static template = "ai_stream_chat.ChatSystray";
    static props = {};

    setup() {
        this.overlay = useService("overlay");
        this.model = useChatModel();
        this.buttonRef = useRef("button");
        this.state = useState({ open: false });
        this.loading = null;
        this.removeWindow = null;
        onWillDestroy(() => this.removeWindow?.());
        useBus(this.env.bus, ASK_RECORD_EVENT, ({ detail }) => this.askRecord(detail));
    }

    /**
     * @param {{resModel: string, resId: number}} record
     */
    async askRecord({ resModel, resId }) {
        if (!this.state.open) {
            this.open();
        }
        await this.loading; // the per-message limits come with the configuration
        await this.model.attachRecord(resModel, resId);
    }

    toggle() {
        if (this.state.open) {
            this.close();
        } else {
            this.open();
        }
    }

    open() {
        // Loaded on first use only: every page of the web client shows this icon.
        this.loading ||= this.model.load().catch((error) => {
            this.loading = null;
            throw error;
        });
        this.removeWindow = this.overlay.add(ChatWindow, {
            model: this.model,
            close: () => this.close(),
        });
        this.state.open = true;
    }

    close() {
        this.removeWindow?.();
        this.removeWindow = null;
        this.state.open = false;
        this.buttonRef.el?.focus();
    }
}

registry
    .category("systray")
    .add("ai_stream_chat.systray", { Component: ChatSystray }, { sequence: 30 });
