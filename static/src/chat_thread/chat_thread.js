// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onMounted, onWillUnmount, useEffect, useRef, useState } from "@odoo/owl";
import { ChatMessage } from "../chat_message/chat_message";

/** Under this many pixels from the bottom, the user counts as following the conversation. */
const BOTTOM_SLACK = 40;

/**
 * The messages of the open conversation. Follows the bottom while an answer grows, unless the
 * user scrolled up to read: then a "Jump to latest" button brings them back.
 */
export class ChatThread extends Component {
    static template = "ai_stream_chat.ChatThread";
    static components = { ChatMessage };
    static props = { model: Object };

    setup() {
        this.chat = useState(this.props.model.state);
        this.state = useState({ showJump: false });
        this.scrollerRef = useRef("scroller");
        this.contentRef = useRef("content");
        this.following = true;
        // Growth of the answer does not re-render this component: watch the sizes instead.
        this.resizeObserver = new ResizeObserver(() => this.follow());
        onMounted(() => {
            this.resizeObserver.observe(this.contentRef.el);
            this.resizeObserver.observe(this.scrollerRef.el);
        });
        onWillUnmount(() => this.resizeObserver.disconnect());
        // Opening a conversation or sending a message: go (back) to the bottom.
        useEffect(
            () => this.jumpToLatest(),
            () => [this.chat.messages, this.chat.messages.length]
        );
    }

    isLastTurn(message) {
        const { lastAssistant, lastUser } = this.chat;
        return message.localId === lastAssistant?.localId || message.localId === lastUser?.localId;
    }

    follow() {
        const el = this.scrollerRef.el;
        if (this.following && el) {
            el.scrollTop = el.scrollHeight;
        }
    }

    onScroll() {
        const el = this.scrollerRef.el;
        this.following = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK;
        this.state.showJump = !this.following;
    }

    jumpToLatest() {
        this.following = true;
        this.state.showJump = false;
        this.follow();
    }
}
