// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { useSubEnv } from "@odoo/owl";
import { patch } from "@web/core/utils/patch";
import { FormCogMenu } from "@web/views/form/form_cog_menu/form_cog_menu";

// The control panel of a form has no `env.model` (only its renderer has): the gear menu
// tells its items which record it is about, from its own props (read by AskAiMenu).
patch(FormCogMenu.prototype, {
    setup() {
        super.setup(...arguments);
        useSubEnv({
            aiStreamChatFormRecord: () => {
                const [resId] = this.props.getActiveIds?.() || [];
                return resId ? { resModel: this.props.resModel, resId } : null;
            },
        });
    },
});
