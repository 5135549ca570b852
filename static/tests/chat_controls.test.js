import { describe, expect, test } from "@odoo/hoot";
import { press, waitFor, waitUntil } from "@odoo/hoot-dom";
import { contains, mountWithCleanup, patchWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { mockChatServer, storedMessage } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

/** Mount the chat and send `text`; resolves with the server side of the first stream. */
async function mountAndSend(server, text = "Hi") {
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    await contains(".o_ai_stream_chat_input").edit(text, { confirm: false });
    await press("Enter");
    return server.stream(0);
}

/** A complete answer: start, one block, done. */
async function answer(stream, html, { messageId = 11 } = {}) {
    stream.start({ messageId });
    stream.render(0, [html]);
    stream.finish({ messageId, html });
    await waitFor(`.o_ai_stream_chat_message_footer`);
}

test("stop asks the server, which ends the answer as stopped, keeping what was written", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.start();
    stream.render(0, ["<p>Partial</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(Partial)");

    await contains(".o_ai_stream_chat_stop").click();
    await waitUntil(() => server.stops.length);
    expect(server.stops).toEqual([11]);
    stream.finish({ state: "stopped", html: "<p>Partial</p>" });
    await waitFor(".o_ai_stream_chat_badge:contains(Stopped)");
    expect(".o_ai_stream_chat_block").toHaveText("Partial");
    expect(".o_ai_stream_chat_stop").toHaveCount(0);
    expect(".o_ai_stream_chat_send").toHaveCount(1);
    expect(".o_ai_stream_chat_error").toHaveCount(0);
    // A stopped answer can be regenerated.
    expect(".o_ai_stream_chat_regenerate").toHaveCount(1);
});

test("stop before the first token waits for the answer's id, then says so", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    await contains(".o_ai_stream_chat_stop").click();
    expect(server.stops).toEqual([]);
    stream.start();
    await waitUntil(() => server.stops.length);
    stream.finish({ state: "stopped", html: "" });
    await waitFor(".o_ai_stream_chat_badge:contains(Stopped)");
    expect(".o_ai_stream_chat_message_assistant").toHaveText(/Stopped before the answer started/);
    expect(".o_ai_stream_chat_typing").toHaveCount(0);
});

test("a dropped connection resumes by itself and the answer continues to its end", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.start();
    stream.send("delta", { content: "One " });
    stream.render(0, ["<p>One</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(One)");
    stream.drop();
    await waitFor(".o_ai_stream_chat_reconnecting");
    const resumed = await server.resume(0);
    expect(resumed.fields.message_id).toBe("11");
    resumed.send("sync", {
        message_id: 11,
        conversation_id: 1,
        state: "streaming",
        content: "One two ",
        reasoning: "",
        html: "<p>One two</p>",
        blocks: ["<p>One two</p>"],
    });
    await waitFor(".o_ai_stream_chat_block:contains(One two)");
    expect(".o_ai_stream_chat_reconnecting").toHaveCount(0); // live again before the end
    resumed.send("delta", { content: "three" });
    resumed.render(0, ["<p>One two three</p>"]);
    resumed.finish({ html: "<p>One two three</p>" });
    await waitFor(".o_ai_stream_chat_message_footer");
    expect(".o_ai_stream_chat_block").toHaveText("One two three");
    expect(".o_ai_stream_chat_reconnecting").toHaveCount(0);
    expect(".o_ai_stream_chat_error").toHaveCount(0);
});

test("opening a conversation whose answer is being written follows it live", async () => {
    const server = mockChatServer({
        conversations: [{ id: 5, name: "Plans", last_message_at: "2026-01-01 10:00:00" }],
        messages: {
            5: [
                storedMessage({ id: 10, role: "user", content: "Plans?" }),
                storedMessage({ id: 11, role: "assistant", state: "streaming", content: "So f" }),
            ],
        },
    });
    await mountWithCleanup(ChatAction, { props: { action: { context: { active_id: 5 } } } });
    const resumed = await server.resume(0);
    expect(resumed.fields.message_id).toBe("11");
    expect(".o_ai_stream_chat_stop").toHaveCount(1);
    resumed.send("sync", {
        message_id: 11,
        conversation_id: 5,
        state: "streaming",
        content: "So far",
        reasoning: "",
        html: "<p>So far</p>",
        blocks: ["<p>So far</p>"],
    });
    await waitFor(".o_ai_stream_chat_block:contains(So far)");
    resumed.render(0, ["<p>So far, so good.</p>"]);
    resumed.finish({ html: "<p>So far, so good.</p>" });
    await waitFor(".o_ai_stream_chat_message_footer");
    expect(".o_ai_stream_chat_block").toHaveText("So far, so good.");
    expect(".o_ai_stream_chat_stop").toHaveCount(0);
});

test("an error event shows its message and Retry re-sends with retry_of", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.start({ conversationId: 4, messageId: 11 });
    stream.send("error", { code: "rate_limit", message: "The AI service is busy." });
    stream.finish({ messageId: 11, state: "error", html: "" });
    await waitFor(".o_ai_stream_chat_error:contains(The AI service is busy.)");
    expect(".o_ai_stream_chat_badge").toHaveText("Error");
    expect(".o_ai_stream_chat_regenerate").toHaveCount(0);

    await contains(".o_ai_stream_chat_retry").click();
    const retry = await server.stream(1);
    expect(retry.fields).toEqual({
        message: "Hi",
        conversation_id: "4",
        retry_of: "11",
        model: "model-a",
    });
    expect(".o_ai_stream_chat_error").toHaveCount(0);
    expect(".o_ai_stream_chat_typing").toHaveCount(1);
    await answer(retry, "<p>Better now</p>", { messageId: 12 });
    expect(".o_ai_stream_chat_block").toHaveText("Better now");
    expect(".o_ai_stream_chat_message").toHaveCount(2);
    expect(".o_ai_stream_chat_badge").toHaveCount(0);
});

test("regenerate replaces the last answer through retry_of", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server, "A joke please");
    await answer(stream, "<p>First joke</p>");

    await contains(".o_ai_stream_chat_regenerate").click();
    const again = await server.stream(1);
    expect(again.fields).toEqual({
        message: "A joke please",
        conversation_id: "1",
        retry_of: "11",
        model: "model-a",
    });
    expect(".o_ai_stream_chat_block").toHaveCount(0);
    await answer(again, "<p>Second joke</p>", { messageId: 12 });
    expect(".o_ai_stream_chat_block").toHaveText("Second joke");
    expect(".o_ai_stream_chat_message").toHaveCount(2);
});

test("edit the last message and resend it", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server, "Capital of Frnace?");
    await answer(stream, "<p>Did you mean France?</p>");

    await contains(".o_ai_stream_chat_edit_button").click();
    await contains(".o_ai_stream_chat_edit textarea").edit("Capital of France?", {
        confirm: false,
    });
    await press("Enter");
    const resent = await server.stream(1);
    expect(resent.fields).toEqual({
        message: "Capital of France?",
        conversation_id: "1",
        retry_of: "11",
        model: "model-a",
    });
    expect(".o_ai_stream_chat_bubble").toHaveText("Capital of France?");
    expect(".o_ai_stream_chat_edit").toHaveCount(0);
});

test("Escape cancels an edit", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server, "Original");
    await answer(stream, "<p>Answer</p>");
    await contains(".o_ai_stream_chat_edit_button").click();
    await contains(".o_ai_stream_chat_edit textarea").edit("Changed", { confirm: false });
    await press("Escape");
    await waitUntil(() => !document.querySelector(".o_ai_stream_chat_edit"));
    expect(".o_ai_stream_chat_bubble").toHaveText("Original");
    expect(server.streams).toHaveLength(1);
});

test("an expired session says so instead of showing a login page", async () => {
    const server = mockChatServer();
    server.nextResponse = new Response("", { status: 303, headers: { Location: "/web/login" } });
    await mountAndSend(server);
    await waitFor(".o_ai_stream_chat_error");
    expect(".o_ai_stream_chat_error").toHaveText(
        /Your session has expired\. Reload the page to log in again\./
    );
    expect(".o_ai_stream_chat_retry").toHaveCount(0);
    expect(".o_ai_stream_chat_error button:contains(Reload)").toHaveCount(1);
});

test("a refusal before streaming shows the server's reason; Retry sends the same again", async () => {
    const server = mockChatServer();
    server.nextResponse = new Response("You already have 2 answers streaming.", {
        status: 429,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
    });
    await mountAndSend(server, "Hello");
    await waitFor(".o_ai_stream_chat_error:contains(You already have 2 answers streaming.)");

    await contains(".o_ai_stream_chat_retry").click();
    // Nothing was saved: no retry_of, no conversation yet.
    expect((await server.stream(1)).fields).toEqual({ message: "Hello", model: "model-a" });
    expect(".o_ai_stream_chat_message").toHaveCount(2);
});

test("a stream cut before `start` (no answer to resume) is marked interrupted, with Retry", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.drop();
    await waitFor(".o_ai_stream_chat_error");
    expect(".o_ai_stream_chat_error").toHaveText(/connection was lost/);
    expect(".o_ai_stream_chat_badge").toHaveText("Interrupted");
    expect(".o_ai_stream_chat_retry").toHaveCount(1);
    expect(server.resumes).toEqual([]);
});

test("copy puts the markdown source of an answer in the clipboard", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.start();
    stream.send("delta", { content: "**Bold** answer" });
    stream.render(0, ["<p><strong>Bold</strong> answer</p>"]);
    stream.finish({ html: "<p><strong>Bold</strong> answer</p>" });
    await waitFor(".o_ai_stream_chat_message_footer");
    patchClipboard();
    await contains(".o_ai_stream_chat_message_footer .o_ai_stream_chat_copy").click();
    await contains(".o_ai_stream_chat_message_user .o_ai_stream_chat_copy").click();
    expect.verifySteps(["**Bold** answer", "Hi"]);
});

function patchClipboard() {
    patchWithCleanup(navigator.clipboard, {
        async writeText(text) {
            expect.step(text);
        },
    });
}
