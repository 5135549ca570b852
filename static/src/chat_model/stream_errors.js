// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import {
    SessionExpiredError,
    StreamHttpError,
    StreamInterruptedError,
} from "@ai_stream_chat/services/ai_stream_service";

/**
 * What a failed stream means for the answer it was writing, in plain words.
 *
 * @param {Error} error what the stream service rejected with
 * @returns {{state: string, errorMessage: string, sessionExpired: boolean} | null} null for
 *      an error the chat does not expect (a bug: let it reach Odoo's error handling)
 */
export function describeStreamError(error) {
    if (error?.name === "AbortError") {
        // This tab stopped following (the conversation was deleted, the chat closed): the
        // answer, owned by the server, is left as it is.
        return { state: "aborted", errorMessage: "", sessionExpired: false };
    }
    if (error instanceof SessionExpiredError) {
        return {
            state: "error",
            errorMessage: _t("Your session has expired. Reload the page to log in again."),
            sessionExpired: true,
        };
    }
    if (error instanceof StreamHttpError) {
        return {
            state: "error",
            errorMessage:
                error.message || _t("The server refused the message (error %s).", error.status),
            sessionExpired: false,
        };
    }
    if (error instanceof StreamInterruptedError) {
        return {
            state: "interrupted",
            errorMessage: _t("The connection was lost before the answer was complete."),
            sessionExpired: false,
        };
    }
    return null;
}
