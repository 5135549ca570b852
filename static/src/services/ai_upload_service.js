// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * Client of `POST /ai/stream_chat/upload`: sends one file and answers its "chip"
 * (`{id, name, size, mimetype, kind, chars, total_chars, truncated, error}`).
 *
 * An XMLHttpRequest rather than fetch: only it reports the upload's progress. It goes through
 * `browser.XMLHttpRequest` so Hoot's mock (served by `mockFetch`/`onRpc`) stands in for the
 * server.
 */
import { browser } from "@web/core/browser/browser";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { SessionExpiredError, extractReason } from "./ai_stream_service";

export const UPLOAD_ROUTE = "/ai/stream_chat/upload";

/**
 * The server refused the file (4xx/5xx), or could not be reached (`status` 0). `message` is
 * the server's reason for the user, "" when it gave none (the caller words it from `status`).
 */
export class UploadHttpError extends Error {
    /**
     * @param {number} status
     * @param {string} message
     */
    constructor(status, message) {
        super(message);
        this.name = "UploadHttpError";
        this.status = status;
    }
}

/** @param {string} body */
function looksLikeHtml(body) {
    return /^\s*</.test(body || "");
}

/**
 * @param {XMLHttpRequest} xhr a finished request
 * @returns {Object} the chip
 * @throws {SessionExpiredError|UploadHttpError}
 */
function readAnswer(xhr) {
    const body = typeof xhr.response === "string" ? xhr.response : xhr.responseText || "";
    const html = looksLikeHtml(body);
    checkStatus(xhr, body, html);
    return parseChip(body, html, xhr.status);
}

/**
 * @param {XMLHttpRequest} xhr
 * @param {string} body
 * @param {boolean} html the body is a page
 * @throws {SessionExpiredError|UploadHttpError} unless the upload succeeded
 */
function checkStatus(xhr, body, html) {
    const status = xhr.status;
    // XHR follows redirects: a lost session ends on the login page.
    if ((status >= 300 && status < 400) || /\/web\/login\b/.test(xhr.responseURL || "")) {
        throw new SessionExpiredError();
    }
    if (status < 200 || status >= 300) {
        // A 413 page of the server's own limit says nothing useful: the caller words it.
        const reason = status === 413 && html ? "" : extractReason(body, html ? "text/html" : "");
        throw new UploadHttpError(status, reason);
    }
}

/**
 * @param {string} body a successful answer
 * @param {boolean} html the body is a page
 * @param {number} status
 * @returns {Object} the chip
 */
function parseChip(body, html, status) {
    let chip = null;
    try {
        chip = JSON.parse(body);
    } catch {
        // Not JSON: a login page served with 200 is the usual reason.
    }
    if (!chip || typeof chip !== "object") {
        if (html) {
            throw new SessionExpiredError();
        }
        throw new UploadHttpError(status, _t("The server sent an unexpected answer."));
    }
    return chip;
}

/**
 * Upload one file.
 *
 * @param {File} file
 * @param {Object} [options]
 * @param {(loaded: number, total: number) => void} [options.onProgress] bytes sent so far
 * @param {AbortSignal} [options.signal] aborting cancels the request and rejects with an
 *      AbortError
 * @returns {Promise<Object>} the chip the server answered
 * @throws {SessionExpiredError} no session
 * @throws {UploadHttpError} refused (status, reason) or network failure (status 0)
 */
export function uploadFile(file, { onProgress, signal } = {}) {
    return new Promise((resolve, reject) => {
        if (signal?.aborted) {
            reject(new DOMException("The upload was aborted.", "AbortError"));
            return;
        }
        const xhr = new browser.XMLHttpRequest();
        const onAbort = () => {
            xhr.abort();
            reject(new DOMException("The upload was aborted.", "AbortError"));
        };
        const settle = (fn) => {
            signal?.removeEventListener("abort", onAbort);
            if (!signal?.aborted) {
                fn();
            }
        };
        signal?.addEventListener("abort", onAbort, { once: true });
        xhr.upload.addEventListener("progress", (ev) => {
            if (ev.total) {
                onProgress?.(ev.loaded, ev.total);
            }
        });
        xhr.addEventListener("load", () =>
            settle(() => {
                try {
                    resolve(readAnswer(xhr));
                } catch (error) {
                    reject(error);
                }
            })
        );
        xhr.addEventListener("error", () => settle(() => reject(new UploadHttpError(0, ""))));
        const formData = new FormData();
        formData.append("csrf_token", odoo.csrf_token);
        formData.append("file", file, file.name);
        xhr.open("POST", UPLOAD_ROUTE);
        xhr.send(formData);
    });
}

export const aiUploadService = {
    start() {
        return { upload: uploadFile };
    },
};

registry.category("services").add("ai_stream_chat.upload", aiUploadService);
