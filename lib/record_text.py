"""A record's already-read values as markdown for a prompt: plain Python, no ORM.

The caller reads the record (with the user's access) and turns every value into text; this
module only lays it out: a heading, a line saying what the record is, a list of fields, x2many
lines as bounded markdown tables, chatter messages, then a cut to the character budget with a
visible note. The notes are in English: they are read by the model, not by the user.
"""

import re

from .extract import cut_at_line
from .markdown_table import escape_cell, layout

TABLE_MAX_COLUMNS = 8
TABLE_MAX_ROWS = 50
CELL_MAX_CHARS = 200


def one_line(text):
    """Whitespace runs, newlines included, as one space."""
    return " ".join(str(text).split())


def table_cell(text, max_chars=CELL_MAX_CHARS):
    """A markdown table cell: no line break, `|` escaped, at most max_chars characters."""
    text = one_line(text)
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return escape_cell(text)


def markdown_table(
    columns, rows, total_rows=None, max_columns=TABLE_MAX_COLUMNS, max_rows=TABLE_MAX_ROWS
):
    """columns: [label]; rows: [[text]]; total_rows: how many lines the record has (>= len(rows)).

    Returns (table, note): note says "showing N of M lines" when rows were left out, else "".
    """
    columns = list(columns)[:max_columns]
    shown = [list(row)[: len(columns)] for row in list(rows)[:max_rows]]
    total = max(total_rows or 0, len(rows))
    table = layout(
        [[table_cell(label) for label in columns]]
        + [[table_cell(cell) for cell in row] + [""] * (len(columns) - len(row)) for row in shown]
    )
    note = f"showing {len(shown)} of {total} lines" if len(shown) < total else ""
    return table, note


def _field_line(label, text):
    """`- **Label:** value`; the lines of a multi-line value stay inside the list item."""
    text = re.sub(r"\n\s*\n+", "\n", str(text).strip())
    return f"- **{one_line(label)}:** " + text.replace("\n", "\n  ")


def cut_text(text, max_chars):
    """text within max_chars, cut at a line break when one is near, with a note that it was cut."""
    if len(text) <= max_chars:
        return text
    note = f"\n\n[Cut: the record's text has {len(text)} characters; only the first part is shown.]"
    room = max_chars - len(note)
    if room <= 0:
        return text[:max_chars]
    return cut_at_line(text, room) + note


def record_markdown(title, description, fields=(), tables=(), messages=(), max_chars=60_000):
    """The text of one record, at most max_chars characters.

    title: the display name; description: what it is, e.g. "Contact (res.partner, id 7)";
    fields: [(label, text)]; tables: [(label, columns, rows, total_rows)];
    messages: [(author, date_text, body_text)] oldest first.
    """
    parts = [f"# {one_line(title)}\n{one_line(description)}"]
    if fields:
        parts.append("\n".join(_field_line(label, text) for label, text in fields))
    for label, columns, rows, total_rows in tables:
        table, note = markdown_table(columns, rows, total_rows)
        parts.append(f"## {one_line(label)}" + (f" ({note})" if note else "") + "\n" + table)
    if messages:
        chatter = [f"## Messages (last {len(messages)}, newest last)"]
        for author, date_text, body in messages:
            chatter.append(f"**{one_line(author)}** — {one_line(date_text)}\n{str(body).strip()}")
        parts.append("\n\n".join(chatter))
    return cut_text("\n\n".join(parts), max_chars)
