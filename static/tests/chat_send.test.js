import { describe, expect, test } from "@odoo/hoot";
import {
    animationFrame,
    click,
    edit,
    press,
    queryAllTexts,
    queryFirst,
    queryOne,
    waitFor,
} from "@odoo/hoot-dom";
import { contains, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { RUN_SIZE } from "@ai_stream_chat/answer_body/answer_body";
import { mockChatServer } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

async function mountChat() {
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
}

async function type(text) {
    await contains(".o_ai_stream_chat_input").edit(text, { confirm: false });
}

test("send: optimistic messages, then the answer streams in block by block", async () => {
    const server = mockChatServer({ steps: true });
    await mountChat();
    expect.verifySteps(["chat_list"]);
    expect(".o_ai_stream_chat_welcome").toHaveCount(1);
    expect(".o_ai_stream_chat_send").toHaveAttribute("disabled");

    await type("Hello <b>there</b>");
    await contains(".o_ai_stream_chat_send").click();
    // Shown at once, as text (never as HTML), with a typing indicator for the answer.
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_bubble").toHaveText(
        "Hello <b>there</b>"
    );
    expect(".o_ai_stream_chat_message_user b").toHaveCount(0);
    expect(".o_ai_stream_chat_typing").toHaveCount(1);
    expect(".o_ai_stream_chat_stop").toHaveCount(1);
    expect(".o_ai_stream_chat_input").toHaveValue("");

    const stream = await server.stream(0);
    expect(stream.fields).toEqual({ message: "Hello <b>there</b>", model: "model-a" });
    server.conversations.push({
        id: 5,
        name: "Hello there",
        last_message_at: false,
        llm_model: "model-a",
    });
    stream.start({ conversationId: 5 });
    // Deltas alone are raw model text: they are never shown, the typing indicator stays.
    stream.send("delta", { content: "**First**" });
    await waitFor(".o_ai_stream_chat_conversation:contains(Hello there)");
    expect.verifySteps(["chat_list"]);
    expect(".o_ai_stream_chat_title").toHaveText("Hello there");
    expect(".o_ai_stream_chat_typing").toHaveCount(1);

    stream.render(0, ["<p><strong>First</strong></p>"]);
    await waitFor(".o_ai_stream_chat_markdown strong:contains(First)");
    expect(".o_ai_stream_chat_typing").toHaveCount(0);
    const firstBlock = queryFirst(".o_ai_stream_chat_block");

    stream.render(1, ["<p>Second, grow</p>"]);
    stream.render(1, ["<p>Second, grown</p>", "<ul><li>third</li></ul>"]);
    await waitFor(".o_ai_stream_chat_block li:contains(third)");
    expect(queryAllTexts(".o_ai_stream_chat_block")).toEqual(["First", "Second, grown", "third"]);
    // The first block was left alone: same DOM node.
    expect(queryFirst(".o_ai_stream_chat_block")).toBe(firstBlock);

    stream.send("usage", { prompt_tokens: 12, completion_tokens: 34, total_tokens: 46 });
    stream.finish({
        html: "<p><strong>First</strong></p><p>Second, grown</p><ul><li>third</li></ul>",
    });
    await waitFor(".o_ai_stream_chat_usage");
    expect(".o_ai_stream_chat_usage").toHaveText("12 + 34 tokens");
    expect(".o_ai_stream_chat_model").toHaveText("model-a");
    expect(".o_ai_stream_chat_stop").toHaveCount(0);
    expect(".o_ai_stream_chat_badge").toHaveCount(0);
    expect(queryFirst(".o_ai_stream_chat_block")).toBe(firstBlock);
    // The conversation now exists: the next message goes to it.
    await type("And then?");
    await contains(".o_ai_stream_chat_send").click();
    expect((await server.stream(1)).fields).toEqual({
        message: "And then?",
        conversation_id: "5",
        model: "model-a",
    });
});

test("Enter sends, Shift+Enter does not", async () => {
    const server = mockChatServer();
    await mountChat();
    await type("first line");
    await press(["Shift", "Enter"]);
    await animationFrame();
    expect(".o_ai_stream_chat_message_user").toHaveCount(0);
    expect(server.streams).toHaveLength(0);
    expect(".o_ai_stream_chat_input").toHaveValue(/^first line/);

    await press("Enter");
    await animationFrame();
    expect(".o_ai_stream_chat_message_user").toHaveCount(1);
    expect((await server.stream(0)).fields.message).toMatch(/^first line/);
});

test("the box grows with its text, then scrolls", async () => {
    mockChatServer();
    await mountChat();
    const box = queryOne(".o_ai_stream_chat_input");
    await type("one line");
    await animationFrame();
    const oneLine = box.offsetHeight;
    await type("a\nb\nc\nd");
    await animationFrame();
    expect(box.offsetHeight).toBeGreaterThan(oneLine);
    await type(Array.from({ length: 60 }, (_, i) => `line ${i}`).join("\n"));
    await animationFrame();
    expect(box.scrollHeight).toBeGreaterThan(box.clientHeight); // capped: it scrolls
    expect(queryOne(".o_ai_stream_chat_input_wrap").offsetHeight).toBe(box.offsetHeight);
    await type("");
    await animationFrame();
    expect(box.offsetHeight).toBe(oneLine);
});

test("text typed and sent within one frame does not stay in the box", async () => {
    const server = mockChatServer();
    await mountChat();
    await click(".o_ai_stream_chat_input");
    // No frame between the last keystroke and Enter: nothing rendered the text meanwhile.
    await edit("Quick one");
    await press("Enter");
    await animationFrame();
    expect(".o_ai_stream_chat_input").toHaveValue("");
    expect((await server.stream(0)).fields.message).toBe("Quick one");
});

test("the model picker lists the allowed models and its choice is sent", async () => {
    const server = mockChatServer();
    await mountChat();
    expect(queryAllTexts(".o_ai_stream_chat_model_select option")).toEqual(["model-a", "model-b"]);
    await contains(".o_ai_stream_chat_model_select").select("model-b");
    await type("Hi");
    await press("Enter");
    expect((await server.stream(0)).fields).toEqual({ message: "Hi", model: "model-b" });
});

test("no model picker when a single model is allowed", async () => {
    mockChatServer({ config: { models: ["only"], default_model: "only", max_message_chars: 100 } });
    await mountChat();
    expect(".o_ai_stream_chat_model_select").toHaveCount(0);
});

test("a counter warns near the length limit and blocks a message over it", async () => {
    mockChatServer(); // max_message_chars: 100
    await mountChat();
    await type("x".repeat(50));
    expect(".o_ai_stream_chat_counter").toHaveCount(0);
    await type("x".repeat(90));
    expect(".o_ai_stream_chat_counter").toHaveText("90 / 100 characters");
    expect(".o_ai_stream_chat_send").not.toHaveAttribute("disabled");
    await type("x".repeat(101));
    expect(".o_ai_stream_chat_counter").toHaveClass("text-danger");
    expect(".o_ai_stream_chat_send").toHaveAttribute("disabled");
});

test("an example prompt of the welcome screen fills the composer", async () => {
    mockChatServer();
    await mountChat();
    expect(".o_ai_stream_chat_example").toHaveCount(3);
    await contains(".o_ai_stream_chat_example:eq(2)").click();
    expect(".o_ai_stream_chat_input").toHaveValue(
        queryOne(".o_ai_stream_chat_example:eq(2)").innerText.trim()
    );
    expect(".o_ai_stream_chat_input").toBeFocused();
});

test("a long answer renders in runs of blocks; finished runs are left alone", async () => {
    const server = mockChatServer();
    await mountChat();
    await type("Long please");
    await press("Enter");
    const stream = await server.stream(0);
    stream.start();
    const paragraphs = Array.from({ length: RUN_SIZE + 2 }, (_, i) => `<p>Paragraph ${i}</p>`);
    stream.render(0, paragraphs);
    await waitFor(`.o_ai_stream_chat_block:contains(Paragraph ${RUN_SIZE + 1})`);
    expect(".o_ai_stream_chat_block_run").toHaveCount(2);
    const firstGroupBlock = queryFirst(".o_ai_stream_chat_block");

    stream.render(RUN_SIZE + 1, ["<p>Tail, rewritten</p>", "<p>One more</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(One more)");
    expect(".o_ai_stream_chat_block").toHaveCount(RUN_SIZE + 3);
    expect(queryAllTexts(".o_ai_stream_chat_block_run:eq(1) .o_ai_stream_chat_block")).toEqual([
        `Paragraph ${RUN_SIZE}`,
        "Tail, rewritten",
        "One more",
    ]);
    expect(queryFirst(".o_ai_stream_chat_block")).toBe(firstGroupBlock);
});
