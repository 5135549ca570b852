// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The data the chat components show, and what follows from it. No network here: ChatModel
 * changes it. Getters live on the class so that a component reading them through its own
 * `useState` proxy subscribes to exactly the data they use.
 */
import { _t } from "@web/core/l10n/translation";

let nextLocalId = 1;

/**
 * @typedef {Object} ChatMessage
 * @property {number} localId stable key for the UI, also before the server knows the message
 * @property {number|null} id server id (ai.chat.message), null until the `start` event
 * @property {"user"|"assistant"} role
 * @property {string} content markdown source (answers) or plain text (user messages)
 * @property {string[]} blocks sanitized server HTML of the answer, one entry per block
 * @property {string} reasoning plain text
 * @property {"streaming"|"done"|"stopped"|"error"|"interrupted"} state
 * @property {string} errorMessage for a person
 * @property {boolean} sessionExpired the error is a lost session: retrying cannot help
 * @property {number} promptTokens
 * @property {number} completionTokens
 * @property {string} llmModel
 * @property {string} finishReason
 * @property {boolean} live a stream of this browser tab is writing the message right now
 * @property {Object|null} request form fields that produced the answer, to send them again
 *      when the server saved nothing
 */

/**
 * @param {"user"|"assistant"} role
 * @param {Partial<ChatMessage>} [values]
 * @returns {ChatMessage}
 */
export function makeMessage(role, values = {}) {
    return {
        localId: nextLocalId++,
        id: null,
        role,
        content: "",
        blocks: [],
        reasoning: "",
        state: "done",
        errorMessage: "",
        sessionExpired: false,
        promptTokens: 0,
        completionTokens: 0,
        llmModel: "",
        finishReason: "",
        live: false,
        request: null,
        ...values,
    };
}

/**
 * @param {Object} payload an entry of `chat_messages`
 * @returns {ChatMessage}
 */
export function messageFromServer(payload) {
    return makeMessage(payload.role, {
        id: payload.id,
        content: payload.content,
        // The stored render is one string; the block component splits it where it matters.
        blocks: payload.role === "assistant" && payload.html ? [payload.html] : [],
        reasoning: payload.reasoning,
        state: payload.state,
        errorMessage: payload.error_message,
        promptTokens: payload.prompt_tokens,
        completionTokens: payload.completion_tokens,
        llmModel: payload.llm_model,
        finishReason: payload.finish_reason,
    });
}

export class ChatState {
    constructor() {
        /** @type {{models: string[], default_model: string, max_message_chars: number}} */
        this.config = { models: [], default_model: "", max_message_chars: 0 };
        this.ready = false;
        /** @type {{id: number, name: string, last_message_at: string, llm_model: string}[]} */
        this.conversations = [];
        this.conversationsLoaded = false;
        this.search = "";
        /** @type {number|null} null: a new chat, not saved yet */
        this.conversationId = null;
        /** @type {ChatMessage[]} */
        this.messages = [];
        this.loadingMessages = false;
        this.draft = "";
        this.selectedModel = "";
    }

    get currentConversation() {
        return this.conversations.find((c) => c.id === this.conversationId) || null;
    }

    get title() {
        return this.currentConversation?.name || _t("New chat");
    }

    get isStreaming() {
        return this.messages.some((m) => m.live);
    }

    get isEmpty() {
        return !this.messages.length && !this.loadingMessages;
    }

    get lastAssistant() {
        const last = this.messages.at(-1);
        return last?.role === "assistant" ? last : null;
    }

    /** The user message the last answer replies to (the one edit & resend changes). */
    get lastUser() {
        const before = this.messages.at(this.lastAssistant ? -2 : -1);
        return before?.role === "user" ? before : null;
    }

    get draftLength() {
        return this.draft.trim().length;
    }

    get isDraftTooLong() {
        const max = this.config.max_message_chars;
        return Boolean(max) && this.draftLength > max;
    }

    get canSend() {
        return this.draftLength > 0 && !this.isDraftTooLong && !this.isStreaming;
    }
}
