import { describe, expect, test } from "@odoo/hoot";
import { Deferred, mockFetch } from "@odoo/hoot-mock";
import { getService, makeMockEnv, patchWithCleanup } from "@web/../tests/web_test_helpers";

import {
    MAX_REASON_LENGTH,
    SessionExpiredError,
    StreamHttpError,
    StreamInterruptedError,
} from "@ai_stream_chat/services/ai_stream_service";

describe.current.tags("headless");

const encoder = new TextEncoder();

/** One event as the server frames it. */
function sse(id, event, data) {
    return `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

const START = { conversation_id: 3, message_id: 8, user_message_id: 7, model: "m" };
const DONE = { message_id: 8, state: "done", html: "<p>Héllo 🌍</p>" };
const FULL_STREAM =
    sse(1, "start", START) +
    ": ping\n\n" +
    sse(2, "delta", { content: "Héllo" }) +
    sse(3, "reasoning", { content: "thinking" }) +
    sse(4, "delta", { content: " 🌍" }) +
    sse(5, "render", { from_block: 0, blocks: ["<p>Héllo 🌍</p>"] }) +
    sse(6, "usage", { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 }) +
    sse(7, "done", DONE);
const FULL_STEPS = [
    "1 start",
    "2 delta Héllo",
    "3 reasoning",
    "4 delta  🌍",
    "5 render",
    "6 usage",
    "7 done",
];

/**
 * A body the test feeds by hand; cancelling it is recorded as the step "cancel".
 */
function controlledBody() {
    let controller;
    const stream = new ReadableStream({
        start(c) {
            controller = c;
        },
        cancel() {
            expect.step("cancel");
        },
    });
    return {
        stream,
        send: (text) => controller.enqueue(encoder.encode(text)),
        close: () => controller.close(),
        fail: (error) => controller.error(error),
    };
}

/** A body made of the given byte chunks, then closed. */
function bodyOf(chunks) {
    return new ReadableStream({
        start(controller) {
            for (const chunk of chunks) {
                controller.enqueue(chunk);
            }
            controller.close();
        },
    });
}

function eventStream(body) {
    return new Response(body, {
        status: 200,
        headers: { "Content-Type": "text/event-stream; charset=utf-8" },
    });
}

function stepEvent(name, data, id) {
    expect.step(name === "delta" ? `${id} ${name} ${data.content}` : `${id} ${name}`);
}

/** Settles without ever rejecting, so no rejection is left unhandled while a test waits. */
function settle(promise) {
    return promise.then(
        (value) => ({ value }),
        (error) => ({ error })
    );
}

async function startStream(fetchFn, fields = { message: "Hi" }, options = {}) {
    await makeMockEnv();
    mockFetch(fetchFn);
    return settle(
        getService("ai_stream_chat.stream").stream(fields, { onEvent: stepEvent, ...options })
    );
}

test("sends the fields and the CSRF token as a form POST", async () => {
    patchWithCleanup(odoo, { csrf_token: "the-token" });
    const outcome = await startStream(
        (input, init) => {
            expect.step(`fetch ${input}`);
            expect(init.method).toBe("POST");
            expect(init.redirect).toBe("manual");
            expect(init.credentials).toBe("same-origin");
            expect(init.headers).toEqual({ Accept: "text/event-stream" });
            expect(init.body).toBeInstanceOf(FormData);
            expect(Object.fromEntries(init.body.entries())).toEqual({
                message: "Hello there",
                conversation_id: "12",
                model: "gpt-x",
                csrf_token: "the-token",
            });
            return eventStream(bodyOf([encoder.encode(sse(1, "done", DONE))]));
        },
        {
            message: "Hello there",
            conversation_id: 12,
            model: "gpt-x",
            retry_of: null,
            other: undefined,
        }
    );
    expect(outcome).toEqual({ value: { lastEventId: "1", done: DONE } });
    expect.verifySteps(["fetch /ai/stream_chat", "1 done"]);
});

test("happy path: every event reaches onEvent in order, JSON-parsed", async () => {
    const received = [];
    const outcome = await startStream(
        () => eventStream(bodyOf([encoder.encode(FULL_STREAM)])),
        { message: "Hi" },
        {
            onEvent: (name, data, id) => {
                received.push([name, data]);
                stepEvent(name, data, id);
            },
        }
    );
    expect(outcome).toEqual({ value: { lastEventId: "7", done: DONE } });
    expect.verifySteps(FULL_STEPS);
    expect(received[0]).toEqual(["start", START]);
    expect(received[5]).toEqual([
        "usage",
        { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 },
    ]);
});

test("reads split at every byte, even inside a multi-byte character", async () => {
    const bytes = encoder.encode(FULL_STREAM);
    const chunks = [...bytes].map((byte) => new Uint8Array([byte]));
    const outcome = await startStream(() => eventStream(bodyOf(chunks)));
    expect(outcome.value.done).toEqual(DONE);
    expect.verifySteps(FULL_STEPS);
});

test("events are handed over as they arrive", async () => {
    const body = controlledBody();
    const outcomePromise = startStream(() => eventStream(body.stream));
    body.send(sse(1, "start", START));
    await expect.waitForSteps(["1 start"]);
    body.send(sse(2, "delta", { content: "Hel" }) + "id: 3\nevent: del");
    await expect.waitForSteps(["2 delta Hel"]);
    body.send('ta\ndata: {"content":"lo"}\n\n');
    await expect.waitForSteps(["3 delta lo"]);
    body.send(sse(4, "done", DONE));
    const outcome = await outcomePromise;
    expect(outcome).toEqual({ value: { lastEventId: "4", done: DONE } });
    // the reader is released once `done` is in, without waiting for the body to end
    expect.verifySteps(["4 done", "cancel"]);
});

test("an error event passes through onEvent", async () => {
    const error = { code: "upstream", message: "The AI service is unavailable." };
    const outcome = await startStream(
        () =>
            eventStream(
                bodyOf([
                    encoder.encode(
                        sse(1, "start", START) +
                            sse(2, "error", error) +
                            sse(3, "done", { message_id: 8, state: "error", html: "" })
                    ),
                ])
            ),
        { message: "Hi" },
        { onEvent: (name, data) => expect.step([name, data]) }
    );
    expect(outcome.value.done.state).toBe("error");
    expect.verifySteps([
        ["start", START],
        ["error", error],
        ["done", { message_id: 8, state: "error", html: "" }],
    ]);
});

test("abort while streaming rejects with an AbortError and cancels the reader", async () => {
    const body = controlledBody();
    const controller = new AbortController();
    const outcomePromise = startStream(
        () => eventStream(body.stream),
        { message: "Hi" },
        {
            signal: controller.signal,
        }
    );
    body.send(sse(1, "start", START));
    await expect.waitForSteps(["1 start"]);
    controller.abort();
    const { error } = await outcomePromise;
    expect(error.name).toBe("AbortError");
    expect.verifySteps(["cancel"]);
});

test("abort before the server answers rejects with an AbortError", async () => {
    const answered = new Deferred();
    const controller = new AbortController();
    const outcomePromise = startStream(
        () => {
            expect.step("fetch");
            return answered;
        },
        { message: "Hi" },
        { signal: controller.signal }
    );
    await expect.waitForSteps(["fetch"]);
    controller.abort();
    const { error } = await outcomePromise;
    expect(error.name).toBe("AbortError");
    answered.resolve(eventStream(bodyOf([])));
});

test("a signal already aborted sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    const { error } = await startStream(
        () => expect.step("fetch"),
        { message: "Hi" },
        {
            signal: controller.signal,
        }
    );
    expect(error.name).toBe("AbortError");
    expect.verifySteps([]);
});

test("303 to the login page: SessionExpiredError", async () => {
    const { error } = await startStream(
        () => new Response(null, { status: 303, headers: { Location: "/web/login" } })
    );
    expect(error).toBeInstanceOf(SessionExpiredError);
});

test("opaque redirect (redirect: manual): SessionExpiredError", async () => {
    const { error } = await startStream(() => {
        const response = new Response(null, { status: 200 });
        Object.defineProperties(response, {
            type: { value: "opaqueredirect" },
            status: { value: 0 },
            ok: { value: false },
        });
        return response;
    });
    expect(error).toBeInstanceOf(SessionExpiredError);
});

test("a 200 HTML page (the login form) instead of events: SessionExpiredError", async () => {
    const { error } = await startStream(
        () =>
            new Response("<html><body><form>Login</form></body></html>", {
                status: 200,
                headers: { "Content-Type": "text/html; charset=utf-8" },
            })
    );
    expect(error).toBeInstanceOf(SessionExpiredError);
});

test("400 with a plain reason: StreamHttpError with that reason", async () => {
    const { error } = await startStream(
        () =>
            new Response("  The message is empty.\n", {
                status: 400,
                headers: { "Content-Type": "text/plain; charset=utf-8" },
            })
    );
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error.status).toBe(400);
    expect(error.message).toBe("The message is empty.");
});

test("429 with a very long reason: the message is capped", async () => {
    const { error } = await startStream(
        () =>
            new Response("x".repeat(5000), {
                status: 429,
                headers: { "Content-Type": "text/plain" },
            })
    );
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error.status).toBe(429);
    expect(error.message.length).toBe(MAX_REASON_LENGTH);
});

test("an error without a body: StreamHttpError with the status and no message", async () => {
    const { error } = await startStream(() => new Response(null, { status: 404 }));
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error.status).toBe(404);
    expect(error.message).toBe("");
});

test("400 HTML error page (bad CSRF token): the reason is its text", async () => {
    const { error } = await startStream(
        () =>
            new Response(
                "<!doctype html><title>400 Bad Request</title><h1>Bad Request</h1>" +
                    "<p>Session expired (invalid CSRF token)</p>",
                { status: 400, headers: { "Content-Type": "text/html; charset=utf-8" } }
            )
    );
    expect(error).toBeInstanceOf(StreamHttpError);
    expect(error.message).toBe("Session expired (invalid CSRF token)");
});

test("body ending before done: StreamInterruptedError", async () => {
    const body = controlledBody();
    const outcomePromise = startStream(() => eventStream(body.stream));
    body.send(sse(1, "start", START) + sse(2, "delta", { content: "Hel" }) + "id: 3\ndata: {");
    await expect.waitForSteps(["1 start", "2 delta Hel"]);
    body.close();
    const { error } = await outcomePromise;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.lastEventId).toBe("2");
});

test("network failure while streaming: StreamInterruptedError", async () => {
    const body = controlledBody();
    const outcomePromise = startStream(() => eventStream(body.stream));
    body.send(sse(1, "start", START));
    await expect.waitForSteps(["1 start"]);
    body.fail(new TypeError("network error"));
    const { error } = await outcomePromise;
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.lastEventId).toBe("1");
});

test("network failure before any answer: StreamInterruptedError", async () => {
    const { error } = await startStream(() => Promise.reject(new TypeError("Failed to fetch")));
    expect(error).toBeInstanceOf(StreamInterruptedError);
    expect(error.lastEventId).toBe(null);
});

test("an event whose data is not JSON is skipped with a warning", async () => {
    patchWithCleanup(console, { warn: () => expect.step("warn") });
    const outcome = await startStream(() =>
        eventStream(
            bodyOf([
                encoder.encode(
                    sse(1, "start", START) +
                        "id: 2\nevent: delta\ndata: {not json\n\n" +
                        sse(3, "delta", { content: "ok" }) +
                        sse(4, "done", DONE)
                ),
            ])
        )
    );
    expect(outcome.value.done).toEqual(DONE);
    expect.verifySteps(["1 start", "warn", "3 delta ok", "4 done"]);
});

test("an exception in onEvent rejects the stream and cancels the reader", async () => {
    const body = controlledBody();
    const outcomePromise = startStream(
        () => eventStream(body.stream),
        { message: "Hi" },
        {
            onEvent: () => {
                throw new Error("component gone");
            },
        }
    );
    body.send(sse(1, "start", START));
    const { error } = await outcomePromise;
    expect(error.message).toBe("component gone");
    expect.verifySteps(["cancel"]);
});
