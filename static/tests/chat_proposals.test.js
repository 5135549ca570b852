import { describe, expect, test } from "@odoo/hoot";
import { press, waitFor, waitUntil } from "@odoo/hoot-dom";
import { Deferred } from "@odoo/hoot-mock";
import { contains, mountWithCleanup } from "@web/../tests/web_test_helpers";

import { ChatAction } from "@ai_stream_chat/chat_action/chat_action";
import { mockChatServer } from "./ai_stream_chat_test_helpers";

describe.current.tags("desktop");

const CALL = {
    id: "call_1",
    name: "update_record",
    arguments: { model: "res.partner", id: 7, values: { city: "Bruges" } },
};
const PROPOSAL = {
    id: 41,
    operation: "update",
    model: "res.partner",
    model_name: "Contact",
    record_id: 7,
    record_name: "Azure <b>Interior</b>",
    fields: [{ name: "city", label: "City", old: "Ghent", new: "Bruges" }],
    body: "",
    kind: "",
    state: "pending",
    outcome: "",
};

/** The chat, a question sent, and its answer proposing PROPOSAL: the stream, still open. */
async function proposed(server, proposal = PROPOSAL) {
    await mountWithCleanup(ChatAction, { props: { action: { context: {} } } });
    await contains(".o_ai_stream_chat_input").edit("Move them to Bruges", { confirm: false });
    await press("Enter");
    const stream = await server.stream(0);
    stream.start();
    stream.send("tool", { ...CALL, state: "running", summary: "" });
    stream.send("tool", {
        ...CALL,
        state: "needs_approval",
        summary: "Update Azure Interior",
        proposal,
    });
    await waitFor(".o_ai_stream_chat_proposal");
    return stream;
}

test("a proposed change shows exactly what changes, and nothing runs until approved", async () => {
    const server = mockChatServer();
    const answered = new Deferred();
    server.decideAnswer = () => answered;
    const stream = await proposed(server);
    expect(".o_ai_stream_chat_proposal header").toHaveText(
        /Update Contact\s*Azure <b>Interior<\/b>/
    );
    expect(".o_ai_stream_chat_proposal b").toHaveCount(0); // names are text, never HTML
    expect(".o_ai_stream_chat_proposal_target").toHaveText("res.partner #7");
    expect(".o_ai_stream_chat_proposal_fields tbody tr").toHaveText(/City\s*Ghent\s*Bruges/);
    expect(".o_ai_stream_chat_proposal_fields del").toHaveText("Ghent");
    expect(".o_ai_stream_chat_proposal_fields ins").toHaveText("Bruges");
    expect(".o_ai_stream_chat_tool_step").toHaveAttribute("data-state", "needs_approval");
    expect(".o_ai_stream_chat_typing").toHaveCount(0); // it waits for the user, not the model
    expect(server.decisions).toEqual([]);

    await contains(".o_ai_stream_chat_approve").click();
    expect(server.decisions).toEqual(["41 approve"]);
    expect(".o_ai_stream_chat_approve").toHaveAttribute("disabled"); // no second click
    answered.resolve({ ...PROPOSAL, state: "done", outcome: "Updated Azure Interior" });
    await waitFor(".o_ai_stream_chat_proposal_status:contains(Updated Azure Interior)");
    expect(".o_ai_stream_chat_approve").toHaveCount(0);

    const outcome = { ...PROPOSAL, state: "done", outcome: "Updated Azure Interior" };
    stream.send("tool", { ...CALL, state: "done", summary: outcome.outcome, proposal: outcome });
    stream.render(0, ["<p>Done: they are in Bruges now.</p>"]);
    stream.finish();
    await waitFor(".o_ai_stream_chat_block:contains(Bruges now)");
    expect(".o_ai_stream_chat_proposal").toHaveAttribute("data-status", "done");
    expect(".o_ai_stream_chat_tool_step > button .fa-check").toHaveCount(1);
});

test("a rejected change says nothing was changed", async () => {
    const server = mockChatServer();
    await proposed(server);
    await contains(".o_ai_stream_chat_reject").click();
    await waitFor(".o_ai_stream_chat_proposal[data-status=rejected]");
    expect(server.decisions).toEqual(["41 reject"]);
    expect(".o_ai_stream_chat_proposal_status").toHaveText("Rejected: nothing was changed.");
});

test("a proposal still waiting when its answer ends has expired", async () => {
    const server = mockChatServer();
    const stream = await proposed(server);
    stream.send("error", { code: "deadline", message: "The answer took too long." });
    stream.finish({ state: "error" });
    await waitFor(".o_ai_stream_chat_proposal[data-status=expired]");
    expect(".o_ai_stream_chat_approve").toHaveCount(0);
    expect(".o_ai_stream_chat_tool_step").toHaveAttribute("data-state", "expired");
    expect(".o_ai_stream_chat_proposal_status").toHaveText("Expired: nothing was changed.");
});

test("a refused decision says why, and the buttons stay", async () => {
    const server = mockChatServer();
    server.decideAnswer = () =>
        new Response("Proposal not found.", {
            status: 404,
            headers: { "Content-Type": "text/plain; charset=utf-8" },
        });
    await proposed(server);
    await contains(".o_ai_stream_chat_approve").click();
    await waitUntil(() => document.querySelector(".o_ai_stream_chat_proposal [role=alert]"));
    expect(".o_ai_stream_chat_proposal [role=alert]").toHaveText("Proposal not found.");
    expect(".o_ai_stream_chat_approve").not.toHaveAttribute("disabled");
});

test("a note to post shows its text", async () => {
    const server = mockChatServer();
    await proposed(server, {
        ...PROPOSAL,
        operation: "post",
        kind: "note",
        fields: [],
        body: "Called them:\nthey agree.",
    });
    expect(".o_ai_stream_chat_proposal header").toHaveText(/Log a note on Contact/);
    expect(".o_ai_stream_chat_proposal_body").toHaveText("Called them:\nthey agree.");
    expect(".o_ai_stream_chat_proposal_fields").toHaveCount(0);
});
