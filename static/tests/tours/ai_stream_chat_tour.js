import { registry } from "@web/core/registry";

const ANSWER = ".o_ai_stream_chat_message_assistant";
const IDLE_COMPOSER = ".o_ai_stream_chat_composer:not(:has(.o_ai_stream_chat_stop))";

function ask(text) {
    return [
        { trigger: `${IDLE_COMPOSER} .o_ai_stream_chat_input`, run: `edit ${text}` },
        { trigger: ".o_ai_stream_chat_send:enabled", run: "click" },
    ];
}

// Driven by tests/test_tour.py, whose fake upstream answers the first question at once with a
// table and code, and the second one slowly enough to be stopped midway.
registry.category("web_tour.tours").add("ai_stream_chat_tour", {
    url: "/odoo/ai-chat",
    steps: () => [
        ...ask("Overdue invoices as a table, and the code"),
        { content: "the table streams in", trigger: `${ANSWER} table td:contains(Deco Addict)` },
        { content: "then the code", trigger: `${ANSWER}[data-state=done] .o_ai_stream_chat_code_language:contains(python)` },
        ...ask("Now a long story please"),
        { content: "the second answer starts", trigger: `${ANSWER}:eq(1) .o_ai_stream_chat_block` },
        { content: "stop it midway", trigger: ".o_ai_stream_chat_stop", run: "click" },
        { content: "kept as stopped", trigger: `${ANSWER}:eq(1)[data-state=stopped] .o_ai_stream_chat_block` },
        {
            content: "reload the page",
            trigger: IDLE_COMPOSER,
            run() {
                window.location.reload();
            },
            expectUnloadPage: true,
        },
        {
            content: "the conversation is in the history",
            trigger: ".o_ai_stream_chat_conversation:contains(Overdue invoices as a table) .o_ai_stream_chat_conversation_open",
            run: "click",
        },
        { content: "with both answers", trigger: `${ANSWER}:eq(0)[data-state=done] table td:contains(Deco Addict)` },
        { trigger: `${ANSWER}:eq(1)[data-state=stopped] .o_ai_stream_chat_badge` },
    ],
});
