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
        {
            content: "then the code",
            trigger: `${ANSWER}[data-state=done] .o_ai_stream_chat_code_language:contains(python)`,
        },
        ...ask("Now a long story please"),
        { content: "the second answer starts", trigger: `${ANSWER}:eq(1) .o_ai_stream_chat_block` },
        { content: "stop it midway", trigger: ".o_ai_stream_chat_stop", run: "click" },
        {
            content: "kept as stopped",
            trigger: `${ANSWER}:eq(1)[data-state=stopped] .o_ai_stream_chat_block`,
        },
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
            trigger:
                ".o_ai_stream_chat_conversation:contains(Overdue invoices as a table) .o_ai_stream_chat_conversation_open",
            run: "click",
        },
        {
            content: "with both answers",
            trigger: `${ANSWER}:eq(0)[data-state=done] table td:contains(Deco Addict)`,
        },
        { trigger: `${ANSWER}:eq(1)[data-state=stopped] .o_ai_stream_chat_badge` },
        {
            content: "attach a file (as the paperclip's file picker would)",
            trigger: `${IDLE_COMPOSER} .o_ai_stream_chat_file_input:not(:visible)`,
            run() {
                const file = new File(["Delivery terms: 45 days, code word HERON."], "terms.txt", {
                    type: "text/plain",
                });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                this.anchor.files = transfer.files;
                this.anchor.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            content: "the file is uploaded",
            trigger:
                ".o_ai_stream_chat_composer .o_ai_stream_chat_chip[data-status=ready]:contains(terms.txt)",
        },
        ...ask("What does the file say?"),
        {
            content: "the question shows its file",
            trigger: ".o_ai_stream_chat_thread .o_ai_stream_chat_chip:contains(terms.txt)",
        },
        { content: "and is answered", trigger: `${ANSWER}:eq(2)[data-state=done]:contains(HERON)` },
    ],
});

// Driven by tests/test_tour.py, whose fake upstream answers slowly: a reload mid-answer
// reopens the conversation (it is in the URL) and the answer goes on to its last word.
registry.category("web_tour.tours").add("ai_stream_chat_reload_tour", {
    url: "/odoo/ai-chat",
    steps: () => [
        ...ask("Count to forty"),
        {
            content: "the answer starts",
            trigger: `${ANSWER}[data-state=streaming] .o_ai_stream_chat_block:contains(word1 )`,
        },
        {
            content: "reload mid-answer",
            trigger: `${ANSWER}[data-state=streaming]`,
            run() {
                window.location.reload();
            },
            expectUnloadPage: true,
        },
        {
            content: "reopened, still being written",
            trigger: `${ANSWER}[data-state=streaming] .o_ai_stream_chat_block`,
        },
        {
            content: "to its last word",
            trigger: `${ANSWER}[data-state=done] .o_ai_stream_chat_block:contains(word39 end)`,
        },
    ],
});

// Driven by tests/test_tour.py on a contact's form: the gear menu's Ask AI attaches it.
registry.category("web_tour.tours").add("ai_stream_chat_ask_record_tour", {
    steps: () => [
        {
            content: "open the gear menu",
            trigger: ".o_form_view .o_cp_action_menus button.dropdown-toggle",
            run: "click",
        },
        { content: "Ask AI", trigger: ".o_ai_stream_chat_ask_ai", run: "click" },
        {
            content: "the record is attached",
            trigger:
                ".o_ai_stream_chat_window .o_ai_stream_chat_chip_record[data-status=ready]:contains(Nordwind Traders)",
        },
        ...ask("Which city is this customer in?"),
        {
            content: "answered",
            trigger: `.o_ai_stream_chat_window ${ANSWER}[data-state=done]:contains(Lübeck)`,
        },
    ],
});

// Driven by tests/test_tour.py: the fake upstream proposes to move a contact to Bruges, then
// says it is done once the change's result comes back.
registry.category("web_tour.tours").add("ai_stream_chat_proposal_tour", {
    url: "/odoo/ai-chat",
    steps: () => [
        ...ask("Move Nordwind Traders to Bruges"),
        {
            content: "the change is shown, field by field",
            trigger: ".o_ai_stream_chat_proposal[data-status=pending] ins:contains(Bruges)",
        },
        { content: "approve it", trigger: ".o_ai_stream_chat_approve", run: "click" },
        {
            content: "it is done",
            trigger: ".o_ai_stream_chat_proposal[data-status=done]:contains(Updated Nordwind)",
        },
        {
            content: "and the answer goes on",
            trigger: `${ANSWER}[data-state=done] .o_ai_stream_chat_block:contains(now in Bruges)`,
        },
    ],
});
