// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { useService } from "@web/core/utils/hooks";
import { ChatPanel } from "../chat_panel/chat_panel";

/** How many recent conversations the window's switcher lists. */
const SWITCHER_SIZE = 12;

/**
 * The compact chat of the systray: fixed at the bottom right (full screen on a phone),
 * a conversation switcher, new chat, open in full page, close (also with Escape).
 */
export class ChatWindow extends Component {
    static template = "ai_stream_chat.ChatWindow";
    static components = { ChatPanel, Dropdown, DropdownItem };
    static props = {
        model: Object, // ChatModel
        close: Function,
    };

    setup() {
        this.action = useService("action");
        this.ui = useState(useService("ui"));
        this.chat = useState(this.props.model.state);
    }

    get recentConversations() {
        return this.chat.conversations.slice(0, SWITCHER_SIZE);
    }

    onKeydown(ev) {
        if (ev.key === "Escape") {
            ev.stopPropagation();
            this.props.close();
        }
    }

    openConversation(conversationId) {
        this.props.model.openConversation(conversationId);
    }

    newChat() {
        this.props.model.newChat();
    }

    async openFullPage() {
        const conversationId = this.chat.conversationId;
        this.props.close();
        // Like the AI Chat menu: a new screen, not a breadcrumb after the current record.
        await this.action.doAction("ai_stream_chat.ai_stream_chat_action", {
            additionalContext: conversationId ? { active_id: conversationId } : {},
            clearBreadcrumbs: true,
        });
    }
}
