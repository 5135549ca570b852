// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
/**
 * A refusal of the chat (exceptions.py) reaching Odoo's error handler over RPC reads as a
 * warning with its sentence, as a UserError does, not as a server error with a traceback.
 */
import { WarningDialog } from "@web/core/errors/error_dialogs";
import { registry } from "@web/core/registry";

registry
    .category("error_dialogs")
    .add("odoo.addons.ai_stream_chat.exceptions.ChatRefusal", WarningDialog);
