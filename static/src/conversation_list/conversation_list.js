// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useEffect, useRef, useState } from "@odoo/owl";
import { ConfirmationDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { Dropdown } from "@web/core/dropdown/dropdown";
import { DropdownItem } from "@web/core/dropdown/dropdown_item";
import { _t } from "@web/core/l10n/translation";
import { useService } from "@web/core/utils/hooks";
import { useDebounced } from "@web/core/utils/timing";
import { UsageMeter } from "../usage_meter/usage_meter";
import { groupByAge } from "./conversation_groups";

const SEARCH_DELAY = 300;

/** The user's conversations: search, open, new chat, rename in place, delete. */
export class ConversationList extends Component {
    static template = "ai_stream_chat.ConversationList";
    static components = { Dropdown, DropdownItem, UsageMeter };
    static props = {
        model: Object, // ChatModel
        onOpen: Function, // (conversationId) => void
        onNew: Function,
    };

    setup() {
        this.chat = useState(this.props.model.state);
        this.dialog = useService("dialog");
        this.state = useState({ renamingId: null, name: "" });
        this.renameRef = useRef("rename");
        this.search = useDebounced(() => this.props.model.loadConversations(), SEARCH_DELAY);
        useEffect(
            (el) => el?.select(),
            () => [this.renameRef.el]
        );
    }

    get groups() {
        return groupByAge(this.chat.conversations);
    }

    onSearchInput(ev) {
        this.chat.search = ev.target.value;
        this.search();
    }

    startRename(conversation) {
        Object.assign(this.state, { renamingId: conversation.id, name: conversation.name });
    }

    async commitRename() {
        const { renamingId, name } = this.state;
        if (renamingId === null) {
            return;
        }
        this.state.renamingId = null;
        await this.props.model.rename(renamingId, name);
    }

    onRenameKeydown(ev) {
        if (ev.key === "Enter") {
            ev.preventDefault();
            this.commitRename();
        } else if (ev.key === "Escape") {
            ev.stopPropagation();
            this.state.renamingId = null;
        }
    }

    confirmDelete(conversation) {
        this.dialog.add(ConfirmationDialog, {
            title: _t("Delete this conversation?"),
            body: _t(
                "“%s” and all its messages will be deleted. This cannot be undone.",
                conversation.name
            ),
            confirmLabel: _t("Delete"),
            confirmClass: "btn-danger",
            confirm: () => this.props.model.remove(conversation.id),
            cancel: () => {},
        });
    }
}
