import { describe, expect, test } from "@odoo/hoot";
import { animationFrame, press, waitFor } from "@odoo/hoot-dom";
import { contains, mockService, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { ChatSystray } from "@ai_stream_chat/chat_systray/chat_systray";
import { mockChatServer, storedMessage } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

const CONVERSATIONS = [
    {
        id: 1,
        name: "Invoice reminder",
        last_message_at: "2025-03-10 12:00:00",
        llm_model: "model-a",
    },
    {
        id: 2,
        name: "FIFO vs average",
        last_message_at: "2025-03-09 12:00:00",
        llm_model: "model-a",
    },
];

test("the systray icon opens the chat window; Escape closes it and focus goes back", async () => {
    mockChatServer({ conversations: CONVERSATIONS, steps: true });
    await mountWithCleanup(ChatSystray);
    // Nothing is loaded before the user asks for the chat.
    expect.verifySteps([]);
    expect(".o_ai_stream_chat_window").toHaveCount(0);

    await contains(".o_ai_stream_chat_systray_button").click();
    await waitFor(".o_ai_stream_chat_window .o_ai_stream_chat_welcome");
    expect.verifySteps(["chat_list"]);
    expect(".o_ai_stream_chat_systray_button").toHaveAttribute("aria-expanded", "true");
    expect(".o_ai_stream_chat_window .o_ai_stream_chat_input").toBeFocused();

    await press("Escape");
    await animationFrame();
    expect(".o_ai_stream_chat_window").toHaveCount(0);
    expect(".o_ai_stream_chat_systray_button").toBeFocused();
    expect(".o_ai_stream_chat_systray_button").toHaveAttribute("aria-expanded", "false");

    await contains(".o_ai_stream_chat_systray_button").click();
    await contains(".o_ai_stream_chat_window_close").click();
    expect(".o_ai_stream_chat_window").toHaveCount(0);
    expect.verifySteps([]); // loaded once
});

test("an answer keeps streaming while the window is closed", async () => {
    const server = mockChatServer();
    await mountWithCleanup(ChatSystray);
    await contains(".o_ai_stream_chat_systray_button").click();
    await contains(".o_ai_stream_chat_window .o_ai_stream_chat_input").edit("Hi", {
        confirm: false,
    });
    await press("Enter");
    const stream = await server.stream(0);
    stream.start();
    await press("Escape");
    await animationFrame();
    expect(".o_ai_stream_chat_window").toHaveCount(0);
    stream.render(0, ["<p>Written while closed</p>"]);
    stream.finish({ html: "<p>Written while closed</p>" });

    await contains(".o_ai_stream_chat_systray_button").click();
    await waitFor(
        ".o_ai_stream_chat_window .o_ai_stream_chat_block:contains(Written while closed)"
    );
    expect(".o_ai_stream_chat_window .o_ai_stream_chat_stop").toHaveCount(0);
});

test("the switcher opens another conversation; the full page opens on it", async () => {
    mockChatServer({
        conversations: CONVERSATIONS,
        messages: { 2: [storedMessage({ id: 20, role: "user", content: "FIFO or average?" })] },
        steps: true,
    });
    mockService("action", {
        doAction(action, options) {
            expect.step(`doAction ${action} ${JSON.stringify(options.additionalContext)}`);
        },
    });
    await mountWithCleanup(ChatSystray);
    await contains(".o_ai_stream_chat_systray_button").click();
    expect.verifySteps(["chat_list"]);

    await contains(".o_ai_stream_chat_switcher").click();
    await contains(".o_ai_stream_chat_switcher_item:contains(FIFO vs average)").click();
    expect.verifySteps(["chat_messages 2"]);
    await waitFor(".o_ai_stream_chat_window .o_ai_stream_chat_bubble:contains(FIFO or average?)");
    expect(".o_ai_stream_chat_switcher").toHaveText("FIFO vs average");

    await contains(".o_ai_stream_chat_full_page").click();
    expect.verifySteps(['doAction ai_stream_chat.ai_stream_chat_action {"active_id":2}']);
    expect(".o_ai_stream_chat_window").toHaveCount(0);
});

test("the full page shows the very answer the window is writing, live", async () => {
    const server = mockChatServer();
    await mountWithCleanup(ChatSystray);
    await contains(".o_ai_stream_chat_systray_button").click();
    await contains(".o_ai_stream_chat_window .o_ai_stream_chat_input").edit("Hi", {
        confirm: false,
    });
    await press("Enter");
    const stream = await server.stream(0);
    stream.start({ conversationId: 3 });
    stream.render(0, ["<p>Begun in the window</p>"]);
    await waitFor(".o_ai_stream_chat_window .o_ai_stream_chat_block:contains(Begun in the window)");

    // One chat for both: the full page opened on this conversation finds it being written.
    await mountWithCleanup(ChatAction, { props: { action: { context: { active_id: 3 } } } });
    await waitFor(".o_ai_stream_chat_action .o_ai_stream_chat_block:contains(Begun in the window)");
    expect(".o_ai_stream_chat_action .o_ai_stream_chat_stop").toHaveCount(1);
    expect(server.resumes).toEqual([]); // followed by the same stream, not a second one
    stream.render(0, ["<p>Begun in the window, ended on the page</p>"]);
    stream.finish({ html: "<p>Begun in the window, ended on the page</p>" });
    await waitFor(".o_ai_stream_chat_action .o_ai_stream_chat_block:contains(ended on the page)");
    expect(".o_ai_stream_chat_action .o_ai_stream_chat_stop").toHaveCount(0);
});
