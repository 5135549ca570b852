import { describe, expect, test } from "@odoo/hoot";

import { SSEParser } from "@ai_stream_chat/services/sse_parser";

describe.current.tags("headless");

/**
 * @param {string[]} chunks
 * @returns {{id: string, event: string, data: string}[]}
 */
function parse(chunks) {
    const events = [];
    const parser = new SSEParser((event) => events.push(event));
    for (const chunk of chunks) {
        parser.push(chunk);
    }
    parser.end();
    return events;
}

// What the server sends (docs/wire-contract.md), with a heartbeat and non-ASCII text.
const SAMPLE =
    'id: 1\nevent: start\ndata: {"conversation_id":3,"message_id":8}\n\n' +
    ": ping\n\n" +
    'id: 2\nevent: delta\ndata: {"content":"Héllo 🌍"}\n\n' +
    'id: 3\nevent: done\ndata: {"message_id":8,"state":"done"}\n\n';

const SAMPLE_EVENTS = [
    { id: "1", event: "start", data: '{"conversation_id":3,"message_id":8}' },
    { id: "2", event: "delta", data: '{"content":"Héllo 🌍"}' },
    { id: "3", event: "done", data: '{"message_id":8,"state":"done"}' },
];

test("parses a whole stream read at once", () => {
    expect(parse([SAMPLE])).toEqual(SAMPLE_EVENTS);
});

test("gives the same events however the text is split in two or three reads", () => {
    const mismatches = [];
    for (let i = 0; i <= SAMPLE.length; i++) {
        for (let j = i; j <= SAMPLE.length; j++) {
            const chunks = [SAMPLE.slice(0, i), SAMPLE.slice(i, j), SAMPLE.slice(j)];
            if (JSON.stringify(parse(chunks)) !== JSON.stringify(SAMPLE_EVENTS)) {
                mismatches.push([i, j]);
            }
        }
    }
    expect(mismatches).toEqual([]);
});

test("gives the same events when read one character at a time", () => {
    expect(parse([...SAMPLE])).toEqual(SAMPLE_EVENTS);
});

test("dispatches each complete event before push returns", () => {
    const events = [];
    const parser = new SSEParser(({ event }) => events.push(event));
    parser.push("event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: c\nda");
    expect(events).toEqual(["a", "b"]);
    parser.push("ta: 3\n");
    expect(events).toEqual(["a", "b"]);
    parser.push("\n");
    expect(events).toEqual(["a", "b", "c"]);
});

test("accepts \\r\\n and \\r line endings", () => {
    expect(parse(["id: 1\r\nevent: delta\r\ndata: x\r\n\r\nevent: e\rdata: y\r\r"])).toEqual([
        { id: "1", event: "delta", data: "x" },
        { id: "1", event: "e", data: "y" },
    ]);
});

test("a \\r ending one read and a \\n starting the next are one line ending", () => {
    expect(parse(["data: a\r", "\ndata: b\r", "\n\r", "\n"])).toEqual([
        { id: "", event: "message", data: "a\nb" },
    ]);
    // whereas a lone \r followed by a new line is its own line ending
    expect(parse(["data: a\r", "\r", "data: b\n\n"])).toEqual([
        { id: "", event: "message", data: "a" },
        { id: "", event: "message", data: "b" },
    ]);
});

test("ignores comment lines", () => {
    expect(parse([": ping\n\n:\n: another\ndata: x\n: inside an event\n\n: ping\n\n"])).toEqual([
        { id: "", event: "message", data: "x" },
    ]);
});

test("joins multi-line data with \\n", () => {
    expect(parse(["data: line 1\ndata:line 2\ndata\ndata:  two spaces\n\n"])).toEqual([
        { id: "", event: "message", data: "line 1\nline 2\n\n two spaces" },
    ]);
});

test("fields: one optional space, no colon, default event name, unknown fields", () => {
    expect(parse(["event:delta\nfoo: bar\ndata:x\n\ndata\n\nevent\ndata: y\n\n"])).toEqual([
        { id: "", event: "delta", data: "x" },
        { id: "", event: "message", data: "" },
        { id: "", event: "message", data: "y" },
    ]);
});

test("keeps the last event id until another id field changes it", () => {
    expect(parse(["id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\nid: x\0y\ndata: d\n\n"])).toEqual([
        { id: "7", event: "message", data: "a" },
        { id: "7", event: "message", data: "b" },
        { id: "", event: "message", data: "c" },
        { id: "", event: "message", data: "d" },
    ]);
});

test("an event without data is not dispatched and its type does not leak", () => {
    expect(parse(["event: lonely\n\ndata: x\n\n"])).toEqual([
        { id: "", event: "message", data: "x" },
    ]);
});

test("reads retry and skips a leading byte order mark", () => {
    const events = [];
    const parser = new SSEParser((event) => events.push(event));
    parser.push("\uFEFFretry: 1500\nretry: soon\ndata: x\n\n");
    expect(parser.retry).toBe(1500);
    expect(events).toEqual([{ id: "", event: "message", data: "x" }]);
});

test("end drops an event that lacks its blank line", () => {
    const events = [];
    const parser = new SSEParser((event) => events.push(event));
    parser.push("data: complete\n\ndata: incomplete\n");
    expect(parser.end()).toBe(true);
    expect(events).toEqual([{ id: "", event: "message", data: "complete" }]);
    expect(parser.end()).toBe(false);
});

test("long lines split over many reads", () => {
    const long = "x".repeat(100000);
    const text = `data: ${long}\n\n`;
    const chunks = [];
    for (let i = 0; i < text.length; i += 97) {
        chunks.push(text.slice(i, i + 97));
    }
    expect(parse(chunks)).toEqual([{ id: "", event: "message", data: long }]);
});
