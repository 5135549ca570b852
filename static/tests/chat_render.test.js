import { describe, expect, test } from "@odoo/hoot";
import { press, queryOne, scroll, waitFor, waitUntil } from "@odoo/hoot-dom";
import {
    contains,
    getService,
    mountWithCleanup,
    patchWithCleanup,
} from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { mockChatServer, storedMessage } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

async function mountAndSend(server, text = "Hi") {
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    await contains(".o_ai_stream_chat_input").edit(text, { confirm: false });
    await press("Enter");
    const stream = await server.stream(0);
    stream.start();
    return stream;
}

test("reasoning streams in an open Thinking section that collapses when the answer starts", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.send("reasoning", { content: "The user greets me. " });
    stream.send("reasoning", { content: "<b>Greet back</b>." });
    await waitFor(".o_ai_stream_chat_reasoning_text:contains(Greet back)");
    // Plain text, never HTML.
    expect(".o_ai_stream_chat_reasoning_text").toHaveText("The user greets me. <b>Greet back</b>.");
    expect(".o_ai_stream_chat_reasoning_text b").toHaveCount(0);
    expect(".o_ai_stream_chat_reasoning_toggle").toHaveAttribute("aria-expanded", "true");
    expect(".o_ai_stream_chat_reasoning_toggle").toHaveText(/Thinking/);
    expect(".o_ai_stream_chat_typing").toHaveCount(0);

    stream.render(0, ["<p>Hello!</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(Hello!)");
    expect(".o_ai_stream_chat_reasoning_text").toHaveCount(0);
    expect(".o_ai_stream_chat_reasoning_toggle").toHaveAttribute("aria-expanded", "false");

    await contains(".o_ai_stream_chat_reasoning_toggle").click();
    expect(".o_ai_stream_chat_reasoning_text").toHaveText(/Greet back/);
    await contains(".o_ai_stream_chat_reasoning_toggle").click();
    expect(".o_ai_stream_chat_reasoning_text").toHaveCount(0);
});

test("tool steps show in order, each updated in place, opening to its arguments", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    const step = { id: "call_1", name: "search_records", arguments: { model: "sale.order" } };
    stream.send("tool", { ...step, state: "running", summary: "" });
    await waitFor(".o_ai_stream_chat_tool_step[data-state=running]");
    expect(".o_ai_stream_chat_tool_label").toHaveText("search_records");
    stream.send("tool", {
        ...step,
        state: "done",
        summary: "Searched <b>Orders</b>: 12 found",
        result: '{"count": 12, "records": [' + "x".repeat(400) + "]}",
        ms: 21,
    });
    stream.send("tool", {
        id: "call_2",
        name: "count_records",
        arguments: "{bad",
        state: "error",
        summary: "The arguments are not valid JSON.",
    });
    await waitFor(".o_ai_stream_chat_tool_step[data-state=error]");
    expect(".o_ai_stream_chat_tool_step").toHaveCount(2);
    // Plain text, never HTML.
    expect(".o_ai_stream_chat_tool_label:first").toHaveText("Searched <b>Orders</b>: 12 found");
    expect(".o_ai_stream_chat_tool_step b").toHaveCount(0);
    expect(".o_ai_stream_chat_tool_arguments").toHaveCount(0);
    await contains(".o_ai_stream_chat_tool_step:first button").click();
    expect(".o_ai_stream_chat_tool_arguments").toHaveText(/sale\.order/);
    expect(".o_ai_stream_chat_tool_result").toHaveText(/^→ \{"count": 12.*…$/);
    stream.render(0, ["<p>There are 12.</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(There are 12.)");
    expect(".o_ai_stream_chat_tool_step").toHaveCount(2);
});

test("a hostile render payload does not reach the DOM unsanitized", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.render(0, [
        `<p>ok<img src="x" onerror="window.__aiStreamChatPwned = 1"></p>` +
            `<script>window.__aiStreamChatPwned = 2</script>` +
            `<p><a href="javascript:window.__aiStreamChatPwned = 3">bad link</a>` +
            ` <a href="https://www.odoo.com">good link</a></p>` +
            `<div onclick="alert(1)" style="position: fixed" class="o_web_client">styled</div>` +
            `<iframe src="https://example.com"></iframe><svg><a href="#"><circle/></a></svg>` +
            `<p><span class="o_ai_stream_chat_image_removed fixed-top">diagram</span></p>`,
    ]);
    await waitFor(".o_ai_stream_chat_block:contains(good link)");
    const markdown = ".o_ai_stream_chat_markdown";
    for (const selector of [
        "img",
        "script",
        "iframe",
        "svg",
        "div[onclick]",
        "[style]",
        "[onerror]",
    ]) {
        expect(`${markdown} ${selector}`).toHaveCount(0);
    }
    expect(`${markdown} a:contains(bad link)`).not.toHaveAttribute("href");
    expect(`${markdown} a:contains(good link)`).toHaveAttribute("href", "https://www.odoo.com");
    expect(`${markdown} a:contains(good link)`).toHaveAttribute("target", "_blank");
    expect(`${markdown} a:contains(good link)`).toHaveAttribute(
        "rel",
        "noopener noreferrer nofollow"
    );
    expect(`${markdown} .o_web_client`).toHaveCount(0);
    expect(`${markdown} .o_ai_stream_chat_image_removed`).toHaveAttribute(
        "class",
        "o_ai_stream_chat_image_removed"
    );
    expect(markdown).toHaveText(/styled/);
    expect(window.__aiStreamChatPwned).toBe(undefined);
});

test("a link to a record opens it in the web client; a forged one is a plain link", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    const record = "o_ai_stream_chat_record_link";
    stream.render(0, [
        `<p><a class="${record}" href="/odoo/res.partner/7">Deco Addict</a> and ` +
            `<a class="${record}" href="https://evil.example/odoo/res.partner/7">forged</a></p>`,
    ]);
    await waitFor(`.${record}`);
    expect(`.${record}`).toHaveCount(1);
    expect(`.${record}`).not.toHaveAttribute("target");
    expect(".o_ai_stream_chat_block a[href^='https://evil']").toHaveAttribute("target", "_blank");
    const actions = [];
    patchWithCleanup(getService("action"), {
        doAction(request) {
            actions.push(request);
        },
    });
    await contains(`.${record}`).click();
    expect(actions).toEqual([
        {
            type: "ir.actions.act_window",
            res_model: "res.partner",
            res_id: 7,
            views: [[false, "form"]],
        },
    ]);
});

test("a link keeps the host shown after its text; a host mark elsewhere is dropped", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.render(0, [
        `<p><a href="https://evil.example/?q=secret" target="_blank" rel="noopener noreferrer nofollow">` +
            `the docs<span class="o_ai_stream_chat_link_host fixed-top">evil.example</span></a>` +
            ` <span class="o_ai_stream_chat_link_host">not a link</span>` +
            ` <a title="refused">bad<span class="o_ai_stream_chat_link_host">x.example</span></a></p>`,
    ]);
    await waitFor(".o_ai_stream_chat_block:contains(the docs)");
    const link = ".o_ai_stream_chat_markdown a:contains(the docs)";
    expect(link).toHaveAttribute("target", "_blank");
    expect(link).toHaveAttribute("rel", "noopener noreferrer nofollow");
    expect(`${link} > span`).toHaveAttribute("class", "o_ai_stream_chat_link_host");
    expect(`${link} > .o_ai_stream_chat_link_host`).toHaveText("evil.example");
    expect(".o_ai_stream_chat_markdown .o_ai_stream_chat_link_host").toHaveCount(1);
    expect(".o_ai_stream_chat_markdown").toHaveText(/not a link/);
});

test("fenced code shows its language and a copy button", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    stream.render(0, [
        "<p>Run this:</p>",
        '<pre><code class="language-python">print("&lt;hi&gt;")\n</code></pre>',
        "<pre><code>plain</code></pre>",
    ]);
    await waitFor(".o_ai_stream_chat_code_language:contains(text)");
    expect(".o_ai_stream_chat_code_language:eq(0)").toHaveText("python");
    expect(".o_ai_stream_chat_code_language:eq(1)").toHaveText("text");
    expect(".o_ai_stream_chat_code:eq(0) pre").toHaveText('print("<hi>")');
    // Exactly the code: whitespace inside <pre> would show as a blank line and an indent.
    expect(queryOne(".o_ai_stream_chat_code:eq(1) pre").textContent).toBe("plain");

    patchWithCleanup(navigator.clipboard, {
        async writeText(text) {
            expect.step(text);
        },
    });
    await contains(".o_ai_stream_chat_code:eq(0) .o_ai_stream_chat_copy").click();
    expect.verifySteps(['print("<hi>")\n']);
    expect(".o_ai_stream_chat_code:eq(0) .o_ai_stream_chat_copy").toHaveAttribute(
        "aria-label",
        "Copy code"
    );
    await waitFor(".o_popover:contains(Copied)");
});

test("an opened conversation shows the stored render, user text as text, and states", async () => {
    mockChatServer({
        conversations: [{ id: 7, name: "Old chat", last_message_at: false, llm_model: "model-a" }],
        messages: {
            7: [
                storedMessage({
                    id: 1,
                    role: "user",
                    content: "Make a <table>",
                    html: "<p>ignored</p>",
                }),
                storedMessage({
                    id: 2,
                    role: "assistant",
                    content: "| a |\n|---|\n| 1 |",
                    html: "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
                    state: "stopped",
                    llm_model: "model-b",
                    prompt_tokens: 5,
                    completion_tokens: 7,
                }),
            ],
        },
    });
    await mountWithCleanup(ChatAction, { props: { action: { context: { active_id: 7 } } } });
    await waitFor(".o_ai_stream_chat_bubble");
    expect(".o_ai_stream_chat_bubble").toHaveText("Make a <table>");
    expect(".o_ai_stream_chat_message_user table").toHaveCount(0);
    expect(".o_ai_stream_chat_table table td").toHaveText("1");
    expect(".o_ai_stream_chat_badge").toHaveText("Stopped");
    expect(".o_ai_stream_chat_model").toHaveText("model-b");
    expect(".o_ai_stream_chat_usage").toHaveText("5 + 7 tokens");
    expect(".o_ai_stream_chat_title").toHaveText("Old chat");
});

test("scrolling up while streaming offers a jump back to the latest", async () => {
    const server = mockChatServer();
    const stream = await mountAndSend(server);
    const paragraphs = Array.from({ length: 60 }, (_, i) => `<p>Line ${i}</p>`).join("");
    stream.render(0, [paragraphs]);
    await waitFor(".o_ai_stream_chat_block:contains(Line 59)");
    const scroller = queryOne(".o_ai_stream_chat_scroller");
    // Followed the growth to the bottom.
    await waitUntil(() => scroller.scrollTop + scroller.clientHeight >= scroller.scrollHeight - 2);
    expect(".o_ai_stream_chat_jump").toHaveCount(0);

    await scroll(scroller, { top: 0 });
    await waitFor(".o_ai_stream_chat_jump");
    stream.render(1, ["<p>More</p>"]);
    await waitFor(".o_ai_stream_chat_block:contains(More)");
    expect(scroller.scrollTop).toBe(0); // the reader is left where they are

    await contains(".o_ai_stream_chat_jump").click();
    expect(scroller.scrollTop + scroller.clientHeight).toBeGreaterThan(scroller.scrollHeight - 2);
    expect(".o_ai_stream_chat_jump").toHaveCount(0);
});
