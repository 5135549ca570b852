# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from lxml import etree

from odoo import api, models
from odoo.exceptions import AccessError, MissingError
from odoo.tools import html2plaintext
from odoo.tools.misc import format_date, format_datetime, formatLang
from odoo.tools.safe_eval import safe_eval
from odoo.tools.view_validation import get_expression_field_names

from ..lib import reach
from ..lib.record_text import TABLE_MAX_COLUMNS, TABLE_MAX_ROWS, record_markdown

MANY2MANY_MAX_NAMES = 20
MAX_MESSAGES = 20
SKIPPED_TYPES = {
    "binary",
    "image",
    "json",
    "properties",
    "properties_definition",
    "many2one_reference",
}
SKIPPED_FIELDS = {
    "id",
    "display_name",
    "website_message_ids",
    "access_token",
    "access_url",
    "access_warning",
}
SKIPPED_PREFIXES = ("message_", "activity_")
STATIC_TRUE = {"1", "True", "true"}
STATIC_FALSE = {"", "0", "False", "false"}


def _shown(node, *attributes):
    """False when the view hides the node whatever the record (invisible="1" and the like), or
    when it is a warning banner (class alert) or only shown while editing (oe_edit_only)."""
    classes = (node.get("class") or "").split()
    return (
        not any(node.get(attribute) in STATIC_TRUE for attribute in attributes)
        and node.get("optional") != "hide"
        and "alert" not in classes
        and "oe_edit_only" not in classes
    )


class AiChatRecordContext(models.AbstractModel):
    """An Odoo record as text for a prompt, read with the current user's access."""

    _name = "ai.chat.record.context"
    _description = "AI Chat Record Context"

    @api.model
    def _record_text(self, res_model, res_id, with_messages=False, max_chars=60000):
        """(title, text): the record's display name and its markdown for the prompt.

        The text holds the fields its form shows that the user may read, its one2many lines as
        tables and, with_messages, the last chatter messages. AccessError / MissingError when
        the user cannot read the record.
        """
        record = self._record_for_read(res_model, res_id)
        fields_info = record.fields_get()
        form = record.get_views([(False, "form")])["views"]["form"]["arch"]
        layout = self._record_form_layout(etree.fromstring(form), fields_info, record)
        values = record.read([name for name, _node in layout])[0] if layout else {}
        title = record.display_name or f"{record._name},{record.id}"
        fields, tables = [], []
        for name, node in layout:
            info = fields_info[name]
            if info["type"] == "one2many":
                table = self._record_table(record[name], info, node)
                if table:
                    tables.append(table)
                continue
            text = self._record_value_text(record, info, values[name])
            if text and not (name == record._rec_name and text == title):
                fields.append((info["string"], text))
        messages = self._record_messages(record) if with_messages else []
        kind = self.env["ir.model"]._get(record._name).name or record._description
        description = self.env._(
            "%(kind)s (%(model)s, id %(id)s)", kind=kind, model=record._name, id=record.id
        )
        return title, record_markdown(title, description, fields, tables, messages, max_chars)

    # -- access --------------------------------------------------------------------------

    @api.model
    def _record_for_read(self, res_model, res_id):
        """The record as the current user (never superuser), once they are allowed to read it."""
        Model = self.env.get(res_model) if isinstance(res_model, str) else None
        if Model is None or Model._abstract or Model._transient or self._is_denied(res_model):
            raise AccessError(
                self.env._("Records of “%(model)s” cannot be given to the AI.", model=res_model)
            )
        Model = Model.sudo(False)
        Model.check_access("read")
        try:
            record = Model.browse(int(res_id))
        except (TypeError, ValueError):
            record = Model.browse()
        if not record or record.id <= 0 or not record.exists():
            raise MissingError(self.env._("The record to give to the AI does not exist any more."))
        record.check_access("read")
        return record

    @api.model
    def _is_denied(self, res_model):
        settings = self.env["ai.chat.conversation"]._get_chat_settings()
        return reach.model_denied(res_model, settings.denied_models)

    # -- what the form shows -------------------------------------------------------------

    @api.model
    def _record_form_layout(self, arch, fields_info, record=None):
        """[(field name, field node)] in the form's order: shown, readable, worth reading.

        With `record`, a node hidden for it by its `invisible` condition is left out too.
        """
        layout, seen = [], set()

        def walk(node):
            for child in node:
                if (
                    not isinstance(child.tag, str)
                    or not _shown(child, "invisible")
                    or not self._shown_for(child, record, fields_info)
                ):
                    continue
                if child.tag == "field":
                    name = child.get("name")
                    if (
                        name not in seen
                        and self._record_field_wanted(name, fields_info)
                        and child.get("password") not in STATIC_TRUE
                    ):
                        seen.add(name)
                        layout.append((name, child))
                elif child.tag not in ("button", "chatter"):  # stat buttons are counters
                    walk(child)

        walk(arch)
        return layout

    @api.model
    def _shown_for(self, node, record, fields_info):
        """Whether the form shows `node` for `record`, by its `invisible` condition evaluated as
        the web client does; a condition that cannot be evaluated here counts as hiding."""
        condition = (node.get("invisible") or "").strip()
        if record is None or condition in STATIC_FALSE:
            return True
        try:
            names = get_expression_field_names(condition)
            values = {
                name: self._condition_value(record, name, fields_info[name]["type"])
                for name in names
                if name in fields_info
            }
            values.update(
                context=dict(self.env.context),
                uid=self.env.uid,
                current_company_id=self.env.company.id,
                allowed_company_ids=self.env.companies.ids,
            )
            return not safe_eval(condition, values)
        except Exception:  # any expression the client could evaluate and this cannot
            return False

    @staticmethod
    def _condition_value(record, name, kind):
        """A field value as view conditions see it in the web client: ids for relations."""
        if kind == "many2one":
            return record[name].id
        if kind in ("one2many", "many2many"):
            return record[name].ids
        return record[name]

    @api.model
    def _record_field_wanted(self, name, fields_info):
        # fields_get() leaves out the fields the user's groups may not read.
        info = fields_info.get(name)
        return (
            bool(info)
            and info["type"] not in SKIPPED_TYPES
            and name not in SKIPPED_FIELDS
            and not name.startswith(SKIPPED_PREFIXES)
            and not reach.field_denied(name)
        )

    @api.model
    def _record_table_columns(self, lines, node):
        """Column names of the list the form shows for a one2many: its inline list, else the
        comodel's default list view, else the display name."""
        views = [child for child in node if child.tag == "list"]
        if not views:
            arch = lines.get_views([(False, "list")])["views"]["list"]["arch"]
            views = [etree.fromstring(arch)]
        fields_info = lines.fields_get()
        columns = []
        for column in views[0].iterchildren("field"):
            name = column.get("name")
            if (
                _shown(column, "invisible", "column_invisible")
                and name not in columns
                and self._record_field_wanted(name, fields_info)
                and fields_info[name]["type"] != "one2many"
            ):
                columns.append(name)
        return columns[:TABLE_MAX_COLUMNS] or ["display_name"], fields_info

    # -- values as text ------------------------------------------------------------------

    @api.model
    def _record_table(self, lines, info, node):
        """(label, column labels, rows, total) for a one2many, or None when it has no line."""
        lines = lines._filtered_access("read")
        if not lines:
            return None
        columns, fields_info = self._record_table_columns(lines, node)
        shown = lines[:TABLE_MAX_ROWS]
        rows = [
            [
                self._record_value_text(line, fields_info[name], values[name]) or ""
                for name in columns
            ]
            for line, values in zip(shown, shown.read(columns), strict=True)
        ]
        filled = [index for index in range(len(columns)) if any(row[index] for row in rows)] or [0]
        labels = [fields_info[columns[index]]["string"] for index in filled]
        return (
            info["string"],
            labels,
            [[row[index] for index in filled] for row in rows],
            len(lines),
        )

    @api.model
    def _record_value_text(self, record, info, value):
        """One value as read() returns it, as text for a person; "" when empty."""
        kind = info["type"]
        if kind == "boolean":
            return self.env._("Yes") if value else self.env._("No")
        if value is False or value is None or value == "" or value == []:
            return ""
        if kind == "many2one":
            return value[1]
        if kind == "many2many":
            names = self.env[info["relation"]].browse(value[:MANY2MANY_MAX_NAMES])
            text = ", ".join(names._filtered_access("read").mapped("display_name"))
            more = len(value) - MANY2MANY_MAX_NAMES
            return text + (self.env._(" and %(count)s more", count=more) if more > 0 else "")
        if kind == "selection":
            return dict(info.get("selection") or []).get(value, str(value))
        if kind == "date":
            return format_date(self.env, value)
        if kind == "datetime":
            return format_datetime(self.env, value)
        if kind == "monetary":
            currency_field = info.get("currency_field")
            currency = record[currency_field] if currency_field in record._fields else None
            return formatLang(self.env, value, currency_obj=currency or None)
        if kind == "float":
            digits = info.get("digits")
            return formatLang(self.env, value, digits=digits[1] if digits else 2)
        if kind == "html":
            return html2plaintext(value)
        return str(value)

    @api.model
    def _record_messages(self, record):
        """[(author, date, body)] of the last chatter messages the user may read, oldest first."""
        mail_thread = self.env.registry.get("mail.thread")
        if mail_thread is None or not isinstance(record, mail_thread):
            return []
        messages = self.env["mail.message"].search(
            [
                ("model", "=", record._name),
                ("res_id", "=", record.id),
                ("message_type", "in", ("comment", "email")),
            ],
            order="id desc",
            limit=MAX_MESSAGES,
        )
        messages = messages[::-1]
        result = []
        for message, values in zip(
            messages, messages.read(["author_id", "email_from", "date", "body"]), strict=True
        ):
            body = html2plaintext(values["body"] or "").strip()
            if not body:
                continue
            author = values["author_id"] and values["author_id"][1] or values["email_from"] or ""
            if message.is_internal or message.subtype_id.internal:
                author = self.env._("%(author)s (internal note)", author=author)
            result.append((author, format_datetime(self.env, values["date"]), body))
        return result
