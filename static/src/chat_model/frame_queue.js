// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { browser } from "@web/core/browser/browser";

/**
 * Collects items and hands them over at the next animation frame, all at once: however many
 * stream events arrive between two frames, the UI is updated (and re-rendered) once.
 */
export class FrameQueue {
    /**
     * @param {(item: any) => void} apply
     */
    constructor(apply) {
        this.apply = apply;
        this.items = [];
        this.handle = null;
    }

    push(item) {
        this.items.push(item);
        if (this.handle === null) {
            this.handle = browser.requestAnimationFrame(() => {
                this.handle = null;
                this.flush();
            });
        }
    }

    /** Apply what is waiting now, e.g. when a stream ends (a hidden tab gets no frames). */
    flush() {
        this.cancel();
        const items = this.items;
        this.items = [];
        for (const item of items) {
            this.apply(item);
        }
    }

    cancel() {
        if (this.handle !== null) {
            browser.cancelAnimationFrame(this.handle);
            this.handle = null;
        }
    }
}
