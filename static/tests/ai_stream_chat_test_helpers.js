// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * A fake server for the chat components: the `ai.chat.conversation` RPC methods,
 * `POST /ai/stream_chat` and `GET /ai/stream_chat/resume` answered with streams the test
 * writes event by event, `POST /ai/stream_chat/stop` recorded, and
 * `POST /ai/stream_chat/upload` answered when the test says so, `POST /ai/stream_chat/decide`
 * recorded and answered by `server.decideAnswer`.
 */
import { expect } from "@odoo/hoot";
import { waitUntil } from "@odoo/hoot-dom";
import { Deferred } from "@odoo/hoot-mock";
import { onRpc, patchWithCleanup } from "@web/../tests/web_test_helpers";
import { browser } from "@web/core/browser/browser";

const encoder = new TextEncoder();

// As chat_config answers (models/ai_chat_conversation.py), with a short message limit.
export const CONFIG = {
    models: ["model-a", "model-b"],
    default_model: "model-a",
    max_message_chars: 100,
    max_file_bytes: 10 * 1024 * 1024,
    max_attachments: 10,
    document_chars: 60000,
};

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
    start({
        conversationId = 1,
        messageId = 11,
        userMessageId = 10,
        model = "model-a",
        attachments,
    } = {}) {
        this.send("start", {
            conversation_id: conversationId,
            message_id: messageId,
            user_message_id: userMessageId,
            model,
            ...(attachments ? { attachments } : {}),
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

    /** The connection drops: the body ends without `done`. */
    drop() {
        this.controller.close();
    }
}

/**
 * A chip as the server describes an attachment.
 *
 * @param {Object} values
 */
export function chip(values) {
    return {
        id: 1,
        name: "file.txt",
        size: 100,
        mimetype: "text/plain",
        kind: "text",
        chars: 100,
        total_chars: 100,
        truncated: false,
        error: "",
        ...values,
    };
}

/**
 * @param {string} text
 * @param {string} [name]
 * @param {string} [type]
 */
export function makeFile(text, name = "notes.txt", type = "text/plain") {
    return new File([text], name, { type });
}

/** One request of `POST /ai/stream_chat/upload`, answered when the test calls `answer`. */
export class FakeUpload {
    constructor(fields, file, xhr) {
        /** form fields but csrf_token and file */
        this.fields = fields;
        /** @type {File} */
        this.file = file;
        /** the (mock) XMLHttpRequest that sent it: `progress` dispatches on its `upload` */
        this.xhr = xhr;
        this.response = new Deferred();
    }

    /** @param {Object} values of the chip answered (see `chip`) */
    succeed(values) {
        this.response.resolve(
            new Response(JSON.stringify(chip(values)), {
                status: 200,
                headers: { "Content-Type": "application/json" },
            })
        );
    }

    /**
     * @param {number} status
     * @param {string} reason
     * @param {string} [contentType]
     */
    refuse(status, reason, contentType = "text/plain; charset=utf-8") {
        this.response.resolve(
            new Response(reason, { status, headers: { "Content-Type": contentType } })
        );
    }

    /**
     * @param {number} loaded
     * @param {number} total
     */
    progress(loaded, total) {
        this.xhr.upload.dispatchEvent(
            new ProgressEvent("progress", { lengthComputable: true, loaded, total })
        );
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
export function mockChatServer({
    conversations = [],
    messages = {},
    config = CONFIG,
    steps = false,
} = {}) {
    const step = (text) => steps && expect.step(text);
    const xhrs = [];
    patchWithCleanup(browser, {
        XMLHttpRequest: class extends browser.XMLHttpRequest {
            constructor() {
                super(...arguments);
                this.aborted = false;
                xhrs.push(this);
            }

            send(body) {
                this.fileName = body?.get?.("file")?.name;
                return super.send(...arguments);
            }

            abort() {
                this.aborted = true;
                super.abort();
            }
        },
    });
    const server = {
        conversations,
        streams: [],
        /** @type {FakeUpload[]} one per upload request, in order */
        uploads: [],
        /** Answers `chat_attach_record` ({args, kwargs}): a list of chips, or throws. */
        attachRecord: ({ args }) => [
            chip({ id: 90, name: `Record ${args[1]}`, kind: "record", size: 0 }),
        ],
        /** The upload request of the file named `name`, once the client has sent it. */
        async upload(name) {
            const find = () => server.uploads.find((u) => u.file.name === name);
            await waitUntil(find, { timeout: 1000 });
            return find();
        },
        /** One FakeStream per resume request, its `fields` the query parameters. */
        resumes: [],
        /** The message ids of the stop requests, in order. */
        stops: [],
        /** The n-th resume request (0-based), once the client has sent it. */
        async resume(index) {
            await waitUntil(() => server.resumes[index], { timeout: 1000 });
            return server.resumes[index];
        },
        /** What chat_usage answers: this month's spending against the budget. */
        usage: {
            tokens: 0,
            cost: "",
            limit_tokens: 0,
            limit_amount: "",
            share: null,
            renews_on: "01/01/2027",
        },
        /** The decisions sent, as "<proposal id> <decision>", in order. */
        decisions: [],
        /** Answers a decision ({proposal_id, decision}): the proposal's JSON, or a Response. */
        decideAnswer: ({ proposal_id, decision }) => ({
            id: Number(proposal_id),
            state: decision === "approve" ? "done" : "rejected",
            outcome: decision === "approve" ? "Done." : "You rejected this change.",
        }),
        /** Set to a Response to answer the next chat request with it instead of a stream. */
        nextResponse: null,
        /** The n-th chat request (0-based), once the client has sent it. */
        async stream(index) {
            await waitUntil(() => server.streams[index], { timeout: 1000 });
            return server.streams[index];
        },
    };
    onRpc("ai.chat.conversation", "chat_config", () => config);
    onRpc("ai.chat.conversation", "chat_usage", () => server.usage);
    onRpc("ai.chat.conversation", "chat_list", ({ kwargs }) => {
        step(`chat_list ${kwargs.search || ""}`.trim());
        const search = (kwargs.search || "").toLowerCase();
        return server.conversations.filter((c) => c.name.toLowerCase().includes(search));
    });
    onRpc("ai.chat.conversation", "chat_messages", ({ args }) => {
        step(`chat_messages ${args[0]}`);
        return messages[args[0]] || [];
    });
    onRpc("ai.chat.conversation", "chat_attach_record", (params) => {
        const { context: _context, ...options } = params.kwargs;
        step(`chat_attach_record ${params.args.join(" ")} ${JSON.stringify(options)}`);
        return server.attachRecord(params);
    });
    onRpc(
        "/ai/stream_chat/upload",
        async (request) => {
            const formData = await request.formData();
            const file = formData.get("file");
            formData.delete("file");
            formData.delete("csrf_token");
            const xhr = xhrs.find((x) => x.fileName === file.name && !x.claimed);
            xhr.claimed = true;
            const upload = new FakeUpload(Object.fromEntries(formData.entries()), file, xhr);
            server.uploads.push(upload);
            return upload.response;
        },
        { pure: true }
    );
    onRpc("ai.chat.conversation", "chat_discard_attachments", ({ args }) => {
        step(`chat_discard_attachments ${args[0].join(",")}`);
        return args[0].length;
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
        "/ai/stream_chat/resume",
        (request) => {
            const fields = Object.fromEntries(new URL(request.url).searchParams.entries());
            const stream = new FakeStream(fields);
            server.resumes.push(stream);
            return new Response(stream.body, {
                status: 200,
                headers: { "Content-Type": "text/event-stream; charset=utf-8" },
            });
        },
        { pure: true }
    );
    onRpc(
        "/ai/stream_chat/stop",
        async (request) => {
            const messageId = Number((await request.formData()).get("message_id"));
            step(`stop ${messageId}`);
            server.stops.push(messageId);
            return new Response(JSON.stringify({ message_id: messageId, stopping: true }), {
                status: 200,
                headers: { "Content-Type": "application/json" },
            });
        },
        { pure: true }
    );
    onRpc(
        "/ai/stream_chat/decide",
        async (request) => {
            const fields = Object.fromEntries((await request.formData()).entries());
            server.decisions.push(`${fields.proposal_id} ${fields.decision}`);
            const answer = await server.decideAnswer(fields);
            if (answer instanceof Response) {
                return answer;
            }
            return new Response(JSON.stringify(answer), {
                status: 200,
                headers: { "Content-Type": "application/json" },
            });
        },
        { pure: true }
    );
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
