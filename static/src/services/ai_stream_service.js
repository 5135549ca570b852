// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * Client of the answer routes (docs/wire-contract.md): `POST /ai/stream_chat` asks and streams,
 * `GET /ai/stream_chat/resume` follows an answer from where it is, `POST /ai/stream_chat/stop`
 * stops it, `POST /ai/stream_chat/decide` approves or rejects a change it proposed. Streams
 * are read with a reader, each event handed over as it arrives.
 *
 * Network goes through `browser.fetch` so Hoot's `mockFetch` can stand in for the server.
 */
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { SSEParser } from "./sse_parser";

export const STREAM_ROUTE = "/ai/stream_chat";
export const RESUME_ROUTE = "/ai/stream_chat/resume";
export const STOP_ROUTE = "/ai/stream_chat/stop";
export const DECIDE_ROUTE = "/ai/stream_chat/decide";
/** Longest server reason kept in a StreamHttpError message. */
export const MAX_REASON_LENGTH = 300;

/** No valid session: the server redirected to the login page. */
export class SessionExpiredError extends Error {
    constructor(message = "Your session has expired. Please log in again.") {
        super(message);
        this.name = "SessionExpiredError";
    }
}

/**
 * The server refused the request before streaming (4xx/5xx); `message` is its reason, "" when
 * it gave none (the caller then words it from `status`).
 */
export class StreamHttpError extends Error {
    /**
     * @param {number} status
     * @param {string} message
     */
    constructor(status, message) {
        super(message);
        this.name = "StreamHttpError";
        this.status = status;
    }
}

/** The stream stopped (body ended or network failed) before its `done` event. */
export class StreamInterruptedError extends Error {
    /**
     * @param {string} message
     * @param {{ lastEventId?: string | null, cause?: unknown }} [options]
     */
    constructor(message, { lastEventId = null, cause } = {}) {
        super(message, cause === undefined ? undefined : { cause });
        this.name = "StreamInterruptedError";
        this.lastEventId = lastEventId;
    }
}

/**
 * @param {Record<string, unknown>} fields undefined and null values are left out
 * @param {string} [csrfToken]
 * @returns {FormData}
 */
export function buildFormData(fields, csrfToken) {
    const formData = new FormData();
    for (const [name, value] of Object.entries(fields || {})) {
        if (value !== undefined && value !== null) {
            formData.append(name, Array.isArray(value) ? value.join(",") : String(value));
        }
    }
    if (csrfToken) {
        formData.append("csrf_token", csrfToken);
    }
    return formData;
}

/**
 * @param {Response} response
 * @returns {boolean} whether the response means "no session" (login redirect or login page)
 */
export function isSessionExpired(response) {
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        return true;
    }
    if (response.redirected && /\/web\/login\b/.test(response.url || "")) {
        return true;
    }
    const contentType = response.headers.get("Content-Type") || "";
    return response.ok && !contentType.toLowerCase().startsWith("text/event-stream");
}

/**
 * Short human reason from an error body: plain text as is, the text of an HTML error page.
 *
 * @param {string} body
 * @param {string} [contentType]
 * @returns {string}
 */
export function extractReason(body, contentType = "") {
    let text = body || "";
    if (/html/i.test(contentType)) {
        const doc = new DOMParser().parseFromString(text, "text/html");
        const paragraphs = [...doc.querySelectorAll("p")].map((p) => p.textContent);
        text = paragraphs.length ? paragraphs.join(" ") : doc.body?.textContent || "";
    }
    text = text.replace(/\s+/g, " ").trim();
    return text.length > MAX_REASON_LENGTH ? text.slice(0, MAX_REASON_LENGTH - 1) + "…" : text;
}

/**
 * @param {AbortSignal} signal
 * @returns {Error} the signal's reason when it is an AbortError, else a new AbortError
 */
function abortError(signal) {
    const reason = signal.reason;
    return reason instanceof Error && reason.name === "AbortError"
        ? reason
        : new DOMException("The stream was aborted.", "AbortError");
}

/**
 * Request an event stream: resolves with the response once it is known to be one.
 *
 * @param {string} url
 * @param {RequestInit} init
 * @param {AbortSignal} [signal]
 * @returns {Promise<Response>}
 * @throws {SessionExpiredError} no session (redirect to the login page)
 * @throws {StreamHttpError} refused before streaming (`status`, `message` = server's reason)
 * @throws {StreamInterruptedError} the server could not be reached
 */
async function openStream(url, init, signal) {
    if (signal?.aborted) {
        throw abortError(signal);
    }
    let response;
    try {
        response = await browser.fetch(url, {
            ...init,
            headers: { Accept: "text/event-stream" },
            credentials: "same-origin",
            redirect: "manual",
            signal,
        });
    } catch (error) {
        if (signal?.aborted) {
            throw abortError(signal);
        }
        throw error?.name === "AbortError"
            ? error
            : new StreamInterruptedError("Could not reach the server.", { cause: error });
    }
    if (isSessionExpired(response)) {
        throw new SessionExpiredError();
    }
    if (!response.ok) {
        throw await refusal(response, signal);
    }
    if (!response.body) {
        throw new StreamInterruptedError("The server sent an empty answer.");
    }
    return response;
}

/**
 * @param {Response} response a refusal (not 2xx)
 * @param {AbortSignal} [signal]
 * @returns {Promise<StreamHttpError>} with the server's reason, when its body can be read
 */
async function refusal(response, signal) {
    let body = "";
    try {
        body = await response.text();
    } catch {
        if (signal?.aborted) {
            throw abortError(signal);
        }
    }
    const contentType = response.headers.get("Content-Type") || "";
    return new StreamHttpError(response.status, extractReason(body, contentType));
}

/**
 * Read an event stream to its `done` event.
 *
 * @param {Response} response
 * @param {Object} [options]
 * @param {(name: string, data: any, id: string) => void} [options.onEvent] called for every
 *      event in order, with its JSON-parsed data and its SSE id (a string, as in EventSource);
 *      an event whose data is not JSON is skipped with a warning
 * @param {AbortSignal} [options.signal] aborting rejects with an AbortError and cancels the read
 * @returns {Promise<{lastEventId: string | null, done: Object}>}
 * @throws {StreamInterruptedError} network failure or end of body before `done`, with the id
 *      of the last event read (to resume from)
 */
async function readEvents(response, { onEvent, signal } = {}) {
    const reader = response.body.getReader();
    const onAbort = () => reader.cancel().catch(() => {});
    signal?.addEventListener("abort", onAbort, { once: true });
    const seen = { lastEventId: null, done: null };
    const decoder = new TextDecoder();
    const parser = eventParser(seen, onEvent, signal);
    try {
        while (!seen.done) {
            const chunk = await nextChunk(reader, signal, seen.lastEventId);
            if (chunk.done) {
                parser.push(decoder.decode());
                parser.end();
                break;
            }
            parser.push(decoder.decode(chunk.value, { stream: true }));
        }
        if (!seen.done) {
            throw new StreamInterruptedError("The answer stopped before it was complete.", {
                lastEventId: seen.lastEventId,
            });
        }
        return { lastEventId: seen.lastEventId, done: seen.done };
    } finally {
        signal?.removeEventListener("abort", onAbort);
        // Release the connection: after `done`, on any error, or when `onEvent` threw.
        reader.cancel().catch(() => {});
    }
}

/**
 * An SSE parser handing each JSON event to `onEvent`, and noting in `seen` the last event id
 * and the `done` payload; nothing is handed over after `done` or once aborted.
 */
function eventParser(seen, onEvent, signal) {
    return new SSEParser(({ id, event, data }) => {
        if (seen.done || signal?.aborted) {
            return;
        }
        seen.lastEventId = id;
        let payload;
        try {
            payload = JSON.parse(data);
        } catch {
            console.warn(`ai_stream_chat: event "${event}" (id ${id}) skipped: data is not JSON`);
            return;
        }
        if (event === "done") {
            seen.done = payload;
        }
        onEvent?.(event, payload, id);
    });
}

/** The body's next chunk; a connection lost meanwhile is a StreamInterruptedError. */
async function nextChunk(reader, signal, lastEventId) {
    let chunk;
    try {
        chunk = await reader.read();
    } catch (error) {
        if (signal?.aborted) {
            throw abortError(signal);
        }
        throw new StreamInterruptedError("The connection was lost during the answer.", {
            lastEventId,
            cause: error,
        });
    }
    if (signal?.aborted) {
        throw abortError(signal);
    }
    return chunk;
}

/**
 * Post a chat message and stream the answer (`start`, then its events to `done`).
 *
 * @param {{message: string, conversation_id?: number, model?: string, retry_of?: number,
 *          attachment_ids?: number[]}} fields form fields; undefined/null ones are not sent
 * @param {{onEvent?: Function, signal?: AbortSignal}} [options] as for readEvents
 */
export async function streamChat(fields, { onEvent, signal } = {}) {
    const init = { method: "POST", body: buildFormData(fields, odoo.csrf_token) };
    return readEvents(await openStream(STREAM_ROUTE, init, signal), { onEvent, signal });
}

/**
 * Follow an answer from where it is (`sync`, then its events to `done`), wherever the server
 * generates it.
 *
 * @param {number} messageId
 * @param {{onEvent?: Function, signal?: AbortSignal, lastEventId?: string | null}} [options]
 */
export async function resumeAnswer(messageId, { onEvent, signal, lastEventId = null } = {}) {
    const params = new URLSearchParams({ message_id: String(messageId) });
    if (lastEventId) {
        params.set("last_event_id", lastEventId);
    }
    const response = await openStream(`${RESUME_ROUTE}?${params}`, { method: "GET" }, signal);
    return readEvents(response, { onEvent, signal });
}

/**
 * Ask the server to stop an answer; its viewers then receive `done` with state `stopped`.
 *
 * @param {number} messageId
 * @returns {Promise<boolean>} false when the answer had ended already
 */
export async function stopAnswer(messageId) {
    return Boolean((await postForm(STOP_ROUTE, { message_id: messageId })).stopping);
}

/**
 * Approve or reject a change an answer proposed; the answer then goes on with the outcome.
 *
 * @param {number} proposalId
 * @param {"approve" | "reject"} decision
 * @returns {Promise<Object>} the proposal as it is now (`state`, `outcome`, ...)
 */
export async function decideProposal(proposalId, decision) {
    return postForm(DECIDE_ROUTE, { proposal_id: proposalId, decision });
}

/** POST form fields with the CSRF token; the JSON answer. */
async function postForm(url, fields) {
    const response = await browser.fetch(url, {
        method: "POST",
        body: buildFormData(fields, odoo.csrf_token),
        credentials: "same-origin",
        redirect: "manual",
    });
    if (response.type === "opaqueredirect" || (response.status >= 300 && response.status < 400)) {
        throw new SessionExpiredError();
    }
    if (!response.ok) {
        throw new StreamHttpError(response.status, extractReason(await response.text()));
    }
    return response.json();
}

export const aiStreamService = {
    start() {
        return {
            stream: streamChat,
            resume: resumeAnswer,
            stop: stopAnswer,
            decide: decideProposal,
        };
    },
};

registry.category("services").add("ai_stream_chat.stream", aiStreamService);
