"""Markdown tables for prompts, from cells already turned into text. No ORM here."""


def escape_cell(text):
    """A cell's text inside `| ... |`: a backslash or a pipe stays a character, not syntax."""
    return text.replace("\\", "\\\\").replace("|", "\\|")


def layout(rows):
    """rows of one-line cell texts, already escaped; the first is the header. Short rows are
    padded to the widest."""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(list(row) + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + " --- |" * width)
    return "\n".join(lines)
