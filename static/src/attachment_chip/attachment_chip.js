// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { formatBytes, formatCount } from "../chat_model/format";

/** Font Awesome icon of a file, by its MIME type. */
const ICONS = [
    [/pdf/, "fa-file-pdf-o"],
    [/^image\//, "fa-file-image-o"],
    [/spreadsheet|excel|csv/, "fa-file-excel-o"],
    [/presentation|powerpoint/, "fa-file-powerpoint-o"],
    [/word|opendocument\.text|rtf/, "fa-file-word-o"],
    [/^text\/|json|xml/, "fa-file-text-o"],
];

/**
 * A file or record attached to a message: name, size, upload progress, error, and what of its
 * text the model gets. Read-only on sent messages; in the composer it can be removed, and a
 * record's summary offers to include the record's messages and files.
 */
export class AttachmentChip extends Component {
    static template = "ai_stream_chat.AttachmentChip";
    static props = {
        attachment: Object, // see ChatAttachment in chat_state.js
        onRemove: { type: Function, optional: true }, // (localId) => void; absent: read-only
        // ({withMessages, withAttachments}) => void: the record chip's toggles changed
        onRecordOptions: { type: Function, optional: true },
    };

    get attachment() {
        return this.props.attachment;
    }

    get isRecord() {
        return this.attachment.kind === "record";
    }

    get icon() {
        if (this.isRecord) {
            return "fa-folder-open-o";
        }
        const mimetype = this.attachment.mimetype || "";
        return ICONS.find(([pattern]) => pattern.test(mimetype))?.[1] || "fa-file-o";
    }

    get name() {
        const { name, record, status } = this.attachment;
        if (name) {
            // A record's snapshot is a markdown file to the model, the record to the user.
            return this.isRecord ? name.replace(/\.md$/, "") : name;
        }
        if (record) {
            return status === "uploading"
                ? _t("Loading the record…")
                : _t("%(model)s #%(id)s", { model: record.resModel, id: record.resId });
        }
        return _t("Unnamed file");
    }

    get sizeText() {
        return this.attachment.size && !this.isRecord ? formatBytes(this.attachment.size) : "";
    }

    get percent() {
        return Math.round((this.attachment.progress || 0) * 100);
    }

    get truncatedText() {
        return _t("Truncated to %(chars)s of %(total)s characters", {
            chars: formatCount(this.attachment.chars),
            total: formatCount(this.attachment.totalChars),
        });
    }

    get removeLabel() {
        return _t("Remove %s", this.name);
    }

    get showRecordOptions() {
        const { record, status } = this.attachment;
        return Boolean(this.props.onRecordOptions && this.isRecord && record && status !== "error");
    }

    /**
     * @param {"withMessages"|"withAttachments"} option
     * @param {Event} ev
     */
    toggleRecordOption(option, ev) {
        const { withMessages, withAttachments } = this.attachment.record;
        this.props.onRecordOptions({ withMessages, withAttachments, [option]: ev.target.checked });
    }
}
