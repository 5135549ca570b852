"""Values a model proposes for Odoo fields (JSON) checked and turned into what the ORM writes.

Plain Python: the caller gives each field's type and selection values; relations are checked
against the database by the caller (models/ai_chat_tools_write.py). A ValueError's message
goes back to the model, which can correct its call.
"""

import math
from datetime import date, datetime

import pytz

TEXT_MAX_CHARS = 10_000  # of one proposed text value
MANY_MAX_IDS = 100  # records in one proposed many2many value
INTEGER_LIMIT = 2**31  # PostgreSQL integer
TEXT_TYPES = frozenset({"char", "text", "html"})
WRITABLE_TYPES = TEXT_TYPES | frozenset(
    "integer float monetary boolean date datetime selection many2one many2many".split()
)


def coerce(kind, value, selection=(), tz="UTC"):
    """The ORM value of `value` for a field of type `kind`; False clears a field.
    selection: the allowed values of a selection field; tz: the user's time zone, in which a
    datetime without one is read (the ORM stores UTC)."""
    if kind not in WRITABLE_TYPES:
        raise ValueError(f"fields of type {kind} cannot be written by the assistant")
    if value is None or (value is False and kind != "boolean"):
        return [] if kind == "many2many" else False
    try:
        return _COERCE[kind](value, selection, tz)
    except OverflowError:  # JSON's 1e999 is infinite, 10**400 is too large for a float
        raise ValueError("the number is too large") from None


def _text(value, _selection, _tz):
    if not isinstance(value, str):
        raise ValueError("a text is expected")
    if len(value) > TEXT_MAX_CHARS:
        raise ValueError(f"a text has at most {TEXT_MAX_CHARS} characters")
    return value or False  # as the ORM holds an empty text


def _integer(value, _selection, _tz):
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        raise ValueError("a whole number is expected")
    if not -INTEGER_LIMIT < value < INTEGER_LIMIT:
        raise ValueError("the number is too large")
    return int(value)


def _number(value, _selection, _tz):
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("a number is expected")
    return value


def _boolean(value, _selection, _tz):
    if not isinstance(value, bool):
        raise ValueError("true or false is expected")
    return value


def _date(value, _selection, _tz):
    try:
        return date.fromisoformat(value).isoformat()
    except (TypeError, ValueError):
        raise ValueError("a date is written YYYY-MM-DD") from None


def _datetime(value, _selection, tz):
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValueError("a date and time is written YYYY-MM-DD HH:MM:SS") from None
    if moment.tzinfo is None:
        moment = pytz.timezone(tz or "UTC").localize(moment)
    return moment.astimezone(pytz.utc).replace(tzinfo=None).isoformat(" ", "seconds")


def _selection(value, selection, _tz):
    if value not in selection:
        shown = ", ".join(repr(choice) for choice in list(selection)[:20])
        raise ValueError(f"one of {shown} is expected")
    return value


def _many2one(value, _selection, _tz):
    if isinstance(value, list) and value:  # [id, name], as the read tools show relations
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError("the id of a record is expected")
    return value


def _many2many(value, _selection, _tz):
    if not isinstance(value, list) or not all(
        isinstance(item, int) and not isinstance(item, bool) and item > 0 for item in value
    ):
        raise ValueError("a list of record ids is expected (it replaces the current ones)")
    if len(value) > MANY_MAX_IDS:
        raise ValueError(f"at most {MANY_MAX_IDS} records")
    return sorted(set(value))


_COERCE = {
    **dict.fromkeys(TEXT_TYPES, _text),
    "integer": _integer,
    "float": _number,
    "monetary": _number,
    "boolean": _boolean,
    "date": _date,
    "datetime": _datetime,
    "selection": _selection,
    "many2one": _many2one,
    "many2many": _many2many,
}
