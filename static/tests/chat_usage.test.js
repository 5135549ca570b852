import { describe, expect, test } from "@odoo/hoot";
import { press, waitFor } from "@odoo/hoot-dom";
import { contains, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { mockChatServer } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

test("the meter shows the month against the budget, and again after each answer", async () => {
    const server = mockChatServer();
    server.usage = {
        tokens: 85000,
        cost: "$ 1.70",
        limit_tokens: 100000,
        limit_amount: "",
        share: 0.85,
        renews_on: "01/01/2027",
    };
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    await waitFor(".o_ai_stream_chat_meter");
    expect(".o_ai_stream_chat_meter_text").toHaveText("85,000 of 100,000 tokens · $ 1.70");
    expect(".o_ai_stream_chat_meter .progress-bar").toHaveClass("bg-warning");
    expect(".o_ai_stream_chat_meter .progress").toHaveAttribute("aria-valuenow", "85");
    expect(".o_ai_stream_chat_meter_renews").toHaveText("Renews on 01/01/2027");

    server.usage = { ...server.usage, tokens: 100500, share: 1 };
    await contains(".o_ai_stream_chat_input").edit("Hi", { confirm: false });
    await press("Enter");
    const stream = await server.stream(0);
    stream.start();
    stream.finish();
    await waitFor(".o_ai_stream_chat_meter_text:contains(100,500 of 100,000 tokens)");
    expect(server.streams).toHaveLength(1);
    expect(".o_ai_stream_chat_meter .progress-bar").toHaveClass("bg-danger");
});

test("without a budget the meter only counts", async () => {
    const server = mockChatServer();
    server.usage = { ...server.usage, tokens: 1234, cost: "$ 0.05" };
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    await waitFor(".o_ai_stream_chat_meter");
    expect(".o_ai_stream_chat_meter_text").toHaveText("1,234 tokens · $ 0.05");
    expect(".o_ai_stream_chat_meter .progress").toHaveCount(0);
});
