# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import dataclasses
import json
import threading

import psycopg2

from odoo import api, models
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.modules.registry import Registry
from odoo.osv import expression
from odoo.tools import SQL

from ..lib import reach
from ..lib import tool_schemas as schemas
from ..lib.tool_loop import ToolResult

STATEMENT_TIMEOUT_MS = 5000  # per tool call; a slower query is cancelled and said so
RUNNING_PER_PROCESS = 2  # tool calls using a database connection at once in one process
WAIT_SECONDS = 30  # for one of those places; then the call says the server is busy
_SLOTS = threading.BoundedSemaphore(RUNNING_PER_PROCESS)
# Errors a tool call turns into a result the model can correct.
_CORRECTABLE = (ValueError, TypeError, KeyError, AccessError, MissingError, UserError)
_CONTEXT_KEYS = ("lang", "tz", "allowed_company_ids")
_NUMERIC = frozenset({"integer", "float", "monetary"})


class ToolRefusal(Exception):
    """A call the model made wrongly: its message goes back to the model."""


class AiChatTools(models.AbstractModel):
    """The read tools the model may call, run with the rights of the user it answers: no sudo
    on what a call reads, so access rights, record rules (companies included) and field
    groups apply, and a deny-list (lib/tool_schemas.py) keeps secrets out for everyone."""

    _name = "ai.chat.tools"
    _description = "AI Chat Tools"

    @api.model
    def _tool_runner(self, message_id):
        """run(name, arguments) -> ToolResult as this user, from any thread: each call in a
        short transaction of its own, with a statement timeout, rolled back (reads only). A
        proposed change is then stored, in a transaction of its own, for the user to decide on
        (the answer is `message_id`)."""
        dbname, uid = self.env.cr.dbname, self.env.uid
        context = {key: self.env.context[key] for key in _CONTEXT_KEYS if key in self.env.context}

        def run(name, arguments):
            if not _SLOTS.acquire(timeout=WAIT_SECONDS):
                return _error("The server is busy: try this tool again later.")
            try:
                with Registry(dbname).cursor() as cr:
                    cr.execute(SQL("SET LOCAL statement_timeout = %s", STATEMENT_TIMEOUT_MS))
                    env = api.Environment(cr, uid, context)
                    try:
                        result = env["ai.chat.tools"]._tool_call(name, arguments)
                    finally:
                        cr.rollback()
                if result.proposal is None:
                    return result
                with Registry(dbname).cursor() as cr:
                    Proposal = api.Environment(cr, uid, context)["ai.chat.proposal"]
                    card = Proposal._propose(message_id, result.proposal)
                return dataclasses.replace(result, proposal=card)
            finally:
                _SLOTS.release()

        return run

    @api.model
    def _tool_names(self):
        """The tools this database offers: the read tools (more with write_tools)."""
        return set(schemas.TOOL_NAMES)

    @api.model
    def _tool_call(self, name, arguments):
        known = self._tool_names()
        if name not in known:
            return _error(f"Unknown tool {name!r}. The tools are: {', '.join(sorted(known))}.")
        try:
            with self.env.cr.savepoint():
                result, summary = getattr(self, f"_tool_{name}")(**arguments)
        except psycopg2.errors.QueryCanceled:
            return _error("The query took too long: narrow the domain or group by less.")
        except psycopg2.Error as exc:
            return _error(f"The database refused the query: {exc.diag.message_primary}.")
        except (ToolRefusal, *_CORRECTABLE) as exc:
            return _error(str(exc) or type(exc).__name__)
        if name in schemas.WRITE_TOOL_NAMES:
            waiting = '{"status": "waiting for the user to approve or reject the change"}'
            return ToolResult(waiting, summary, state="needs_approval", proposal=result)
        return ToolResult(schemas.fitted(result), summary)

    # -- what a call may reach -----------------------------------------------------------

    @api.model
    def _tool_model(self, model):
        """The model, for reading as this user; ToolRefusal when it is unknown or out of reach."""
        if not isinstance(model, str) or model not in self.env:
            raise ToolRefusal(f"Unknown model {model!r}: find_models lists those you can read.")
        records = self.env[model]
        if self._tool_denied(model) or records._abstract or records._transient:
            raise ToolRefusal(f"The model {model} cannot be read by the assistant.")
        if not records.has_access("read"):
            raise ToolRefusal(f"The user may not read {records._description} ({model}).")
        return records

    @api.model
    def _tool_denied(self, model):
        """Out of the tools' reach: the built-in deny-list, the administrator's, and any model
        off the administrator's list of tool models when there is one."""
        settings = self.env["ai.chat.conversation"]._get_chat_settings()
        if settings.tool_models and model not in settings.tool_models:
            return True
        return reach.tool_model_denied(model, settings.denied_models)

    @api.model
    def _tool_fields(self, records):
        """{name: description} of the fields this user may read, secrets left out, and the
        relations to models out of reach (their names would show through grouping)."""
        described = records.fields_get(
            attributes=[
                "string",
                "type",
                "relation",
                "selection",
                "store",
                "searchable",
                "readonly",
                "required",
            ]
        )
        relations = {info["relation"] for info in described.values() if info.get("relation")}
        out_of_reach = {
            model for model in relations if model not in self.env or self._tool_denied(model)
        }
        return {
            name: info
            for name, info in described.items()
            if not reach.field_denied(name, info["type"])
            and info.get("relation") not in out_of_reach
        }

    @api.model
    def _tool_field_names(self, records, names, readable):
        if names is None:
            return None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ToolRefusal("Fields must be a list of field names.")
        unknown = [name for name in names if name not in readable]
        if unknown:
            raise ToolRefusal(
                f"Unknown or unreadable fields on {records._name}: {', '.join(unknown)}. "
                "describe_model lists the fields."
            )
        return names

    @api.model
    def _tool_domain(self, records, domain):
        """The domain, each leaf checked: a field path this user may read and search hop by
        hop, a known operator, plain values. (Odoo drops a leaf on a field it cannot search,
        which would match every record: refused here instead.)"""
        if domain in (None, ""):
            return []
        if not isinstance(domain, list):
            raise ToolRefusal('A domain is a list, e.g. [["state", "=", "sale"]].')
        domain = expression.normalize_domain(
            [list(e) if isinstance(e, tuple) else e for e in domain]
        )
        for element in domain:
            if element in expression.DOMAIN_OPERATORS:
                continue
            if not (isinstance(element, list | tuple) and len(element) == 3):
                raise ToolRefusal(f"Invalid domain element {element!r}: use [field, op, value].")
            path, operator, value = element
            if operator not in expression.TERM_OPERATORS:
                raise ToolRefusal(f"Unknown operator {operator!r} in {element!r}.")
            if not _plain(value):
                raise ToolRefusal(f"Values are numbers, texts, booleans or lists: {element!r}.")
            self._tool_path(records, path)
        return domain

    @api.model
    def _tool_path(self, records, path):
        if not isinstance(path, str) or not path:
            raise ToolRefusal(f"Invalid field path {path!r}.")
        model = records
        for hop, name in enumerate(path.split(".")):
            info = self._tool_fields(model).get(name)
            if info is None or not info.get("searchable"):
                raise ToolRefusal(
                    f"{model._name} has no field {name!r} that can be searched: "
                    "describe_model lists the fields."
                )
            if hop < len(path.split(".")) - 1:
                if not info.get("relation"):
                    raise ToolRefusal(f"{model._name}.{name} is not a relation: {path!r}.")
                model = self._tool_model(info["relation"])

    @api.model
    def _tool_order(self, records, order, readable):
        if not order:
            return None
        if not isinstance(order, str):
            raise ToolRefusal("The order is a text, e.g. 'date_order desc, id'.")
        for part in order.split(","):
            words = part.split()
            if not 1 <= len(words) <= 2 or words[1:] and words[1].lower() not in ("asc", "desc"):
                raise ToolRefusal(f"Invalid order {order!r}: use 'field asc' or 'field desc'.")
            info = readable.get(words[0])
            if info is None or not info.get("store"):
                raise ToolRefusal(f"{records._name} cannot be sorted by {words[0]!r}.")
        return order

    @api.model
    def _tool_rows(self, records, names):
        return [
            {key: schemas.short_value(value) for key, value in row.items()}
            for row in records.read(names)
        ]

    @api.model
    def _tool_default_fields(self, readable, count=8):
        """A few fields that say what a record is, when the model asked for none."""
        preferred = [
            "display_name",
            "name",
            "state",
            "date",
            "date_order",
            "partner_id",
            "amount_total",
            "email",
            "user_id",
            "company_id",
        ]
        chosen = [name for name in preferred if name in readable]
        return (chosen or ["display_name"])[:count]

    # -- the tools -----------------------------------------------------------------------

    @api.model
    def _tool_find_models(self, query):
        query = str(query).strip().lower()
        # sudo: ir.model - users may not list models; only those they may read are kept
        found = (
            self.env["ir.model"]
            .sudo()
            .search_read([("transient", "=", False)], ["model", "name"], order="model")
        )
        matches = []
        for row in found:
            model = row["model"]
            if query and query not in model.lower() and query not in (row["name"] or "").lower():
                continue
            if model not in self.env or self._tool_denied(model) or self.env[model]._abstract:
                continue
            if self.env[model].has_access("read"):
                matches.append({"model": model, "name": row["name"]})
            if len(matches) == schemas.FIND_MAX_MODELS:
                break
        summary = self.env._("Looked for record types: %(count)s found", count=len(matches))
        return {"models": matches}, summary

    @api.model
    def _tool_describe_model(self, model):
        records = self._tool_model(model)
        fields = []
        for name, info in sorted(self._tool_fields(records).items()):
            field = {"name": name, "label": info.get("string"), "type": info["type"]}
            if info.get("relation"):
                field["relation"] = info["relation"]
            selection = info.get("selection")
            if selection:
                field["selection"] = [value for value, _label in selection][
                    : schemas.SELECTION_SHOWN
                ]
                if len(selection) > schemas.SELECTION_SHOWN:
                    field["selection_count"] = len(selection)
            fields.append(field)
        result = {
            "model": model,
            "name": records._description,
            "fields": fields[: schemas.DESCRIBE_MAX_FIELDS],
        }
        return result, self.env._("Described %(model)s", model=records._description)

    @api.model
    def _tool_search_records(self, model, domain=None, fields=None, order=None, limit=None):
        records = self._tool_model(model)
        readable = self._tool_fields(records)
        names = self._tool_field_names(records, fields, readable)
        names = names or self._tool_default_fields(readable)
        domain = self._tool_domain(records, domain)
        limit = _limit(limit)
        found = records.search(
            domain, limit=limit, order=self._tool_order(records, order, readable)
        )
        total = records.search_count(domain) if len(found) == limit else len(found)
        result = {"model": model, "count": total, "records": self._tool_rows(found, names)}
        summary = self.env._(
            "Searched %(model)s: %(count)s found", model=records._description, count=total
        )
        return result, summary

    @api.model
    def _tool_count_records(self, model, domain=None):
        records = self._tool_model(model)
        count = records.search_count(self._tool_domain(records, domain))
        summary = self.env._(
            "Counted %(model)s: %(count)s", model=records._description, count=count
        )
        return {"model": model, "count": count}, summary

    @api.model
    def _tool_read_record(self, model, fields=None, **key):
        if set(key) != {"id"}:  # the tool's parameter is `id`, a builtin's name here
            raise ToolRefusal("read_record takes model, id and optionally fields.")
        record_id = key["id"]
        records = self._tool_model(model)
        readable = self._tool_fields(records)
        names = self._tool_field_names(records, fields, readable)
        names = names or [name for name, info in readable.items() if info.get("store")][:40]
        record = records.browse(int(record_id)).exists()
        if not record:
            raise ToolRefusal(f"There is no {model} record with id {record_id}.")
        result = {"model": model, "record": self._tool_rows(record, names)[0]}
        summary = self.env._("Read %(name)s", name=record.display_name)
        return result, summary

    @api.model
    def _tool_aggregate_records(self, model, groupby, domain=None, aggregates=None, limit=None):
        records = self._tool_model(model)
        readable = self._tool_fields(records)
        if not isinstance(groupby, list) or not groupby:
            raise ToolRefusal("groupby is a list of fields, e.g. ['partner_id', 'date:month'].")
        groups = [self._tool_groupby(records, spec, readable) for spec in groupby]
        measures = [self._tool_aggregate(records, spec, readable) for spec in aggregates or []]
        limit = _limit(limit)
        rows = records.read_group(
            self._tool_domain(records, domain), measures, groups, limit=limit, lazy=False
        )
        keys = [spec.split(":")[0] for spec in measures]
        result_rows = [
            {
                **{spec: schemas.short_value(row[spec]) for spec in groups},
                **{key: row.get(key) for key in keys},
                "count": row["__count"],
            }
            for row in rows
        ]
        summary = self.env._(
            "Grouped %(model)s: %(count)s groups",
            model=records._description,
            count=len(result_rows),
        )
        return {"model": model, "groups": result_rows}, summary

    @api.model
    def _tool_groupby(self, records, spec, readable):
        name, _, granularity = str(spec).partition(":")
        info = readable.get(name)
        if info is None or not info.get("store") or info["type"] in ("one2many", "many2many"):
            raise ToolRefusal(f"{records._name} cannot be grouped by {name!r}.")
        if granularity and (
            info["type"] not in ("date", "datetime") or granularity not in schemas.GRANULARITIES
        ):
            raise ToolRefusal(f"Group dates by day, week, month, quarter or year, not {spec!r}.")
        return spec

    @api.model
    def _tool_aggregate(self, records, spec, readable):
        name, _, function = str(spec).partition(":")
        info = readable.get(name)
        if info is None or not info.get("store") or function not in schemas.AGGREGATES:
            raise ToolRefusal(
                f"Invalid aggregate {spec!r}: use field:sum, avg, min, max or count_distinct."
            )
        if function != "count_distinct" and info["type"] not in _NUMERIC:
            raise ToolRefusal(f"{name} is not a number: only field:count_distinct applies.")
        return spec


def _limit(limit):
    """The rows a call asked for, within 1 and SEARCH_MAX_LIMIT (20 when it said nothing)."""
    return min(max(int(limit or schemas.SEARCH_DEFAULT_LIMIT), 1), schemas.SEARCH_MAX_LIMIT)


def _plain(value):
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, str | int | float | bool)


def _error(message):
    return ToolResult(json.dumps({"error": message}, ensure_ascii=False), message, state="error")
