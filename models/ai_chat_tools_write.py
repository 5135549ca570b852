# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The tools that propose changes. Nothing here writes a record: a call is checked as the user
(the model, the record, each field and value, the user's rights) and becomes a proposal with
the exact values, shown to the user, who approves or rejects it (models/ai_chat_proposal.py)."""

from odoo import api, fields, models

from ..lib import field_values
from ..lib import tool_schemas as schemas
from .ai_chat_tools import ToolRefusal

MAX_FIELDS = 30  # in one proposed create or update
# The card shows every proposed value whole (the call's arguments are bounded); of the values
# they replace, long texts and long lists are cut.
OLD_TEXT_SHOWN = 2000
OLD_NAMES_SHOWN = 50
# Set by the ORM itself, never by a proposal.
MAGIC_FIELDS = frozenset(
    "id display_name create_uid create_date write_uid write_date __last_update".split()
)
OPERATIONS = {  # tool name -> operation stored on the proposal
    "create_record": "create",
    "update_record": "update",
    "archive_record": "archive",
    "post_message": "post",
}


class AiChatTools(models.AbstractModel):
    _inherit = "ai.chat.tools"

    @api.model
    def _tool_names(self):
        names = super()._tool_names()
        if self.env["ai.chat.conversation"]._get_chat_settings().write_tools:
            names |= schemas.WRITE_TOOL_NAMES
        return names

    # -- the tools: each returns (proposal, summary) ------------------------------------------

    @api.model
    def _tool_create_record(self, model, values):
        records = self._tool_writable(model, "create")
        written = self._tool_values(records, values, creating=True)
        preview = [self._tool_change(records, name, None, value) for name, value in written.items()]
        proposal = self._tool_proposal("create", records, records.browse(), written, preview)
        return proposal, self.env._("Create %(model)s", model=records._description)

    @api.model
    def _tool_update_record(self, model, values, **key):
        records = self._tool_writable(model, "write")
        record = self._tool_record(records, key, "write")
        written = self._tool_values(records, values, creating=False)
        changed = {
            name: value for name, value in written.items() if self._tool_raw(record, name) != value
        }
        if not changed:
            raise ToolRefusal("These values are the record's already: nothing would change.")
        preview = [
            self._tool_change(records, name, record[name], value) for name, value in changed.items()
        ]
        proposal = self._tool_proposal("update", records, record, changed, preview)
        before = {name: self._tool_raw(record, name) for name in changed}
        summary = self.env._("Update %(name)s", name=record.display_name)
        return {**proposal, "before": before}, summary

    @api.model
    def _tool_archive_record(self, model, **key):
        records = self._tool_writable(model, "write")
        if not records._active_name:
            raise ToolRefusal(f"Records of {model} cannot be archived.")
        record = self._tool_record(records, key, "write")
        if not record[records._active_name]:
            raise ToolRefusal(f"{record.display_name} is archived already.")
        proposal = self._tool_proposal("archive", records, record, {}, [])
        return proposal, self.env._("Archive %(name)s", name=record.display_name)

    @api.model
    def _tool_post_message(self, model, body, kind="note", **key):
        records = self._tool_model(model)
        if not hasattr(records, "message_post"):
            raise ToolRefusal(f"Records of {model} have no chatter to post on.")
        records = self._tool_writable(model, records._mail_post_access)
        record = self._tool_record(records, key, records._mail_post_access)
        if not isinstance(body, str) or not body.strip():
            raise ToolRefusal("The message is an empty text.")
        body = field_values.coerce("text", body)
        if kind not in ("note", "message"):
            raise ToolRefusal("kind is 'note' (internal) or 'message' (sent to the followers).")
        proposal = self._tool_proposal("post", records, record, {}, [])
        proposal.update(body=body, kind=kind)
        if kind == "note":
            summary = self.env._("Log a note on %(name)s", name=record.display_name)
        else:
            summary = self.env._("Send a message on %(name)s", name=record.display_name)
        return proposal, summary

    # -- checks --------------------------------------------------------------------------

    @api.model
    def _tool_writable(self, model, operation):
        """The model, when the user may read it, change it and changes may be proposed to it."""
        records = self._tool_model(model)
        settings = self.env["ai.chat.conversation"]._get_chat_settings()
        if settings.write_models and model not in settings.write_models:
            raise ToolRefusal(f"Changes to {model} cannot be proposed here.")
        if not records.has_access(operation):
            raise ToolRefusal(
                f"The user may not {operation} {records._description} ({model}) records."
            )
        return records

    @api.model
    def _tool_record(self, records, key, operation):
        if set(key) != {"id"}:  # the tools' parameter is `id`, a builtin's name here
            raise ToolRefusal("The record is given by its id.")
        record_id = field_values.coerce("many2one", key["id"])
        record = records.browse(record_id).exists()
        if not record or not record.has_access("read"):
            raise ToolRefusal(f"There is no {records._name} record with id {record_id}.")
        if not record.has_access(operation):
            raise ToolRefusal(f"The user may not change {record.display_name}.")
        return record

    @api.model
    def _tool_values(self, records, values, creating):
        """{field: ORM value} of the proposed values, each field writable by this user and
        each value of its type; for a new record, the required fields without a default too."""
        if not isinstance(values, dict) or not values:
            raise ToolRefusal("values is an object of field names and values.")
        if len(values) > MAX_FIELDS:
            raise ToolRefusal(f"At most {MAX_FIELDS} fields at once.")
        readable = self._tool_fields(records)
        tz = self.env.context.get("tz") or self.env.user.tz or "UTC"
        written = {}
        for name, value in values.items():
            info = readable.get(name)
            if info is None or name in MAGIC_FIELDS or info.get("readonly"):
                raise ToolRefusal(
                    f"{records._name} has no field {name!r} the assistant may write: "
                    "describe_model lists the fields."
                )
            try:
                coerced = field_values.coerce(
                    info["type"],
                    value,
                    [choice for choice, _label in info.get("selection") or ()],
                    tz,
                )
            except ValueError as exc:
                raise ToolRefusal(f"{name}: {exc}.") from None
            if info["type"] in ("many2one", "many2many") and coerced:
                self._tool_related(info["relation"], coerced, name)
            written[name] = coerced
        if creating:
            self._tool_required(records, readable, written)
        return written

    @api.model
    def _tool_related(self, relation, ids, name):
        """The records a relational value points to exist and this user may read them."""
        ids = ids if isinstance(ids, list) else [ids]
        targets = self._tool_model(relation).browse(ids).exists()
        if len(targets) != len(ids) or not targets.has_access("read"):
            raise ToolRefusal(f"{name}: no {relation} record with id {ids}.")

    @api.model
    def _tool_required(self, records, described, written):
        missing = [
            name
            for name, info in described.items()
            if info.get("required") and name not in written and name not in MAGIC_FIELDS
        ]
        defaults = records.default_get(missing) if missing else {}
        missing = [name for name in missing if defaults.get(name) in (None, False)]
        if missing:
            raise ToolRefusal(f"Required fields without a value: {', '.join(missing)}.")

    # -- what the user is shown ------------------------------------------------------------

    @api.model
    def _tool_proposal(self, operation, records, record, written, preview):
        return {
            "operation": operation,
            "model": records._name,
            "model_name": records._description,
            "record_id": record.id or 0,
            "record_name": record.display_name or "",
            "values": written,
            "fields": preview,
        }

    @api.model
    def _tool_change(self, records, name, old, new):
        """One line of the card: the field's label, its value now and the value proposed,
        as a person reads them."""
        field = records._fields[name]
        return {
            "name": name,
            "label": field._description_string(self.env),
            "old": "" if old is None else self._tool_shown(field, old, whole=False),
            "new": self._tool_shown(field, self._tool_record_value(records, field, new)),
        }

    @api.model
    def _tool_record_value(self, records, field, value):
        """The proposed value as the record would hold it (records for relations)."""
        if field.type in ("many2one", "many2many"):
            return self.env[field.comodel_name].browse(value or [])
        return value

    @api.model
    def _tool_shown(self, field, value, whole=True):
        """A value as a person reads it: whole, or for a value about to be replaced, its start."""
        if field.type in ("many2one", "many2many"):
            names = value.mapped("display_name")
            if whole or len(names) <= OLD_NAMES_SHOWN:
                return ", ".join(names)
            more = self.env._(" and %(count)s more", count=len(names) - OLD_NAMES_SHOWN)
            return ", ".join(names[:OLD_NAMES_SHOWN]) + more
        if field.type == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if value in (False, None, ""):
            return ""
        if field.type == "selection":
            return dict(field._description_selection(self.env)).get(value, value)
        if field.type == "datetime":
            moment = fields.Datetime.to_datetime(value)
            return fields.Datetime.context_timestamp(self, moment).strftime("%Y-%m-%d %H:%M")
        text = str(value)
        return text if whole or len(text) <= OLD_TEXT_SHOWN else text[:OLD_TEXT_SHOWN] + "…"

    @api.model
    def _tool_raw(self, record, name):
        """A field's value in the form a proposal stores: ids for relations, ISO texts for
        dates. Compared again when the change is approved: a record changed since is not
        written over."""
        field = record._fields[name]
        value = record[name]
        if field.type == "many2one":
            return value.id or False
        if field.type == "many2many":
            return sorted(value.ids)
        if field.type == "date":
            return fields.Date.to_string(value)
        if field.type == "datetime":
            return fields.Datetime.to_string(value)
        return value
