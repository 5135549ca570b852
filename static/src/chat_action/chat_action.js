// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillStart, useEffect, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";
import { useChatModel } from "../chat_model/chat_model";
import { ChatPanel } from "../chat_panel/chat_panel";
import { ConversationList } from "../conversation_list/conversation_list";

/**
 * The full-page chat (menu AI Chat, /odoo/ai-chat): conversations on the left, the open one
 * on the right. On a phone the list is a panel toggled from the header.
 * `context.active_id` opens that conversation (from the URL, or the systray window's
 * "open in full page").
 */
export class ChatAction extends Component {
    static template = "ai_stream_chat.ChatAction";
    static components = { ChatPanel, ConversationList };
    static props = { ...standardActionServiceProps };

    setup() {
        this.ui = useState(useService("ui"));
        this.model = useChatModel();
        this.chat = useState(this.model.state);
        this.state = useState({ showList: false });
        // The open conversation is in the URL (/odoo/<id>/ai-chat): a reload comes back to it.
        useEffect(
            (conversationId) =>
                this.props.updateActionState?.({ active_id: conversationId || false }),
            () => [this.chat.conversationId]
        );
        onWillStart(async () => {
            const conversationId = this.props.action.context?.active_id;
            if (conversationId) {
                // Not awaited: the page shows while the messages load.
                this.model.openConversation(conversationId);
            }
            await this.model.load();
        });
    }

    toggleList() {
        this.state.showList = !this.state.showList;
    }

    onSidebarKeydown(ev) {
        if (ev.key === "Escape" && this.ui.isSmall) {
            this.state.showList = false;
        }
    }

    openConversation(conversationId) {
        this.state.showList = false;
        this.model.openConversation(conversationId);
    }

    newChat() {
        this.state.showList = false;
        this.model.newChat();
    }
}

registry.category("actions").add("ai_stream_chat.chat_action", ChatAction);
