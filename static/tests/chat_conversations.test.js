import { describe, expect, test } from "@odoo/hoot";
import { queryAllTexts, resize, runAllTimers, waitFor } from "@odoo/hoot-dom";
import { mockDate } from "@odoo/hoot-mock";
import { contains, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { mockChatServer, storedMessage } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

// Noon UTC: the same calendar day in any test time zone.
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
    { id: 3, name: "Meeting notes", last_message_at: "2025-03-05 12:00:00", llm_model: "model-b" },
    { id: 4, name: "Old question", last_message_at: "2024-11-20 12:00:00", llm_model: "model-a" },
];
const MESSAGES = {
    2: [
        storedMessage({ id: 20, role: "user", content: "FIFO or average?" }),
        storedMessage({
            id: 21,
            role: "assistant",
            content: "It depends.",
            html: "<p>It depends.</p>",
        }),
    ],
};

async function mountChat() {
    mockDate("2025-03-10 15:00:00");
    const server = mockChatServer({
        conversations: [...CONVERSATIONS],
        messages: MESSAGES,
        steps: true,
    });
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    expect.verifySteps(["chat_list"]);
    return server;
}

test("conversations are listed newest first under their age; one opens", async () => {
    await mountChat();
    expect(queryAllTexts(".o_ai_stream_chat_group")).toEqual([
        "TODAY",
        "YESTERDAY",
        "PREVIOUS 7 DAYS",
        "OLDER",
    ]);
    expect(queryAllTexts(".o_ai_stream_chat_conversation_open")).toEqual([
        "Invoice reminder",
        "FIFO vs average",
        "Meeting notes",
        "Old question",
    ]);
    await contains(".o_ai_stream_chat_conversation_open:contains(FIFO vs average)").click();
    expect.verifySteps(["chat_messages 2"]);
    await waitFor(".o_ai_stream_chat_block:contains(It depends.)");
    expect(".o_ai_stream_chat_conversation.active").toHaveText("FIFO vs average");
    expect(".o_ai_stream_chat_conversation.active button:first").toHaveAttribute(
        "aria-current",
        "page"
    );
    expect(".o_ai_stream_chat_title").toHaveText("FIFO vs average");

    await contains(".o_ai_stream_chat_new").click();
    expect(".o_ai_stream_chat_welcome").toHaveCount(1);
    expect(".o_ai_stream_chat_title").toHaveText("New chat");
    expect(".o_ai_stream_chat_conversation.active").toHaveCount(0);
});

test("the search box asks the server, once typing pauses", async () => {
    await mountChat();
    await contains(".o_ai_stream_chat_search").edit("fifo", { confirm: false });
    expect.verifySteps([]);
    await runAllTimers();
    await waitFor(".o_ai_stream_chat_conversation:only-child");
    expect.verifySteps(["chat_list fifo"]);
    expect(queryAllTexts(".o_ai_stream_chat_conversation_open")).toEqual(["FIFO vs average"]);
});

test("a conversation is renamed in place", async () => {
    await mountChat();
    await contains(
        ".o_ai_stream_chat_conversation:eq(1) .o_ai_stream_chat_conversation_menu"
    ).click();
    await contains(".o_ai_stream_chat_rename_item").click();
    expect(".o_ai_stream_chat_rename").toBeFocused();
    await contains(".o_ai_stream_chat_rename").edit("  Stock valuation  ");
    expect.verifySteps(['write 2 {"name":"Stock valuation"}']);
    expect(".o_ai_stream_chat_conversation:eq(1)").toHaveText("Stock valuation");
});

test("Escape cancels a rename", async () => {
    await mountChat();
    await contains(
        ".o_ai_stream_chat_conversation:eq(0) .o_ai_stream_chat_conversation_menu"
    ).click();
    await contains(".o_ai_stream_chat_rename_item").click();
    await contains(".o_ai_stream_chat_rename").edit("Something else", { confirm: false });
    await contains(".o_ai_stream_chat_rename").press("Escape");
    expect(".o_ai_stream_chat_rename").toHaveCount(0);
    expect(".o_ai_stream_chat_conversation:eq(0)").toHaveText("Invoice reminder");
    expect.verifySteps([]);
});

test("deleting asks for confirmation, then closes the conversation if it was open", async () => {
    await mountChat();
    await contains(".o_ai_stream_chat_conversation_open:contains(FIFO vs average)").click();
    expect.verifySteps(["chat_messages 2"]);

    await contains(
        ".o_ai_stream_chat_conversation.active .o_ai_stream_chat_conversation_menu"
    ).click();
    await contains(".o_ai_stream_chat_delete_item").click();
    await waitFor(".modal:contains(Delete this conversation?)");
    await contains(".modal button:contains(Cancel)").click();
    expect.verifySteps([]);
    expect(".o_ai_stream_chat_conversation").toHaveCount(4);

    await contains(
        ".o_ai_stream_chat_conversation.active .o_ai_stream_chat_conversation_menu"
    ).click();
    await contains(".o_ai_stream_chat_delete_item").click();
    await contains(".modal .btn-danger").click();
    expect.verifySteps(["unlink 2"]);
    expect(".o_ai_stream_chat_conversation").toHaveCount(3);
    expect(".o_ai_stream_chat_welcome").toHaveCount(1);
});

test("on a phone-sized screen the list is a panel toggled from the header", async () => {
    await resize({ width: 375, height: 700 });
    await mountChat();
    expect(".o_ai_stream_chat_sidebar").toHaveCount(0);
    expect(".o_ai_stream_chat_list_toggle").toHaveAttribute("aria-expanded", "false");

    await contains(".o_ai_stream_chat_list_toggle").click();
    expect(".o_ai_stream_chat_sidebar_panel").toHaveCount(1);
    expect(".o_ai_stream_chat_list_toggle").toHaveAttribute("aria-expanded", "true");
    await contains(".o_ai_stream_chat_conversation_open:contains(FIFO vs average)").click();
    expect.verifySteps(["chat_messages 2"]);
    expect(".o_ai_stream_chat_sidebar").toHaveCount(0);
    expect(".o_ai_stream_chat_title").toHaveText("FIFO vs average");
});
