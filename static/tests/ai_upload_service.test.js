import { expect, test } from "@odoo/hoot";
import { Deferred } from "@odoo/hoot-mock";
import { getService, makeMockEnv, onRpc } from "@web/../tests/web_test_helpers";

import { SessionExpiredError } from "@ai_stream_chat/services/ai_stream_service";
import { UPLOAD_ROUTE, UploadHttpError } from "@ai_stream_chat/services/ai_upload_service";
import { chip, makeFile } from "./ai_stream_chat_test_helpers";

/** Answer the upload route with `response`; resolves with the form fields sent. */
function mockUpload(response) {
    const sent = new Deferred();
    onRpc(
        UPLOAD_ROUTE,
        async (request) => {
            const formData = await request.formData();
            sent.resolve({
                csrf: formData.get("csrf_token"),
                fields: [...formData.keys()],
                file: formData.get("file"),
            });
            return response;
        },
        { pure: true }
    );
    return sent;
}

test("sends the file and the CSRF token; answers the chip", async () => {
    const sent = mockUpload(new Response(JSON.stringify(chip({ id: 5, name: "a.txt" }))));
    await makeMockEnv();
    const result = await getService("ai_stream_chat.upload").upload(makeFile("abc", "a.txt"));
    expect(result).toEqual(chip({ id: 5, name: "a.txt" }));
    const { csrf, fields, file } = await sent;
    expect(csrf).toBe(odoo.csrf_token);
    expect(fields).toEqual(["csrf_token", "file"]);
    expect(file.name).toBe("a.txt");
    expect(await file.text()).toBe("abc");
});

test("a refusal rejects with the server's reason", async () => {
    mockUpload(new Response("Unsupported file type.", { status: 400 }));
    await makeMockEnv();
    const { upload } = getService("ai_stream_chat.upload");
    await expect(upload(makeFile("x", "x.bin"))).rejects.toThrow(UploadHttpError);
    await expect(upload(makeFile("x", "x.bin"))).rejects.toThrow("Unsupported file type.");
});

test("a 413 error page gives no reason", async () => {
    mockUpload(
        new Response("<html><body><h1>Request Entity Too Large</h1></body></html>", { status: 413 })
    );
    await makeMockEnv();
    const error = await getService("ai_stream_chat.upload")
        .upload(makeFile("x", "x.bin"))
        .catch((e) => e);
    expect(error).toBeInstanceOf(UploadHttpError);
    expect(error.status).toBe(413);
    expect(error.message).toBe("");
});

test("the login page instead of a chip means the session expired", async () => {
    mockUpload(
        new Response("<!DOCTYPE html><html><body><form class='oe_login_form'/></body></html>")
    );
    await makeMockEnv();
    await expect(getService("ai_stream_chat.upload").upload(makeFile("x"))).rejects.toThrow(
        SessionExpiredError
    );
});

test("an aborted signal sends nothing", async () => {
    onRpc(UPLOAD_ROUTE, () => expect.step("sent"), { pure: true });
    await makeMockEnv();
    const controller = new AbortController();
    controller.abort();
    const error = await getService("ai_stream_chat.upload")
        .upload(makeFile("x"), { signal: controller.signal })
        .catch((e) => e);
    expect(error.name).toBe("AbortError");
    expect.verifySteps([]);
});
