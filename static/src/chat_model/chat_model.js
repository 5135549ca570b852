// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The chat's behaviour, shared by the full-page action and the systray window: conversations,
 * messages, sending, following answers (resumed whenever the connection drops), stop, retry,
 * edit and resend.
 *
 * The model itself is a plain object; its data is `model.state`, a reactive ChatState that
 * components read through `useState(model.state)`. Keeping the methods off the reactive
 * object matters: a method called through a component's proxy would subscribe that component
 * to everything the method reads, and the stream reads the growing answer on every frame.
 */
import { reactive, toRaw } from "@odoo/owl";
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { StreamInterruptedError } from "@ai_stream_chat/services/ai_stream_service";
import {
    ChatState,
    DEFAULT_CONFIG,
    attachmentFromServer,
    makeMessage,
    messageFromServer,
} from "./chat_state";
import { DraftAttachments } from "./draft_attachments";
import { FrameQueue } from "./frame_queue";
import { describeStreamError } from "./stream_errors";
import { applyStreamEvent } from "./stream_events";

const MODEL = "ai.chat.conversation";
/** Milliseconds before each new attempt to resume an answer whose connection dropped. */
export const RECONNECT_DELAYS = [500, 1000, 2000, 4000, 8000, 15000];

export class ChatModel {
    /**
     * @param {{orm: Object, aiStream: {stream: Function}, aiUpload: {upload: Function}}} services
     */
    constructor({ orm, aiStream, aiUpload }) {
        this.orm = orm;
        this.aiStream = aiStream;
        this.aiUpload = aiUpload;
        this.state = reactive(new ChatState());
        this.listLoader = new KeepLast();
        this.usageLoader = new KeepLast();
        this.events = new FrameQueue(({ thread, answer, name, data }) =>
            this._applyEvent(thread, answer, name, data)
        );
        /** @type {Map<number, AbortController>} by the answer's localId */
        this.controllers = new Map();
        /** @type {Map<number, Object[]>} conversation id -> its messages while streaming */
        this.liveThreads = new Map();
        this.draft = new DraftAttachments({ state: this.state, orm, aiUpload });
    }

    // -- loading ---------------------------------------------------------------------------

    async load() {
        const [config] = await Promise.all([
            this.orm.call(MODEL, "chat_config", []),
            this.loadConversations(),
            this.loadUsage(),
        ]);
        Object.assign(this.state, {
            config: { ...DEFAULT_CONFIG, ...config },
            selectedModel: this.state.selectedModel || config.default_model,
            ready: true,
        });
    }

    /** The user's conversations matching `state.search`, newest first. */
    async loadConversations() {
        const conversations = await this.listLoader.add(
            this.orm.call(MODEL, "chat_list", [], { search: this.state.search })
        );
        Object.assign(this.state, { conversations, conversationsLoaded: true });
    }

    /** This month's spending of the user against their budget, for the meter. */
    async loadUsage() {
        this.state.usage = await this.usageLoader.add(this.orm.call(MODEL, "chat_usage", []));
    }

    /**
     * @param {number} conversationId
     */
    async openConversation(conversationId) {
        const state = this.state;
        if (conversationId === state.conversationId && !state.isEmpty) {
            return;
        }
        state.conversationId = conversationId;
        // An answer still streaming in this tab: show the very messages it is writing.
        const live = this.liveThreads.get(conversationId);
        if (live) {
            Object.assign(state, { messages: live, loadingMessages: false });
            return;
        }
        Object.assign(state, { messages: [], loadingMessages: true });
        const payloads = await this.orm.call(MODEL, "chat_messages", [conversationId]);
        if (state.conversationId === conversationId && !this.liveThreads.has(conversationId)) {
            Object.assign(state, {
                messages: payloads.map(messageFromServer),
                loadingMessages: false,
            });
            // Still being written (by another tab, before a reload): follow it live.
            const answer = state.messages.at(-1);
            if (answer?.role === "assistant" && answer.state === "streaming" && answer.id) {
                this._follow(state.messages, answer, conversationId);
            }
        }
    }

    newChat() {
        Object.assign(this.state, { conversationId: null, messages: [], loadingMessages: false });
    }

    // -- conversations ---------------------------------------------------------------------

    /**
     * @param {number} conversationId
     * @param {string} name
     */
    async rename(conversationId, name) {
        const newName = name.trim();
        const conversation = this.state.conversations.find((c) => c.id === conversationId);
        if (!newName || !conversation || newName === conversation.name) {
            return;
        }
        await this.orm.write(MODEL, [conversationId], { name: newName });
        conversation.name = newName;
    }

    /**
     * @param {number} conversationId
     */
    async remove(conversationId) {
        const live = this.liveThreads.get(conversationId);
        if (live) {
            this._abortThread(live);
        }
        await this.orm.unlink(MODEL, [conversationId]);
        if (this.state.conversationId === conversationId) {
            this.newChat();
        }
        this.state.conversations = this.state.conversations.filter((c) => c.id !== conversationId);
    }

    // -- sending ---------------------------------------------------------------------------

    /**
     * Send the draft (or `text`) and stream the answer.
     *
     * @param {string} [text]
     */
    async send(text) {
        const state = this.state;
        if (text !== undefined) {
            state.draft = text;
        }
        if (!state.canSend) {
            return;
        }
        const attachments = state.readyAttachments.map((a) => ({ ...a }));
        // Files alone: the question is asked in words the user sees in the thread.
        const message =
            state.draft.trim() ||
            (attachments.length > 1
                ? _t("Summarize these documents.")
                : _t("Summarize this document."));
        state.draft = "";
        // Those in error go too: they were never going to be sent.
        state.attachments = [];
        state.messages.push(
            makeMessage("user", { content: message, attachments }),
            makeMessage("assistant", { state: "streaming" })
        );
        const fields = { message };
        if (attachments.length) {
            fields.attachment_ids = attachments.map((a) => a.id).join(",");
        }
        await this._stream(state.lastAssistant, fields);
    }

    /**
     * Stop the answer being written in the open conversation, on the server: every tab that
     * shows it sees it end as `stopped`. Before `start` has given the answer its id, the stop
     * waits for it.
     */
    stop() {
        for (const message of this.state.messages) {
            if (message.role === "assistant" && message.state === "streaming") {
                message.stopRequested = true;
                if (message.id) {
                    this._requestStop(message);
                }
            }
        }
    }

    /** @param {Object} answer */
    _requestStop(answer) {
        this.aiStream.stop(answer.id).catch((error) => {
            // Still running: Stop can be pressed again.
            answer.stopRequested = false;
            if (!describeStreamError(error)) {
                throw error;
            }
        });
    }

    /**
     * Approve or reject a change an answer proposed. The answer, waiting on the server, then
     * goes on; its stream brings the outcome, which the card shows at once from the reply.
     *
     * @param {Object} proposal a step's `proposal` (wire contract)
     * @param {"approve" | "reject"} decision
     */
    async decide(proposal, decision) {
        proposal.decisionError = "";
        try {
            const card = await this.aiStream.decide(proposal.id, decision);
            Object.assign(proposal, { state: card.state, outcome: card.outcome });
        } catch (error) {
            const described = describeStreamError(error);
            if (!described) {
                throw error;
            }
            proposal.decisionError = described.errorMessage;
        }
    }

    /**
     * Answer the last user message again: after an error (Retry), to get another answer
     * (Regenerate), or with a new text (edit & resend). The server replaces its last answer.
     *
     * @param {{text?: string}} [options]
     */
    async retry({ text } = {}) {
        const state = this.state;
        const answer = state.lastAssistant;
        const question = state.lastUser;
        if (!answer || !question || state.isStreaming) {
            return;
        }
        if (text !== undefined) {
            const edited = text.trim();
            if (!edited) {
                return;
            }
            question.content = edited;
        }
        const fields = { message: question.content };
        // Without an id the server saved nothing: repeat the request that failed as it was.
        // With one, the server keeps the question's attachments: no attachment_ids.
        const retryOf = answer.id || answer.request?.retry_of;
        if (retryOf) {
            fields.retry_of = retryOf;
        } else if (answer.request?.attachment_ids) {
            fields.attachment_ids = answer.request.attachment_ids;
        }
        await this._stream(answer, fields);
    }

    // -- attachments (draft_attachments.js) -------------------------------------------------

    /** @param {Iterable<File>} files */
    addFiles(files) {
        this.draft.addFiles(files);
    }

    /** @param {number} localId */
    removeAttachment(localId) {
        this.draft.removeAttachment(localId);
    }

    /**
     * @param {string} resModel
     * @param {number} resId
     * @param {{withMessages?: boolean, withAttachments?: boolean}} [options]
     */
    attachRecord(resModel, resId, options) {
        return this.draft.attachRecord(resModel, resId, options);
    }

    // -- streaming -------------------------------------------------------------------------

    /**
     * @param {Object} answer the assistant message to (re)write
     * @param {{message: string, retry_of?: number}} fields
     */
    async _stream(answer, questionFields) {
        const state = this.state;
        const thread = state.messages;
        const conversationId = state.conversationId;
        const fields = { ...questionFields };
        if (conversationId) {
            fields.conversation_id = conversationId;
            this.liveThreads.set(conversationId, thread);
        }
        if (state.selectedModel) {
            fields.model = state.selectedModel;
        }
        Object.assign(answer, {
            state: "streaming",
            content: "",
            blocks: [],
            reasoning: "",
            tools: [],
            errorMessage: "",
            sessionExpired: false,
            promptTokens: 0,
            completionTokens: 0,
            finishReason: "",
            llmModel: fields.model || answer.llmModel,
            live: true,
            stopRequested: false,
            request: fields,
        });
        try {
            await this._watch(thread, answer, (options) => this.aiStream.stream(fields, options));
        } finally {
            this._release(thread);
        }
    }

    /**
     * Follow an answer already under way on the server (its `sync`, then its events).
     *
     * @param {Object[]} thread
     * @param {Object} answer
     * @param {number} conversationId
     */
    async _follow(thread, answer, conversationId) {
        this.liveThreads.set(conversationId, thread);
        answer.live = true;
        try {
            await this._watch(thread, answer, (options) =>
                this.aiStream.resume(answer.id, options)
            );
        } finally {
            this._release(thread);
        }
    }

    /**
     * Read an answer's events from `open(options)`; when the connection drops, resume it from
     * the server with growing delays, showing "reconnecting", until its `done`.
     *
     * @param {Object[]} thread
     * @param {Object} answer
     * @param {(options: Object) => Promise} open the first request (send, or resume)
     */
    async _watch(thread, answer, open) {
        let connect = open;
        const controller = new AbortController();
        this.controllers.set(answer.localId, controller);
        const link = { attempt: 0, received: false, lastEventId: null };
        const onEvent = (name, data, id) => {
            link.received = true;
            answer.reconnecting = false; // back in touch
            link.lastEventId = id;
            this.events.push({ thread, answer, name, data });
        };
        try {
            while (await this._readConnection(connect, answer, controller, link, onEvent)) {
                connect = (options) => this.aiStream.resume(answer.id, options);
            }
        } finally {
            answer.reconnecting = false;
            answer.live = false;
            this.controllers.delete(answer.localId);
            // What it cost, or the budget that refused it, shows in the meter.
            this.loadUsage().catch(() => {});
        }
    }

    /**
     * Read one connection's events. True when it dropped mid-answer and the delay before the
     * next attempt has passed: the caller resumes.
     *
     * @param {(options: Object) => Promise} connect
     * @param {Object} answer
     * @param {AbortController} controller stops the answer's reading (Stop, a new question)
     * @param {{attempt: number, received: boolean, lastEventId: ?string}} link
     * @param {(name: string, data: Object, id: ?string) => void} onEvent
     */
    async _readConnection(connect, answer, controller, link, onEvent) {
        try {
            await connect({ signal: controller.signal, onEvent, lastEventId: link.lastEventId });
            this.events.flush();
            return false;
        } catch (error) {
            this.events.flush();
            const dropped = error instanceof StreamInterruptedError && answer.id;
            if (!dropped || controller.signal.aborted) {
                this._failed(answer, error);
                return false;
            }
        }
        link.attempt = link.received ? 0 : link.attempt + 1;
        link.received = false;
        answer.reconnecting = true;
        const delay = RECONNECT_DELAYS[Math.min(link.attempt, RECONNECT_DELAYS.length - 1)];
        return this._wait(delay, controller.signal);
    }

    /**
     * @param {number} delay milliseconds
     * @param {AbortSignal} signal
     * @returns {Promise<boolean>} false when aborted meanwhile
     */
    _wait(delay, signal) {
        return new Promise((resolve) => {
            const onAbort = () => {
                browser.clearTimeout(timeout);
                resolve(false);
            };
            const timeout = browser.setTimeout(() => {
                signal.removeEventListener("abort", onAbort);
                resolve(true);
            }, delay);
            signal.addEventListener("abort", onAbort, { once: true });
        });
    }

    /** An answer this tab stopped following for good: how it ended, in words. */
    _failed(answer, error) {
        const outcome = describeStreamError(error);
        if (!outcome) {
            answer.state = "error";
            throw error;
        }
        if (outcome.state === "aborted") {
            return; // this tab stopped watching; the answer goes on on the server
        }
        // An `error` event may already have said more precisely what went wrong.
        Object.assign(answer, outcome, {
            errorMessage: answer.errorMessage || outcome.errorMessage,
        });
    }

    /** @param {Object[]} thread no longer written to by a stream of this tab */
    _release(thread) {
        for (const [id, messages] of this.liveThreads) {
            if (toRaw(messages) === toRaw(thread)) {
                this.liveThreads.delete(id);
            }
        }
    }

    _applyEvent(thread, answer, name, data) {
        applyStreamEvent(answer, name, data);
        if (name === "start") {
            const question = thread[thread.findIndex((m) => m.localId === answer.localId) - 1];
            if (question) {
                question.id = data.user_message_id;
                // What the model received: the text of a document may have been cut.
                if (Array.isArray(data.attachments)) {
                    question.attachments = data.attachments.map((a) => attachmentFromServer(a));
                }
            }
            this.liveThreads.set(data.conversation_id, thread);
            if (answer.stopRequested) {
                this._requestStop(answer); // Stop was pressed before the answer had an id
            }
            // A new conversation got its id (and a title): unless the user went elsewhere.
            if (toRaw(this.state.messages) === toRaw(thread)) {
                this.state.conversationId = data.conversation_id;
            }
            this.loadConversations();
        }
    }

    _abortThread(thread) {
        for (const message of thread) {
            this.controllers.get(message.localId)?.abort();
        }
    }
}

/**
 * The chat of this web client, one for the systray window and the full page: switching from
 * one to the other mid-answer stays live. Leaving a page never stops an answer (the server
 * owns it); only Stop does.
 */
export const chatService = {
    dependencies: ["orm", "ai_stream_chat.stream", "ai_stream_chat.upload"],
    start(env, { orm, "ai_stream_chat.stream": aiStream, "ai_stream_chat.upload": aiUpload }) {
        return new ChatModel({ orm, aiStream, aiUpload });
    },
};

registry.category("services").add("ai_stream_chat.chat", chatService);

/** @returns {ChatModel} the web client's chat (see chatService) */
export function useChatModel() {
    return useService("ai_stream_chat.chat");
}
