// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * Client of `POST /ai/stream_chat` (wire contract: design, section 2): sends the form, reads the
 * `text/event-stream` answer with a reader and hands each event over as it arrives.
 *
 * Network goes through `browser.fetch` so Hoot's `mockFetch` can stand in for the server.
 */
import { browser } from "@web/core/browser/browser";
import { registry } from "@web/core/registry";
import { SSEParser } from "./sse_parser";

export const STREAM_ROUTE = "/ai/stream_chat";
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
 * Post a chat message and stream the answer.
 *
 * @param {{message: string, conversation_id?: number, model?: string, retry_of?: number,
 *          attachment_ids?: number[]}} fields form fields; undefined/null ones are not sent
 * @param {Object} [options]
 * @param {(name: string, data: any, id: string) => void} [options.onEvent] called for every
 *      event in order, with its JSON-parsed data and its SSE id (a string, as in EventSource);
 *      an event whose data is not JSON is skipped with a warning
 * @param {AbortSignal} [options.signal] aborting rejects with an AbortError and cancels the read
 * @returns {Promise<{lastEventId: string | null, done: Object | null}>} `done` holds the data
 *      of the `done` event
 * @throws {SessionExpiredError} no session (redirect to the login page)
 * @throws {StreamHttpError} refused before streaming (`status`, `message` = server's reason)
 * @throws {StreamInterruptedError} network failure or end of body before the `done` event
 */
export async function streamChat(fields, { onEvent, signal } = {}) {
    if (signal?.aborted) {
        throw abortError(signal);
    }
    let reader = null;
    let onAbort = null;
    const aborted = new Promise((_, reject) => {
        onAbort = () => {
            reject(abortError(signal));
            reader?.cancel().catch(() => {});
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {}); // only ever awaited through Promise.race
    let lastEventId = null;
    let done = null;
    let finished = false;
    /** What a failed network call becomes: our own abort wins over the error it caused. */
    const failure = (error, message) => {
        if (signal?.aborted) {
            return abortError(signal);
        }
        if (error?.name === "AbortError") {
            return error;
        }
        return new StreamInterruptedError(message, { lastEventId, cause: error });
    };

    try {
        let response;
        try {
            response = await Promise.race([
                browser.fetch(STREAM_ROUTE, {
                    method: "POST",
                    body: buildFormData(fields, odoo.csrf_token),
                    headers: { Accept: "text/event-stream" },
                    credentials: "same-origin",
                    redirect: "manual",
                    signal,
                }),
                aborted,
            ]);
        } catch (error) {
            throw failure(error, "Could not reach the server.");
        }
        if (isSessionExpired(response)) {
            throw new SessionExpiredError();
        }
        if (!response.ok) {
            let body = "";
            try {
                body = await Promise.race([response.text(), aborted]);
            } catch {
                if (signal?.aborted) {
                    throw abortError(signal);
                }
            }
            const contentType = response.headers.get("Content-Type") || "";
            throw new StreamHttpError(response.status, extractReason(body, contentType));
        }
        if (!response.body) {
            throw new StreamInterruptedError("The server sent an empty answer.");
        }

        reader = response.body.getReader();
        const decoder = new TextDecoder();
        const parser = new SSEParser(({ id, event, data }) => {
            if (finished || signal?.aborted) {
                return;
            }
            lastEventId = id;
            let payload;
            try {
                payload = JSON.parse(data);
            } catch {
                console.warn(
                    `ai_stream_chat: event "${event}" (id ${id}) skipped: data is not JSON`
                );
                return;
            }
            if (event === "done") {
                finished = true;
                done = payload;
            }
            onEvent?.(event, payload, id);
        });
        while (!finished) {
            if (signal?.aborted) {
                throw abortError(signal);
            }
            let chunk;
            try {
                chunk = await Promise.race([reader.read(), aborted]);
            } catch (error) {
                throw failure(error, "The connection was lost during the answer.");
            }
            if (chunk.done) {
                parser.push(decoder.decode());
                parser.end();
                break;
            }
            parser.push(decoder.decode(chunk.value, { stream: true }));
        }
        if (!finished && signal?.aborted) {
            throw abortError(signal);
        }
        if (!finished) {
            throw new StreamInterruptedError("The answer stopped before it was complete.", {
                lastEventId,
            });
        }
        return { lastEventId, done };
    } finally {
        signal?.removeEventListener("abort", onAbort);
        // Release the connection: after `done`, on any error, or when `onEvent` threw.
        reader?.cancel().catch(() => {});
    }
}

export const aiStreamService = {
    start() {
        return { stream: streamChat };
    },
};

registry.category("services").add("ai_stream_chat.stream", aiStreamService);
