// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The data the chat components show, and what follows from it. No network here: ChatModel
 * changes it. Getters live on the class so that a component reading them through its own
 * `useState` proxy subscribes to exactly the data they use.
 */
import { _t } from "@web/core/l10n/translation";

let nextLocalId = 1;

// The server's settings (chat_config) are the only source of the limits: until they arrive,
// 0 means "not checked here"; the server checks every limit anyway.
export const DEFAULT_CONFIG = Object.freeze({
    models: [],
    default_model: "",
    max_message_chars: 0,
    max_file_bytes: 0,
    max_attachments: 0,
    document_chars: 0,
});

/**
 * @typedef {Object} ChatMessage
 * @property {number} localId stable key for the UI, also before the server knows the message
 * @property {number|null} id server id (ai.chat.message), null until the `start` event
 * @property {"user"|"assistant"} role
 * @property {string} content markdown source (answers) or plain text (user messages)
 * @property {string[]} blocks sanitized server HTML of the answer, one entry per block
 * @property {string} reasoning plain text
 * @property {{id: string, name: string, arguments: Object|string, state: string,
 *      summary: string}[]} tools the tool steps of an answer, in order
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
 * @property {ChatAttachment[]} attachments files and records sent with a user message
 */

/**
 * A file or record attached to a message ("chip"): in the composer while it uploads, then on
 * the sent message.
 *
 * @typedef {Object} ChatAttachment
 * @property {number} localId stable key for the UI
 * @property {number|null} id server id once uploaded (sent in `attachment_ids`)
 * @property {string} name
 * @property {number} size bytes
 * @property {string} mimetype
 * @property {string} kind what the server made of it ("record" for a record's summary)
 * @property {number} chars characters of its text the model receives
 * @property {number} totalChars characters of its whole text
 * @property {boolean} truncated the model receives only `chars` of `totalChars`
 * @property {"uploading"|"ready"|"error"} status "uploading" also while a record loads
 * @property {number} progress share of the file sent, 0 to 1, while uploading
 * @property {string} error for a person; an attachment in error is not sent
 * @property {{resModel: string, resId: number, withMessages: boolean,
 *      withAttachments: boolean}|null} record the record it was attached from, if any
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
        tools: [],
        state: "done",
        errorMessage: "",
        sessionExpired: false,
        promptTokens: 0,
        completionTokens: 0,
        llmModel: "",
        finishReason: "",
        live: false,
        reconnecting: false, // the connection dropped: resuming it from the server
        stopRequested: false,
        request: null,
        attachments: [],
        ...values,
    };
}

/**
 * @param {Partial<ChatAttachment>} [values]
 * @returns {ChatAttachment}
 */
export function makeAttachment(values = {}) {
    return {
        localId: nextLocalId++,
        id: null,
        name: "",
        size: 0,
        mimetype: "",
        kind: "file",
        chars: 0,
        totalChars: 0,
        truncated: false,
        status: "ready",
        progress: 0,
        error: "",
        record: null,
        ...values,
    };
}

/**
 * The fields of a chip as the server sends it (upload, `start.attachments`, `chat_messages`,
 * `chat_attach_record`).
 *
 * @param {Object} data
 * @returns {Partial<ChatAttachment>}
 */
export function attachmentValues(data) {
    return {
        id: data.id || null,
        name: data.name || "",
        size: data.size || 0,
        mimetype: data.mimetype || "",
        kind: data.kind || "file",
        chars: data.chars || 0,
        totalChars: data.total_chars || 0,
        truncated: Boolean(data.truncated),
        error: data.error || "",
        status: data.error ? "error" : "ready",
        progress: 0,
    };
}

/**
 * @param {Object} data a chip as the server sends it
 * @param {Partial<ChatAttachment>} [values]
 * @returns {ChatAttachment}
 */
export function attachmentFromServer(data, values = {}) {
    return makeAttachment({ ...attachmentValues(data), ...values });
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
        tools: payload.tools || [],
        state: payload.state,
        errorMessage: payload.error_message,
        promptTokens: payload.prompt_tokens,
        completionTokens: payload.completion_tokens,
        llmModel: payload.llm_model,
        finishReason: payload.finish_reason,
        attachments: (payload.attachments || []).map((data) => attachmentFromServer(data)),
    });
}

export class ChatState {
    constructor() {
        /**
         * @type {{models: string[], default_model: string, max_message_chars: number,
         *      max_file_bytes: number, max_attachments: number, document_chars: number}}
         */
        this.config = { ...DEFAULT_CONFIG };
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
        /** @type {ChatAttachment[]} attached to the draft */
        this.attachments = [];
        /** This month's spending against the budget (chat_usage), null until loaded. */
        this.usage = null;
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

    /** An answer streams and waits for the user to approve or reject a change it proposed. */
    get awaitsDecision() {
        return this.messages.some(
            (m) => m.live && m.tools.some((step) => step.state === "needs_approval")
        );
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

    get isUploading() {
        return this.attachments.some((a) => a.status === "uploading");
    }

    /** The draft's attachments that go out with it (uploaded, not in error). */
    get readyAttachments() {
        return this.attachments.filter((a) => a.status === "ready" && a.id);
    }

    get canSend() {
        const hasContent = this.draftLength > 0 || this.readyAttachments.length > 0;
        return hasContent && !this.isDraftTooLong && !this.isStreaming && !this.isUploading;
    }
}
