// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { AttachmentChip } from "../attachment_chip/attachment_chip";

/** The attachments of the draft (editable) or of a sent message (read-only). */
export class AttachmentList extends Component {
    static template = "ai_stream_chat.AttachmentList";
    static components = { AttachmentChip };
    static props = {
        attachments: Array, // ChatAttachment[]
        onRemove: { type: Function, optional: true }, // (localId) => void; absent: read-only
        // (attachment, {withMessages, withAttachments}) => void
        onRecordOptions: { type: Function, optional: true },
        class: { type: String, optional: true },
    };

    /** @param {Object} attachment */
    recordOptionsHandler(attachment) {
        const onRecordOptions = this.props.onRecordOptions;
        return onRecordOptions && ((options) => onRecordOptions(attachment, options));
    }
}
