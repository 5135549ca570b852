// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useRef, useState, useEffect } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { AttachmentList } from "../attachment_list/attachment_list";
import { ChatCopyButton } from "../copy_button/copy_button";
import { ChatReasoning } from "../chat_reasoning/chat_reasoning";
import { ToolSteps } from "../tool_steps/tool_steps";
import { AnswerBody } from "../answer_body/answer_body";

/** One message: the user's text, or an answer with its reasoning, state and actions. */
export class ChatMessage extends Component {
    static template = "ai_stream_chat.ChatMessage";
    static components = { AttachmentList, ChatCopyButton, ChatReasoning, ToolSteps, AnswerBody };
    static props = {
        model: Object, // ChatModel
        message: Object, // see ChatMessage in chat_state.js
        isLastTurn: Boolean, // the last question or answer: they can be edited / regenerated
        busy: Boolean, // an answer is streaming in this conversation
    };

    setup() {
        this.state = useState({ editing: false, text: "" });
        this.editRef = useRef("edit");
        useEffect(
            (el) => {
                if (el) {
                    el.focus();
                    el.setSelectionRange(el.value.length, el.value.length);
                }
            },
            () => [this.editRef.el]
        );
    }

    get message() {
        return this.props.message;
    }

    get canAct() {
        return this.props.isLastTurn && !this.props.busy;
    }

    get showTyping() {
        const message = this.message;
        const waitsForUser = message.tools.some((step) => step.state === "needs_approval");
        return message.live && !message.blocks.length && !message.reasoning && !waitsForUser;
    }

    get hasError() {
        return ["error", "interrupted"].includes(this.message.state) || !!this.message.errorMessage;
    }

    get errorText() {
        return this.message.errorMessage || _t("The answer could not be completed.");
    }

    get stateBadge() {
        const message = this.message;
        switch (message.state) {
            case "stopped":
                return { label: _t("Stopped"), className: "text-bg-secondary" };
            case "interrupted":
                return { label: _t("Interrupted"), className: "text-bg-warning" };
            case "error":
                return { label: _t("Error"), className: "text-bg-danger" };
            case "streaming":
                // Saved while streaming and no stream of this tab is writing it any more.
                return message.live
                    ? null
                    : { label: _t("Incomplete"), className: "text-bg-warning" };
        }
        if (message.finishReason === "length") {
            return { label: _t("Length limit reached"), className: "text-bg-warning" };
        }
        return null;
    }

    get usageText() {
        const { promptTokens, completionTokens } = this.message;
        if (!promptTokens && !completionTokens) {
            return "";
        }
        return _t("%(prompt)s + %(completion)s tokens", {
            prompt: promptTokens,
            completion: completionTokens,
        });
    }

    startEdit() {
        Object.assign(this.state, { editing: true, text: this.message.content });
    }

    cancelEdit() {
        this.state.editing = false;
    }

    async submitEdit() {
        const text = this.state.text.trim();
        if (!text) {
            return;
        }
        this.state.editing = false;
        await this.props.model.retry({ text });
    }

    onEditKeydown(ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            this.submitEdit();
        } else if (ev.key === "Escape") {
            // Handled here: in the systray window Escape would otherwise close the window.
            ev.stopPropagation();
            this.cancelEdit();
        }
    }

    retry() {
        this.props.model.retry();
    }

    reload() {
        browser.location.reload();
    }
}
