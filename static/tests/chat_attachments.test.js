import { describe, expect, test } from "@odoo/hoot";
import {
    animationFrame,
    manuallyDispatchProgrammaticEvent,
    press,
    queryAllTexts,
    queryOne,
    setInputFiles,
    waitFor,
} from "@odoo/hoot-dom";
import { contains, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import {
    CONFIG,
    chip,
    makeFile,
    mockChatServer,
    storedMessage,
} from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

const COMPOSER_CHIP = ".o_ai_stream_chat_composer .o_ai_stream_chat_chip";

async function mountChat(context = {}) {
    await mountWithCleanup(ChatAction, { props: { action: { context } } });
}

async function type(text) {
    await contains(".o_ai_stream_chat_input").edit(text, { confirm: false });
}

/** Pick files with the paperclip. */
async function pickFiles(files) {
    await contains(".o_ai_stream_chat_attach").click();
    await setInputFiles(files);
}

/** @param {File[]} files */
function dataTransfer(files) {
    const transfer = new DataTransfer();
    for (const file of files) {
        transfer.items.add(file);
    }
    return transfer;
}

test("a picked file uploads with progress, then goes out with the message", async () => {
    const server = mockChatServer();
    await mountChat();
    await pickFiles([makeFile("hello", "notes.txt")]);
    await waitFor(`${COMPOSER_CHIP}[data-status=uploading]`);
    expect(".o_ai_stream_chat_chip_name").toHaveText("notes.txt");
    expect(".o_ai_stream_chat_chip_size").toHaveText("5 B");

    const upload = await server.upload("notes.txt");
    expect(upload.fields).toEqual({});
    expect(await upload.file.text()).toBe("hello");
    upload.progress(2, 5);
    await waitFor(".o_ai_stream_chat_chip_progress[aria-valuenow='40']");
    // No sending while a file uploads.
    await type("Summarize");
    expect(".o_ai_stream_chat_send").toHaveAttribute("disabled");

    upload.succeed({ id: 7, name: "notes.txt", size: 5, chars: 5, total_chars: 5 });
    await waitFor(`${COMPOSER_CHIP}[data-status=ready]`);
    expect(".o_ai_stream_chat_chip_progress").toHaveCount(0);
    expect(".o_ai_stream_chat_chip_truncated").toHaveCount(0);
    expect(".o_ai_stream_chat_send").not.toHaveAttribute("disabled");

    await contains(".o_ai_stream_chat_send").click();
    expect(COMPOSER_CHIP).toHaveCount(0);
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_name").toHaveText("notes.txt");
    // Read-only on the message.
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_remove").toHaveCount(0);
    const stream = await server.stream(0);
    expect(stream.fields).toEqual({ message: "Summarize", model: "model-a", attachment_ids: "7" });

    // What the model got: the text was cut.
    stream.start({
        conversationId: 3,
        attachments: [
            chip({ id: 7, name: "notes.txt", chars: 1000, total_chars: 12345, truncated: true }),
        ],
    });
    await waitFor(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_truncated");
    expect(".o_ai_stream_chat_chip_truncated").toHaveText(
        "Truncated to 1,000 of 12,345 characters"
    );
    stream.finish({ html: "<p>Done</p>" });
    await waitFor(".o_ai_stream_chat_regenerate");

    // Regenerate: the server keeps the question's attachments.
    await contains(".o_ai_stream_chat_regenerate").click();
    expect((await server.stream(1)).fields).toEqual({
        message: "Summarize",
        retry_of: "11",
        conversation_id: "3",
        model: "model-a",
    });
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_name").toHaveText("notes.txt");
});

test("files alone can be sent: the question says what is asked", async () => {
    const server = mockChatServer();
    await mountChat();
    expect(".o_ai_stream_chat_send").toHaveAttribute("disabled");
    await pickFiles([makeFile("hello", "notes.txt")]);
    (await server.upload("notes.txt")).succeed({ id: 7, name: "notes.txt", size: 5 });
    await waitFor(`${COMPOSER_CHIP}[data-status=ready]`);
    expect(".o_ai_stream_chat_send").not.toHaveAttribute("disabled");
    await contains(".o_ai_stream_chat_send").click();
    expect((await server.stream(0)).fields).toEqual({
        message: "Summarize this document.",
        model: "model-a",
        attachment_ids: "7",
    });
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_bubble").toHaveText(
        "Summarize this document."
    );
});

test("removing a chip while it uploads aborts the upload", async () => {
    const server = mockChatServer();
    await mountChat();
    await pickFiles([makeFile("x".repeat(50), "big.pdf", "application/pdf")]);
    const upload = await server.upload("big.pdf");
    await contains(".o_ai_stream_chat_chip_remove").click();
    expect(COMPOSER_CHIP).toHaveCount(0);
    expect(upload.xhr.aborted).toBe(true);
    // Focus stays in the composer.
    expect(".o_ai_stream_chat_input").toBeFocused();
    // An answer arriving anyway changes nothing.
    upload.succeed({ id: 3, name: "big.pdf" });
    await animationFrame();
    expect(COMPOSER_CHIP).toHaveCount(0);

    await type("Hi");
    expect(".o_ai_stream_chat_send").not.toHaveAttribute("disabled");
    await press("Enter");
    expect((await server.stream(0)).fields).toEqual({ message: "Hi", model: "model-a" });
});

test("removing an uploaded file deletes it on the server", async () => {
    const server = mockChatServer({ steps: true });
    await mountChat();
    expect.verifySteps(["chat_list"]);
    await pickFiles([makeFile("hello", "notes.txt")]);
    (await server.upload("notes.txt")).succeed({ id: 7, name: "notes.txt", size: 5 });
    await waitFor(`${COMPOSER_CHIP}[data-status=ready]`);
    await contains(".o_ai_stream_chat_chip_remove").click();
    expect(COMPOSER_CHIP).toHaveCount(0);
    await animationFrame();
    expect.verifySteps(["chat_discard_attachments 7"]);
});

test("too large or too many files are refused without a request", async () => {
    const server = mockChatServer({
        config: { ...CONFIG, max_file_bytes: 10, max_attachments: 2 },
    });
    await mountChat();
    await pickFiles([
        makeFile("12345", "a.txt"),
        makeFile("x".repeat(20), "b.txt"),
        makeFile("123", "c.txt"),
        makeFile("1", "d.txt"),
    ]);
    await waitFor(`${COMPOSER_CHIP}:contains(d.txt)`);
    expect(
        queryAllTexts(`${COMPOSER_CHIP}[data-status=error] .o_ai_stream_chat_chip_error`)
    ).toEqual([
        "This file is too large (20 B); the limit is 10 B.",
        "A message can have at most 2 attachments.",
    ]);
    await server.upload("a.txt");
    await server.upload("c.txt");
    expect(server.uploads.map((u) => u.file.name)).toEqual(["a.txt", "c.txt"]);
});

test("a refused file shows the server's reason; the text and the other files still go", async () => {
    const server = mockChatServer();
    await mountChat();
    await pickFiles([
        makeFile("%PDF-broken", "scan.pdf", "application/pdf"),
        makeFile("data", "ok.csv", "text/csv"),
        makeFile("huge", "huge.zip", "application/zip"),
    ]);
    (await server.upload("scan.pdf")).refuse(400, "This PDF has no text layer.");
    (await server.upload("ok.csv")).succeed({ id: 21, name: "ok.csv", size: 4 });
    (await server.upload("huge.zip")).refuse(
        413,
        "<!doctype html><html><body><h1>Request Entity Too Large</h1></body></html>",
        "text/html"
    );
    await waitFor(`${COMPOSER_CHIP}:contains(huge.zip)[data-status=error]`);
    await waitFor(`${COMPOSER_CHIP}:contains(ok.csv)[data-status=ready]`);
    expect(`${COMPOSER_CHIP}:contains(scan.pdf) .o_ai_stream_chat_chip_error`).toHaveText(
        "This PDF has no text layer."
    );
    expect(`${COMPOSER_CHIP}:contains(huge.zip) .o_ai_stream_chat_chip_error`).toHaveText(
        "This file is too large; the limit is 10 MB."
    );
    expect(`${COMPOSER_CHIP}:contains(scan.pdf)`).toHaveClass("o_ai_stream_chat_chip_failed");

    await type("Compare them");
    await press("Enter");
    expect((await server.stream(0)).fields).toEqual({
        message: "Compare them",
        model: "model-a",
        attachment_ids: "21",
    });
    // Chips in error are cleared with the others; only the sent file is on the message.
    expect(COMPOSER_CHIP).toHaveCount(0);
    expect(queryAllTexts(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_name")).toEqual([
        "ok.csv",
    ]);
});

test("pasted files are attached; pasted text is left to the textarea", async () => {
    const server = mockChatServer();
    await mountChat();
    const textarea = queryOne(".o_ai_stream_chat_input");

    const text = new DataTransfer();
    text.setData("text/plain", "just words");
    const [textPaste] = await manuallyDispatchProgrammaticEvent(textarea, "paste", {
        clipboardData: text,
        cancelable: true,
    });
    expect(textPaste.defaultPrevented).toBe(false);
    // Cells of a spreadsheet: text and a picture of it. The text is what the user wants.
    const cells = dataTransfer([makeFile("png", "cells.png", "image/png")]);
    cells.setData("text/plain", "A1\tB1");
    const [cellsPaste] = await manuallyDispatchProgrammaticEvent(textarea, "paste", {
        clipboardData: cells,
        cancelable: true,
    });
    expect(cellsPaste.defaultPrevented).toBe(false);
    expect(COMPOSER_CHIP).toHaveCount(0);

    const [filePaste] = await manuallyDispatchProgrammaticEvent(textarea, "paste", {
        clipboardData: dataTransfer([makeFile("png", "screenshot.png", "image/png")]),
        cancelable: true,
    });
    expect(filePaste.defaultPrevented).toBe(true);
    await waitFor(`${COMPOSER_CHIP}:contains(screenshot.png)`);
    await server.upload("screenshot.png");
});

test("files dropped on the chat are attached; a drop zone shows while dragging", async () => {
    const server = mockChatServer();
    await mountChat();
    const files = [makeFile("one", "one.txt"), makeFile("two", "two.txt")];
    const panel = queryOne(".o_ai_stream_chat_panel");
    await manuallyDispatchProgrammaticEvent(panel, "dragenter", {
        dataTransfer: dataTransfer(files),
    });
    await animationFrame();
    expect(".o_ai_stream_chat_dropzone").toHaveCount(1);
    expect(".o_ai_stream_chat_dropzone").toHaveText("Drop files to attach them");
    const [drop] = await manuallyDispatchProgrammaticEvent(panel, "drop", {
        dataTransfer: dataTransfer(files),
    });
    expect(drop.defaultPrevented).toBe(true);
    await animationFrame();
    expect(".o_ai_stream_chat_dropzone").toHaveCount(0);
    expect(queryAllTexts(`${COMPOSER_CHIP} .o_ai_stream_chat_chip_name`)).toEqual([
        "one.txt",
        "two.txt",
    ]);
    await server.upload("one.txt");
    await server.upload("two.txt");
});

test("a reopened conversation shows the files of its questions", async () => {
    mockChatServer({
        conversations: [{ id: 3, name: "Report", last_message_at: false, llm_model: "model-a" }],
        messages: {
            3: [
                storedMessage({
                    id: 30,
                    role: "user",
                    content: "Read this",
                    attachments: [
                        chip({
                            id: 7,
                            name: "report.pdf",
                            size: 2048,
                            mimetype: "application/pdf",
                            chars: 500,
                            total_chars: 1500,
                            truncated: true,
                        }),
                    ],
                }),
                storedMessage({
                    id: 31,
                    role: "assistant",
                    content: "Read.",
                    html: "<p>Read.</p>",
                }),
            ],
        },
    });
    await mountChat({ active_id: 3 });
    await waitFor(
        ".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_name:contains(report.pdf)"
    );
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_size").toHaveText("2 KB");
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_truncated").toHaveText(
        "Truncated to 500 of 1,500 characters"
    );
    expect(".o_ai_stream_chat_message_user .o_ai_stream_chat_chip_remove").toHaveCount(0);
    expect(".o_ai_stream_chat_message_assistant .o_ai_stream_chat_chip").toHaveCount(0);
});
