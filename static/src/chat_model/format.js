// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/** Numbers for people, in the user's locale (decimal point, thousands separator). */
import { _t } from "@web/core/l10n/translation";
import { formatFloat } from "@web/core/utils/numbers";

/**
 * @param {number} value
 * @returns {string} e.g. "12,345"
 */
export function formatCount(value) {
    return formatFloat(value || 0, { digits: [0, 0] });
}

/**
 * @param {number} bytes
 * @returns {string} e.g. "512 B", "1.5 KB", "10 MB"
 */
export function formatBytes(bytes) {
    const units = [_t("B"), _t("KB"), _t("MB"), _t("GB")];
    let value = bytes || 0;
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) {
        value /= 1024;
        unit++;
    }
    const decimals = unit && value < 10 ? 1 : 0;
    const number = formatFloat(value, { digits: [0, decimals], trailingZeros: false });
    return `${number} ${units[unit]}`;
}
