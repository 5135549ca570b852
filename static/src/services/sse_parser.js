// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * Incremental Server-Sent Events parser, following the WHATWG "event stream interpretation"
 * (https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation).
 *
 * No dependency: feed it decoded text of any size, split anywhere; it calls `onEvent` once per
 * complete event. Each chunk is scanned once; only the unfinished last line is kept between
 * chunks, so a long stream costs linear time.
 */

/**
 * @typedef {Object} SSEEvent
 * @property {string} id last event id seen so far ("" when none), as the spec keeps it
 * @property {string} event event type, "message" when the event has no `event:` field
 * @property {string} data the `data:` lines of the event joined with "\n"
 */

export class SSEParser {
    /**
     * @param {(event: SSEEvent) => void} onEvent
     */
    constructor(onEvent) {
        this.onEvent = onEvent;
        /** Reconnection time announced by the server (`retry:`), in ms, or null. */
        this.retry = null;
        this.lastEventId = "";
        this._lineEnd = /\r\n|\r|\n/g; // own instance: `lastIndex` is per parser
        this._partial = ""; // text of the current line received so far
        this._skipLF = false; // previous chunk ended with "\r": a leading "\n" belongs to it
        this._atStart = true; // a byte order mark may open the stream
        this._eventType = "";
        this._dataLines = [];
    }

    /**
     * Feed decoded text; complete events are dispatched before this returns.
     *
     * @param {string} text
     */
    push(text) {
        if (!text) {
            return;
        }
        let start = 0;
        if (this._skipLF) {
            this._skipLF = false;
            if (text[0] === "\n") {
                start = 1;
            }
        }
        if (this._atStart) {
            this._atStart = false;
            if (text[start] === "\uFEFF") {
                start++;
            }
        }
        const lineEnd = this._lineEnd;
        lineEnd.lastIndex = start;
        let match;
        while ((match = lineEnd.exec(text))) {
            const piece = text.slice(start, match.index);
            const line = this._partial ? this._partial + piece : piece;
            this._partial = "";
            start = lineEnd.lastIndex;
            if (match[0] === "\r" && start === text.length) {
                this._skipLF = true;
            }
            this._processLine(line);
        }
        if (start < text.length) {
            this._partial += text.slice(start);
        }
    }

    /**
     * The stream is over: an event that lacks its terminating blank line is dropped, as the spec
     * says. Returns whether something incomplete was dropped.
     *
     * @returns {boolean}
     */
    end() {
        const dropped = Boolean(this._partial || this._dataLines.length || this._eventType);
        this._partial = "";
        this._eventType = "";
        this._dataLines = [];
        this._skipLF = false;
        return dropped;
    }

    /**
     * @private
     * @param {string} line without its line ending
     */
    _processLine(line) {
        if (line === "") {
            this._dispatch();
            return;
        }
        if (line[0] === ":") {
            return; // comment, e.g. the server's ": ping"
        }
        const colon = line.indexOf(":");
        let field = line;
        let value = "";
        if (colon !== -1) {
            field = line.slice(0, colon);
            value = line.slice(line[colon + 1] === " " ? colon + 2 : colon + 1);
        }
        switch (field) {
            case "event":
                this._eventType = value;
                break;
            case "data":
                this._dataLines.push(value);
                break;
            case "id":
                if (!value.includes("\0")) {
                    this.lastEventId = value;
                }
                break;
            case "retry":
                if (/^\d+$/.test(value)) {
                    this.retry = parseInt(value, 10);
                }
                break;
            // any other field is ignored
        }
    }

    /** @private */
    _dispatch() {
        const dataLines = this._dataLines;
        const event = this._eventType || "message";
        this._dataLines = [];
        this._eventType = "";
        if (!dataLines.length) {
            return; // no data field: nothing to dispatch
        }
        this.onEvent({ id: this.lastEventId, event, data: dataLines.join("\n") });
    }
}
