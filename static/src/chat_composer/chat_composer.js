// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useRef, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";
import { useAutoresize } from "@web/core/utils/autoresize";
import { useForwardRefToParent } from "@web/core/utils/hooks";
import { AttachmentList } from "../attachment_list/attachment_list";

/** From this share of the length limit on, the composer shows a character counter. */
const COUNTER_FROM = 0.8;

/**
 * The message box: Enter sends, Shift+Enter adds a line; Stop while an answer streams.
 * Files come from the paperclip, a paste, or a drop (see ChatPanel) and show as chips above.
 */
export class ChatComposer extends Component {
    static template = "ai_stream_chat.ChatComposer";
    static components = { AttachmentList };
    static props = {
        model: Object, // ChatModel
        textareaRef: { type: Function, optional: true }, // lets the parent focus the textarea
    };

    setup() {
        this.chat = useState(this.props.model.state);
        this.textareaRef = useForwardRefToParent("textareaRef");
        this.fileInputRef = useRef("fileInput");
        // Grow with the text, up to the CSS max-height (then it scrolls). Odoo's hook sizes
        // the textarea's parent too: the textarea has a wrapper of its own.
        useAutoresize(this.textareaRef);
    }

    get placeholder() {
        if (this.chat.awaitsDecision) {
            return _t("Approve or reject the proposed change to go on…");
        }
        return this.chat.isStreaming ? _t("The answer is on its way…") : _t("Ask anything…");
    }

    get showCounter() {
        const max = this.chat.config.max_message_chars;
        return Boolean(max) && this.chat.draftLength >= max * COUNTER_FROM;
    }

    get counterText() {
        return _t("%(length)s / %(max)s characters", {
            length: this.chat.draftLength,
            max: this.chat.config.max_message_chars,
        });
    }

    get sendTitle() {
        return this.chat.isUploading ? _t("Wait until the files are uploaded") : _t("Send (Enter)");
    }

    openFilePicker() {
        this.fileInputRef.el?.click();
    }

    onFileChange(ev) {
        const files = [...ev.target.files];
        // The same file can be picked again after being removed.
        ev.target.value = "";
        this.props.model.addFiles(files);
        this.textareaRef.el?.focus();
    }

    /**
     * Pasted files (a screenshot, files copied in a file manager) are attached; pasted text
     * goes into the textarea as usual. Text wins: cells copied from a spreadsheet or a word
     * processor also come with a picture of themselves.
     */
    onPaste(ev) {
        const clipboard = ev.clipboardData;
        const files = [...(clipboard?.files || [])];
        if (files.length && !clipboard.types.includes("text/plain")) {
            ev.preventDefault();
            this.props.model.addFiles(files);
        }
    }

    removeAttachment(localId) {
        this.props.model.removeAttachment(localId);
        this.textareaRef.el?.focus();
    }

    setRecordOptions(attachment, options) {
        const { resModel, resId } = attachment.record;
        this.props.model.attachRecord(resModel, resId, options);
    }

    onKeydown(ev) {
        if (ev.key === "Enter" && !ev.shiftKey && !ev.isComposing) {
            ev.preventDefault();
            this.send();
        }
    }

    send() {
        if (this.chat.canSend) {
            this.props.model.send();
            const el = this.textareaRef.el;
            if (el) {
                // Typed and sent within one frame, the text never reached a render: t-model
                // sees "" before and after and leaves the sent text in the box.
                el.value = this.chat.draft;
                // The Send button turns into Stop: keep the focus where the next message goes.
                el.focus();
            }
        }
    }

    stop() {
        this.props.model.stop();
        this.textareaRef.el?.focus();
    }
}
