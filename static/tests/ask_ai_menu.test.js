import { describe, expect, test } from "@odoo/hoot";
import { queryAll, waitFor } from "@odoo/hoot-dom";
import {
    contains,
    defineModels,
    fields,
    makeServerError,
    models,
    mountView,
    mountWithCleanup,
} from "@web/../tests/web_test_helpers";

import { ChatSystray } from "@ai_stream_chat/chat_systray/chat_systray";
import { CONFIG, chip, mockChatServer } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

class Partner extends models.Model {
    name = fields.Char();
    _records = [{ id: 4, name: "Azure Interior" }];
}

defineModels([Partner]);

const RECORD_CHIP = ".o_ai_stream_chat_composer .o_ai_stream_chat_chip_record";

async function openCogMenu() {
    await contains(".o_cp_action_menus button:has(.fa-cog)").click();
}

test("Ask AI on a saved record opens the systray chat with the record attached", async () => {
    const server = mockChatServer({ steps: true });
    server.attachRecord = ({ args, kwargs }) =>
        kwargs.with_attachments
            ? [
                  chip({
                      id: 92,
                      name: "Azure Interior",
                      kind: "record",
                      record: { has_chatter: true },
                  }),
                  chip({ id: 93, name: "contract.pdf", mimetype: "application/pdf" }),
              ]
            : [
                  chip({
                      id: 90,
                      name: "Azure Interior.md",
                      kind: "record",
                      record: { has_chatter: true },
                  }),
              ];
    await mountWithCleanup(ChatSystray);
    await mountView({
        type: "form",
        resModel: "partner",
        resId: 4,
        arch: `<form><field name="name"/></form>`,
    });
    await openCogMenu();
    await contains(".o_ai_stream_chat_ask_ai").click();

    await waitFor(`.o_ai_stream_chat_window ${RECORD_CHIP}:contains(Azure Interior)`);
    // The snapshot is a markdown file to the model; the chip names the record.
    expect(`${RECORD_CHIP} .o_ai_stream_chat_chip_name`).toHaveText("Azure Interior");
    expect.verifySteps([
        "chat_list",
        'chat_attach_record partner 4 {"with_messages":false,"with_attachments":false}',
    ]);
    expect(".o_ai_stream_chat_systray_button").toHaveAttribute("aria-expanded", "true");
    expect(".o_ai_stream_chat_chip_messages").not.toBeChecked();
    expect(".o_ai_stream_chat_chip_files").not.toBeChecked();

    // Include files: asked again, the record's chips are replaced (the old snapshot deleted).
    await contains(".o_ai_stream_chat_chip_files").click();
    await waitFor(".o_ai_stream_chat_composer .o_ai_stream_chat_chip:contains(contract.pdf)");
    expect.verifySteps([
        "chat_discard_attachments 90",
        'chat_attach_record partner 4 {"with_messages":false,"with_attachments":true}',
    ]);
    expect(".o_ai_stream_chat_composer .o_ai_stream_chat_chip").toHaveCount(2);
    expect(".o_ai_stream_chat_chip_files").toBeChecked();

    // Sent with the message.
    await contains(".o_ai_stream_chat_window .o_ai_stream_chat_input").edit("Summarize", {
        confirm: false,
    });
    await contains(".o_ai_stream_chat_window .o_ai_stream_chat_send").click();
    expect((await server.stream(0)).fields).toEqual({
        message: "Summarize",
        model: "model-a",
        attachment_ids: "92,93",
    });
});

test("a record's files over the per-message limit are refused on their chips", async () => {
    const server = mockChatServer({ config: { ...CONFIG, max_attachments: 2 }, steps: true });
    server.attachRecord = () => [
        chip({ id: 90, name: "Azure Interior", kind: "record" }),
        chip({ id: 91, name: "a.pdf" }),
        chip({ id: 92, name: "b.pdf" }),
    ];
    await mountWithCleanup(ChatSystray);
    await mountView({
        type: "form",
        resModel: "partner",
        resId: 4,
        arch: `<form><field name="name"/></form>`,
    });
    await openCogMenu();
    await contains(".o_ai_stream_chat_ask_ai").click();
    await waitFor(".o_ai_stream_chat_composer .o_ai_stream_chat_chip_failed:contains(b.pdf)");
    expect(".o_ai_stream_chat_chip_failed .o_ai_stream_chat_chip_error").toHaveText(
        "A message can have at most 2 attachments."
    );
    expect(".o_ai_stream_chat_composer .o_ai_stream_chat_chip[data-status=ready]").toHaveCount(2);
    // No chatter on this model: no "Include messages" switch, files can still be asked for.
    expect(".o_ai_stream_chat_chip_messages").toHaveCount(0);
    expect(".o_ai_stream_chat_chip_files").toHaveCount(1);
    expect.verifySteps([
        "chat_list",
        'chat_attach_record partner 4 {"with_messages":false,"with_attachments":false}',
        "chat_discard_attachments 92",
    ]);
});

test("Ask AI is not offered on a new record", async () => {
    mockChatServer();
    await mountView({
        type: "form",
        resModel: "partner",
        arch: `<form><field name="name"/></form>`,
    });
    // No item at all may leave the gear menu out.
    if (queryAll(".o_cp_action_menus button:has(.fa-cog)").length) {
        await openCogMenu();
    }
    expect(".o_ai_stream_chat_ask_ai").toHaveCount(0);
});

test("a record the user cannot read shows the reason on its chip", async () => {
    const server = mockChatServer();
    server.attachRecord = () => {
        throw makeServerError({
            type: "AccessError",
            description: "You may not read this record.",
        });
    };
    await mountWithCleanup(ChatSystray);
    await mountView({
        type: "form",
        resModel: "partner",
        resId: 4,
        arch: `<form><field name="name"/></form>`,
    });
    await openCogMenu();
    await contains(".o_ai_stream_chat_ask_ai").click();
    await waitFor(`${RECORD_CHIP}[data-status=error]`);
    expect(`${RECORD_CHIP} .o_ai_stream_chat_chip_error`).toHaveText(
        "You may not read this record."
    );
    expect(".o_error_dialog").toHaveCount(0);
    // Removed like any chip.
    await contains(`${RECORD_CHIP} .o_ai_stream_chat_chip_remove`).click();
    expect(".o_ai_stream_chat_chip").toHaveCount(0);
});
