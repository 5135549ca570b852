// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * The composer's attachments, before they are sent: files uploaded at once (checked for size
 * and count first), records attached with Ask AI, removals, and the deletion on the server of
 * what will not be sent. It writes `state.attachments` of the chat model that owns it.
 */
import { _t } from "@web/core/l10n/translation";
import { SessionExpiredError } from "@ai_stream_chat/services/ai_stream_service";
import { UploadHttpError } from "@ai_stream_chat/services/ai_upload_service";
import { attachmentFromServer, attachmentValues, makeAttachment } from "./chat_state";
import { formatBytes } from "./format";

const MODEL = "ai.chat.conversation";

export class DraftAttachments {
    /**
     * @param {{state: ChatState, orm: Object, aiUpload: {upload: Function}}} owner
     */
    constructor({ state, orm, aiUpload }) {
        this.state = state;
        this.orm = orm;
        this.aiUpload = aiUpload;
        /** @type {Map<number, AbortController>} running uploads, by the attachment's localId */
        this.uploads = new Map();
        /** @type {Map<string, number>} record key -> token of its latest chat_attach_record */
        this.recordRequests = new Map();
        this.nextRecordRequest = 1;
    }

    /**
     * Attach files to the draft: each is checked (size, count) and uploaded at once.
     *
     * @param {Iterable<File>} files
     */
    addFiles(files) {
        for (const file of files) {
            this._uploadFile(file);
        }
    }

    /**
     * Remove an attachment from the draft, cancelling its upload. A record's summary takes the
     * record's files with it.
     *
     * @param {number} localId
     */
    removeAttachment(localId) {
        const state = this.state;
        const attachment = state.attachments.find((a) => a.localId === localId);
        if (!attachment) {
            return;
        }
        const group =
            attachment.kind === "record" && attachment.record
                ? state.attachments.filter((a) => a.record?.key === attachment.record.key)
                : [attachment];
        for (const member of group) {
            this.uploads.get(member.localId)?.abort();
            this.uploads.delete(member.localId);
        }
        if (attachment.record && attachment.kind === "record") {
            this.recordRequests.delete(attachment.record.key);
        }
        const removed = new Set(group.map((a) => a.localId));
        state.attachments = state.attachments.filter((a) => !removed.has(a.localId));
        this._discard(group);
    }

    /**
     * Delete uploaded files that will not be sent (the server would remove them after a day).
     *
     * @param {ChatAttachment[]} attachments
     */
    _discard(attachments) {
        const ids = attachments.filter((a) => a.status === "ready" && a.id).map((a) => a.id);
        if (ids.length) {
            // Best effort: a failure only leaves the file to the server's daily clean-up.
            this.orm.call(MODEL, "chat_discard_attachments", [ids]).catch(() => {});
        }
    }

    /**
     * Attach a record (its summary, and optionally its messages and files) to the draft. Asked
     * again for the same record, its attachments are replaced.
     *
     * @param {string} resModel
     * @param {number} resId
     * @param {{withMessages?: boolean, withAttachments?: boolean}} [options]
     */
    async attachRecord(resModel, resId, { withMessages = false, withAttachments = false } = {}) {
        const record = {
            key: `${resModel},${resId}`,
            resModel,
            resId,
            withMessages,
            withAttachments,
        };
        const token = this.nextRecordRequest++;
        this.recordRequests.set(record.key, token);
        const placeholder = makeAttachment({ kind: "record", status: "uploading", record });
        this._replaceRecord(record.key, [placeholder]);
        const attachments = await this._recordAttachments(record);
        // Unless the user removed it, or asked again meanwhile.
        if (this.recordRequests.get(record.key) === token) {
            this._replaceRecord(record.key, attachments);
            this._refuseOverCount();
        }
    }

    /**
     * What the server attaches for the record, or one chip saying why it could not.
     *
     * @param {Object} record
     * @returns {Promise<Object[]>}
     */
    async _recordAttachments(record) {
        try {
            const chips = await this.orm.call(
                MODEL,
                "chat_attach_record",
                [record.resModel, record.resId],
                { with_messages: record.withMessages, with_attachments: record.withAttachments }
            );
            const attachments = chips.map((data) =>
                attachmentFromServer(data, {
                    record: { ...record, hasChatter: Boolean(data.record?.has_chatter) },
                })
            );
            if (attachments.length) {
                return attachments;
            }
            throw new Error(_t("Nothing of this record can be attached."));
        } catch (error) {
            const message = error?.data?.message || error?.message || "";
            return [
                makeAttachment({
                    kind: "record",
                    status: "error",
                    error: message || _t("This record could not be attached."),
                    record,
                }),
            ];
        }
    }

    /**
     * Attachments past the per-message limit, in the composer's order, are shown refused
     * (their upload stopped or deleted) rather than making the whole message fail when sent.
     */
    _refuseOverCount() {
        const max = this.state.config.max_attachments;
        const extra = this.state.attachments.filter((a) => a.status !== "error").slice(max);
        if (!max || !extra.length) {
            return;
        }
        this._discard(extra);
        for (const attachment of extra) {
            this.uploads.get(attachment.localId)?.abort();
            Object.assign(attachment, {
                status: "error",
                error: _t("A message can have at most %s attachments.", max),
            });
        }
    }

    /**
     * @param {string} key
     * @param {ChatAttachment[]} attachments
     */
    _replaceRecord(key, attachments) {
        const state = this.state;
        const stillAttached = new Set(attachments.map((a) => a.id).filter(Boolean));
        this._discard(
            state.attachments.filter((a) => a.record?.key === key && !stillAttached.has(a.id))
        );
        const list = [...state.attachments];
        const index = list.findIndex((a) => a.record?.key === key);
        const kept = list.filter((a) => a.record?.key !== key);
        kept.splice(index === -1 ? kept.length : index, 0, ...attachments);
        state.attachments = kept;
    }

    /** @param {File} file */
    async _uploadFile(file) {
        const attachment = this._draftFor(file);
        if (attachment.status !== "error") {
            await this._send(file, attachment);
        }
    }

    /**
     * The file's chip in the draft, already in error when the draft is full or the file too
     * large.
     *
     * @param {File} file
     */
    _draftFor(file) {
        const state = this.state;
        const maxBytes = state.config.max_file_bytes;
        state.attachments.push(
            makeAttachment({
                name: file.name,
                size: file.size,
                mimetype: file.type,
                status: "uploading",
            })
        );
        const attachment = state.attachments.at(-1); // the reactive one: the UI follows it
        this._refuseOverCount();
        if (attachment.status !== "error" && maxBytes && file.size > maxBytes) {
            Object.assign(attachment, { status: "error", error: this._tooLargeText(file.size) });
        }
        return attachment;
    }

    /**
     * Upload the file, its progress and outcome shown on its chip.
     *
     * @param {File} file
     * @param {Object} attachment the reactive chip
     */
    async _send(file, attachment) {
        const controller = new AbortController();
        this.uploads.set(attachment.localId, controller);
        try {
            const data = await this.aiUpload.upload(file, {
                signal: controller.signal,
                onProgress: (loaded, total) => {
                    attachment.progress = Math.min(1, loaded / total);
                },
            });
            Object.assign(attachment, attachmentValues(data));
        } catch (error) {
            if (error?.name === "AbortError") {
                return;
            }
            Object.assign(attachment, { status: "error", error: this._uploadErrorText(error) });
            if (!(error instanceof UploadHttpError || error instanceof SessionExpiredError)) {
                throw error;
            }
        } finally {
            this.uploads.delete(attachment.localId);
        }
    }

    /** @param {number} size */
    _tooLargeText(size) {
        return _t("This file is too large (%(size)s); the limit is %(max)s.", {
            size: formatBytes(size),
            max: formatBytes(this.state.config.max_file_bytes),
        });
    }

    /** @param {Error} error */
    _uploadErrorText(error) {
        if (error instanceof SessionExpiredError) {
            return _t("Your session has expired. Reload the page to log in again.");
        }
        if (error instanceof UploadHttpError) {
            if (error.message) {
                return error.message;
            }
            if (error.status === 413) {
                const max = this.state.config.max_file_bytes;
                return max
                    ? _t("This file is too large; the limit is %s.", formatBytes(max))
                    : _t("This file is too large.");
            }
            if (error.status === 0) {
                return _t("Could not reach the server.");
            }
            return _t("The file could not be uploaded (error %s).", error.status);
        }
        return _t("The file could not be uploaded.");
    }
}
