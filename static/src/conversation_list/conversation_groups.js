// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import { deserializeDateTime } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/**
 * Conversations (newest first) under headings by age: Today, Yesterday, Previous 7 days...
 *
 * @param {{last_message_at: string|false}[]} conversations
 * @param {luxon.DateTime} [now]
 * @returns {{label: string, conversations: Object[]}[]}
 */
export function groupByAge(conversations, now = DateTime.local()) {
    const today = now.startOf("day");
    const buckets = [
        { label: _t("Today"), since: today },
        { label: _t("Yesterday"), since: today.minus({ days: 1 }) },
        { label: _t("Previous 7 days"), since: today.minus({ days: 7 }) },
        { label: _t("Previous 30 days"), since: today.minus({ days: 30 }) },
        { label: _t("Older"), since: null },
    ];
    const groups = [];
    for (const conversation of conversations) {
        const at = conversation.last_message_at
            ? deserializeDateTime(conversation.last_message_at)
            : null;
        const bucket = buckets.find((b) => !b.since || (at && at >= b.since));
        if (groups.at(-1)?.label !== bucket.label) {
            groups.push({ label: bucket.label, conversations: [] });
        }
        groups.at(-1).conversations.push(conversation);
    }
    return groups;
}
