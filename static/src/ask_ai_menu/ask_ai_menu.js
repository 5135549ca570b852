// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component } from "@odoo/owl";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { registry } from "@web/core/registry";
import { STATIC_ACTIONS_GROUP_NUMBER } from "@web/search/action_menus/action_menus";

/** Bus event the systray chat answers: open the chat with this record attached. */
export const ASK_RECORD_EVENT = "ai_stream_chat:ask-record";

/**
 * The saved record a form's gear menu is about, or null (a new record).
 *
 * @param {Object} env the env of a cog menu item
 * @returns {{resModel: string, resId: number} | null}
 */
function formRecord(env) {
    if (env.config?.viewType !== "form") {
        return null;
    }
    const record = env.aiStreamChatFormRecord?.() || env.model?.root;
    return record?.resId ? { resModel: record.resModel, resId: record.resId } : null;
}

/** "Ask AI" in the gear menu of a saved record's form: the chat opens with the record attached. */
export class AskAiMenu extends Component {
    static template = "ai_stream_chat.AskAiMenu";
    static components = { DropdownItem };
    static props = {};

    askAi() {
        // Read when clicked: the form may have moved to another record since the menu rendered.
        const record = formRecord(this.env);
        if (record) {
            this.env.bus.trigger(ASK_RECORD_EVENT, record);
        }
    }
}

export const askAiMenuItem = {
    Component: AskAiMenu,
    groupNumber: STATIC_ACTIONS_GROUP_NUMBER,
    isDisplayed: (env) => Boolean(formRecord(env)),
};

registry.category("cogMenu").add("ai_stream_chat.ask_ai", askAiMenuItem, { sequence: 40 });
