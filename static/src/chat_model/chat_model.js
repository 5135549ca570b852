// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The chat's behaviour, shared by the full-page action and the systray window: conversations,
 * messages, sending and streaming answers, stop, retry, edit and resend.
 *
 * The model itself is a plain object; its data is `model.state`, a reactive ChatState that
 * components read through `useState(model.state)`. Keeping the methods off the reactive
 * object matters: a method called through a component's proxy would subscribe that component
 * to everything the method reads, and the stream reads the growing answer on every frame.
 */
import { onWillDestroy, reactive, toRaw } from "@odoo/owl";
import { KeepLast } from "@web/core/utils/concurrency";
import { useService } from "@web/core/utils/hooks";
import { ChatState, makeMessage, messageFromServer } from "./chat_state";
import { FrameQueue } from "./frame_queue";
import { describeStreamError } from "./stream_errors";
import { applyStreamEvent } from "./stream_events";

const MODEL = "ai.chat.conversation";

export class ChatModel {
    /**
     * @param {{orm: Object, aiStream: {stream: Function}}} services
     */
    constructor({ orm, aiStream }) {
        this.orm = orm;
        this.aiStream = aiStream;
        this.state = reactive(new ChatState());
        this.listLoader = new KeepLast();
        this.events = new FrameQueue(({ thread, answer, name, data }) =>
            this._applyEvent(thread, answer, name, data)
        );
        /** @type {Map<number, AbortController>} by the answer's localId */
        this.controllers = new Map();
        /** @type {Map<number, Object[]>} conversation id -> its messages while streaming */
        this.liveThreads = new Map();
    }

    // -- loading ---------------------------------------------------------------------------

    async load() {
        const [config] = await Promise.all([
            this.orm.call(MODEL, "chat_config", []),
            this.loadConversations(),
        ]);
        Object.assign(this.state, {
            config,
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
        name = name.trim();
        const conversation = this.state.conversations.find((c) => c.id === conversationId);
        if (!name || !conversation || name === conversation.name) {
            return;
        }
        await this.orm.write(MODEL, [conversationId], { name });
        conversation.name = name;
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
        const message = state.draft.trim();
        state.draft = "";
        state.messages.push(
            makeMessage("user", { content: message }),
            makeMessage("assistant", { state: "streaming" })
        );
        await this._stream(state.lastAssistant, { message });
    }

    /** Stop the answer being written in the open conversation. */
    stop() {
        this._abortThread(this.state.messages);
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
            text = text.trim();
            if (!text) {
                return;
            }
            question.content = text;
        }
        const fields = { message: question.content };
        // Without an id the server saved nothing: repeat the request that failed as it was.
        const retryOf = answer.id || answer.request?.retry_of;
        if (retryOf) {
            fields.retry_of = retryOf;
        }
        await this._stream(answer, fields);
    }

    destroy() {
        this.events.cancel();
        for (const controller of this.controllers.values()) {
            controller.abort();
        }
    }

    // -- streaming -------------------------------------------------------------------------

    /**
     * @param {Object} answer the assistant message to (re)write
     * @param {{message: string, retry_of?: number}} fields
     */
    async _stream(answer, fields) {
        const state = this.state;
        const thread = state.messages;
        const conversationId = state.conversationId;
        fields = { ...fields };
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
            errorMessage: "",
            sessionExpired: false,
            promptTokens: 0,
            completionTokens: 0,
            finishReason: "",
            llmModel: fields.model || answer.llmModel,
            live: true,
            request: fields,
        });
        const controller = new AbortController();
        this.controllers.set(answer.localId, controller);
        try {
            await this.aiStream.stream(fields, {
                signal: controller.signal,
                onEvent: (name, data) => this.events.push({ thread, answer, name, data }),
            });
            this.events.flush();
        } catch (error) {
            this.events.flush();
            const outcome = describeStreamError(error);
            if (!outcome) {
                answer.state = "error";
                throw error;
            }
            // An `error` event may already have said more precisely what went wrong.
            Object.assign(answer, outcome, {
                errorMessage: answer.errorMessage || outcome.errorMessage,
            });
        } finally {
            answer.live = false;
            this.controllers.delete(answer.localId);
            for (const [id, messages] of this.liveThreads) {
                if (toRaw(messages) === toRaw(thread)) {
                    this.liveThreads.delete(id);
                }
            }
        }
    }

    _applyEvent(thread, answer, name, data) {
        applyStreamEvent(answer, name, data);
        if (name === "start") {
            const question = thread[thread.findIndex((m) => m.localId === answer.localId) - 1];
            if (question) {
                question.id = data.user_message_id;
            }
            this.liveThreads.set(data.conversation_id, thread);
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
 * A ChatModel living as long as the calling component; its streams are aborted with it.
 *
 * @returns {ChatModel}
 */
export function useChatModel() {
    const model = new ChatModel({
        orm: useService("orm"),
        aiStream: useService("ai_stream_chat.stream"),
    });
    onWillDestroy(() => model.destroy());
    return model;
}
