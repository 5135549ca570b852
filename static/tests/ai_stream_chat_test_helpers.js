// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * A fake server for the chat components: the `ai.chat.conversation` RPC methods, and
 * `POST /ai/stream_chat` answered with a stream the test writes event by event.
 */
import { expect } from "@odoo/hoot";
import { waitUntil } from "@odoo/hoot-dom";
import { onRpc } from "@web/../tests/web_test_helpers";

const encoder = new TextEncoder();

export const CONFIG = { models: ["model-a", "model-b"], default_model: "model-a", max_message_chars: 100 };

/** One answer of `POST /ai/stream_chat` the test writes step by step. */
export class FakeStream {
    /** @param {Object} fields the form fields the client sent, without csrf_token */
    constructor(fields) {
        this.fields = fields;
        this.nextId = 1;
        this.cancelled = false;
        this.body = new ReadableStream({
            start: (controller) => (this.controller = controller),
            cancel: () => (this.cancelled = true),
        });
    }

    /**
     * @param {string} event
     * @param {Object} data
     */
    send(event, data) {
        const frame = `id: ${this.nextId++}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
        this.controller.enqueue(encoder.encode(frame));
    }

    /** `start` as the server sends it first. */
    start({ conversationId = 1, messageId = 11, userMessageId = 10, model = "model-a" } = {}) {
        this.send("start", {
            conversation_id: conversationId,
            message_id: messageId,
            user_message_id: userMessageId,
            model,
        });
    }

    render(fromBlock, blocks) {
        this.send("render", { from_block: fromBlock, blocks });
    }

    /** `done` then the end of the body. */
    finish({ messageId = 11, state = "done", html } = {}) {
        this.send("done", { message_id: messageId, state, html });
        this.controller.close();
    }
}

/**
 * Install the fake server. Conversations and their messages are plain data the test gives;
 * `streams` collects one FakeStream per chat request, in order.
 *
 * With `steps`, each RPC but chat_config is an `expect.step` ("chat_list <search>", ...).
 *
 * @param {{conversations?: Object[], messages?: Record<number, Object[]>, config?: Object,
 *          steps?: boolean}} [data]
 */
export function mockChatServer({ conversations = [], messages = {}, config = CONFIG, steps = false } = {}) {
    const step = (text) => steps && expect.step(text);
    const server = {
        conversations,
        streams: [],
        /** Set to a Response to answer the next chat request with it instead of a stream. */
        nextResponse: null,
        /** The n-th chat request (0-based), once the client has sent it. */
        async stream(index) {
            await waitUntil(() => server.streams[index], { timeout: 1000 });
            return server.streams[index];
        },
    };
    onRpc("ai.chat.conversation", "chat_config", () => config);
    onRpc("ai.chat.conversation", "chat_list", ({ kwargs }) => {
        step(`chat_list ${kwargs.search || ""}`.trim());
        const search = (kwargs.search || "").toLowerCase();
        return server.conversations.filter((c) => c.name.toLowerCase().includes(search));
    });
    onRpc("ai.chat.conversation", "chat_messages", ({ args }) => {
        step(`chat_messages ${args[0]}`);
        return messages[args[0]] || [];
    });
    onRpc("ai.chat.conversation", "write", ({ args }) => {
        step(`write ${args[0]} ${JSON.stringify(args[1])}`);
        return true;
    });
    onRpc("ai.chat.conversation", "unlink", ({ args }) => {
        step(`unlink ${args[0]}`);
        return true;
    });
    onRpc(
        "/ai/stream_chat",
        async (request) => {
            const fields = Object.fromEntries((await request.formData()).entries());
            delete fields.csrf_token;
            if (server.nextResponse) {
                const response = server.nextResponse;
                server.nextResponse = null;
                server.streams.push({ fields });
                return response;
            }
            const stream = new FakeStream(fields);
            server.streams.push(stream);
            return new Response(stream.body, {
                status: 200,
                headers: { "Content-Type": "text/event-stream; charset=utf-8" },
            });
        },
        { pure: true }
    );
    return server;
}

/**
 * A stored message as `chat_messages` returns it.
 *
 * @param {Object} values
 */
export function storedMessage(values) {
    return {
        content: "",
        html: "",
        reasoning: "",
        state: "done",
        error_message: "",
        prompt_tokens: 0,
        completion_tokens: 0,
        llm_model: "",
        finish_reason: "",
        ...values,
    };
}
