// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/* global DOMPurify */
/**
 * Server HTML of an answer -> parts to render: sanitized markup, and fenced code as plain text.
 *
 * The server already sanitizes strictly (lib/render.py); this is the second line of defense
 * and keeps the same policy: the same few tags, no images (a remote image can leak data
 * through its URL), only http(s)/mailto links, which open in a new tab without telling their
 * target anything and show the host they lead to (the server puts it after their text).
 */
import { markup } from "@odoo/owl";

const PURIFY_CONFIG = {
    ALLOWED_TAGS: [
        "p",
        "br",
        "hr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "ul",
        "ol",
        "li",
        "dl",
        "dt",
        "dd",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "s",
        "del",
        "ins",
        "kbd",
        "samp",
        "sub",
        "sup",
        "mark",
        "small",
        "table",
        "caption",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "code",
        "a",
        "span",
    ],
    ALLOWED_ATTR: ["href", "title", "class", "start", "align"],
    // The second form: a record of this Odoo (lib/render.py RECORD_PATH_RE), nothing else
    // relative. No /i: the server writes schemes in lower case.
    ALLOWED_URI_REGEXP:
        /^(?:https?|mailto):|^\/odoo\/[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+\/[1-9][0-9]{0,9}$/,
    RETURN_DOM_FRAGMENT: true,
};
export const IMAGE_REMOVED_CLASS = "o_ai_stream_chat_image_removed";
export const LINK_HOST_CLASS = "o_ai_stream_chat_link_host";
export const RECORD_LINK_CLASS = "o_ai_stream_chat_record_link";
const RECORD_PATH_RE = /^\/odoo\/([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)\/([1-9][0-9]{0,9})$/;

/**
 * The record a link of the server's leads to, if it is one.
 *
 * @param {HTMLAnchorElement} link
 * @returns {{resModel: string, resId: number}|null}
 */
export function recordOf(link) {
    const match = link.classList.contains(RECORD_LINK_CLASS)
        ? link.getAttribute("href").match(RECORD_PATH_RE)
        : null;
    return match ? { resModel: match[1], resId: Number(match[2]) } : null;
}
const LINK_REL = "noopener noreferrer nofollow";
const LANGUAGE_RE = /^language-([\w#+.-]+)$/;

/**
 * @typedef {{type: "html", html: import("@odoo/owl").Markup}} HtmlPart
 * @typedef {{type: "code", language: string, text: string}} CodePart
 */

/**
 * @param {string} html
 * @returns {(HtmlPart|CodePart)[]}
 */
export function toParts(html) {
    const fragment = DOMPurify.sanitize(html, PURIFY_CONFIG);
    const parts = [];
    let holder = null;
    for (const node of [...fragment.childNodes]) {
        if (node.nodeName === "PRE") {
            holder = null;
            parts.push(codePart(node));
        } else {
            if (!holder) {
                holder = document.createElement("div");
                parts.push({ type: "html", holder });
            }
            holder.append(node);
        }
    }
    return parts.map((part) => (part.type === "html" ? htmlPart(part.holder) : part));
}

/**
 * @param {HTMLPreElement} pre
 * @returns {CodePart}
 */
function codePart(pre) {
    const classes = pre.querySelector("code")?.classList || [];
    const language = [...classes].map((c) => c.match(LANGUAGE_RE)?.[1]).find(Boolean);
    return { type: "code", language: language || "", text: pre.textContent };
}

/**
 * The server's marker class of a span, if it has one where the server puts it.
 *
 * @param {HTMLSpanElement} span
 * @returns {string|undefined}
 */
function markerOf(span) {
    if (span.classList.contains(IMAGE_REMOVED_CLASS)) {
        return IMAGE_REMOVED_CLASS;
    }
    if (span.classList.contains(LINK_HOST_CLASS) && span.closest("a[href]")) {
        return LINK_HOST_CLASS;
    }
}

/**
 * @param {HTMLElement} holder
 * @returns {HtmlPart}
 */
function htmlPart(holder) {
    for (const el of holder.querySelectorAll("[class]")) {
        // Classes could restyle the web client; keep only the markers the server puts.
        const keep =
            (el.tagName === "SPAN" && markerOf(el)) ||
            (el.tagName === "A" && recordOf(el) && RECORD_LINK_CLASS);
        if (keep) {
            el.className = keep;
        } else {
            el.removeAttribute("class");
        }
    }
    for (const link of holder.querySelectorAll("a[href]")) {
        if (!recordOf(link)) {
            link.target = "_blank";
            link.rel = LINK_REL;
        }
    }
    for (const table of holder.querySelectorAll("table")) {
        // Wide tables scroll on their own instead of widening the conversation.
        const wrapper = document.createElement("div");
        wrapper.className = "o_ai_stream_chat_table";
        table.replaceWith(wrapper);
        wrapper.append(table);
    }
    return { type: "html", html: markup(holder.innerHTML) };
}
