// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, useState } from "@odoo/owl";
import { _t } from "@web/core/l10n/translation";

/**
 * A change the assistant proposed (wire contract: `tool` event, `proposal`): exactly what
 * would change, field by field, and Approve / Reject while its answer waits. Nothing changes
 * until the user approves; then the card says what came of it.
 */
export class ProposalCard extends Component {
    static template = "ai_stream_chat.ProposalCard";
    static props = {
        proposal: Object, // {id, operation, model_name, record_name, fields, body, kind, state, outcome}
        waiting: Boolean, // its answer still streams: the proposal can be decided
        onDecide: Function, // (proposal, "approve" | "reject") => Promise
    };

    setup() {
        this.state = useState({ deciding: false });
    }

    get proposal() {
        return this.props.proposal;
    }

    /** pending, done, failed, rejected or expired (a pending one whose answer ended). */
    get status() {
        const state = this.proposal.state;
        return state === "pending" && !this.props.waiting ? "expired" : state;
    }

    get canDecide() {
        return this.status === "pending";
    }

    get isNew() {
        return this.proposal.operation === "create";
    }

    /** Column headings: what is and what is proposed, or what was and is once it is done. */
    get headings() {
        return this.status === "done"
            ? { old: _t("Before"), new: _t("After") }
            : { old: _t("Now"), new: _t("Proposed") };
    }

    get title() {
        const { operation, kind, model_name: model } = this.proposal;
        switch (operation) {
            case "create":
                return _t("Create %s", model);
            case "update":
                return _t("Update %s", model);
            case "archive":
                return _t("Archive %s", model);
            default:
                return kind === "message"
                    ? _t("Send a message on %s", model)
                    : _t("Log a note on %s", model);
        }
    }

    /** Which record exactly: the technical model and the id (names can repeat). */
    get target() {
        const { model, record_id: id } = this.proposal;
        return id ? `${model} #${id}` : model;
    }

    get statusText() {
        switch (this.status) {
            case "done":
                return this.proposal.outcome || _t("Done.");
            case "failed":
                return this.proposal.outcome || _t("It could not be done.");
            case "rejected":
                return _t("Rejected: nothing was changed.");
            default:
                return _t("Expired: nothing was changed.");
        }
    }

    async decide(decision) {
        this.state.deciding = true;
        try {
            await this.props.onDecide(this.proposal, decision);
        } finally {
            this.state.deciding = false;
        }
    }
}
