"""Text extraction from uploaded files, for the prompt: plain Python, no ORM, no database.

extract_text() finds the file's format in the registry (registry.py: one row per format, each
in its family's module: pdf.py, office.py, sheets.py, text.py), reads its text with the library
Odoo 18 already ships for it (PyPDF2, openpyxl, xlrd, lxml, chardet, zipfile) and cuts it to a
character budget. Sheets and tables come out as markdown tables, slides and sheets under
`## Slide N` / `## Sheet: name` headings. openpyxl, xlrd and chardet are imported by the readers
that use them: they are most of the import time, which a process started for one file pays
each time.

The input is hostile until proven otherwise, so every read is bounded: zip packages are checked
for bombs before anything is inflated, XML is parsed without entities, network or huge trees,
PDF content streams are measured with a bounded inflate before PyPDF2 decodes them and the
work inside a page is bounded too, readers stop keeping text once they have max_chars, and
sheets are cut to a fixed number of rows and columns. Bad input only ever raises
ExtractionError, whose `code` says why (base.REASONS). Memory and CPU are bounded for good
only in a child process: the server calls extract_sandbox.extract_text, which runs this one
there.
"""

import logging
from dataclasses import dataclass

from .base import REASONS, ExtractionError, over_limit
from .detect import detect_format
from .registry import KINDS

__all__ = [
    "DEFAULT_MAX_CHARS",
    "KINDS",
    "REASONS",
    "Extraction",
    "ExtractionError",
    "cut_at_line",
    "detect_format",
    "extract_text",
    "over_limit",
]

DEFAULT_MAX_CHARS = 100_000
TRUNCATE_LOOKBACK = 0.8  # cut at a line break if one is in the last 20 %

_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Extraction:
    text: str  # the extracted text, already cut to max_chars
    total_chars: int  # length before cutting (an estimate when a PDF was not read to the end)
    truncated: bool  # text is shorter than what the file holds
    kind: str  # one of KINDS
    pages: int | None = None  # pages, sheets or slides when the format has them


def extract_text(data, filename, mimetype=None, max_chars=DEFAULT_MAX_CHARS):
    """Text of a file, cut to max_chars (at a line break when one is close to the limit)."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if not data or data.isspace():
        raise ExtractionError("empty", "The file is empty.")
    found = detect_format(data, filename, mimetype)
    try:
        read = found.read(data, max_chars)
    except ExtractionError:
        raise
    except MemoryError:
        raise over_limit("memory") from None
    except Exception as exc:  # libraries fail on hostile input with any exception type
        _logger.debug("Cannot extract text from %r (%s): %s", filename, found.kind, exc)
        message = f"This {found.label} is damaged and cannot be read."
        raise ExtractionError("corrupt", message) from exc
    text = read.text.strip()
    if not text:
        raise ExtractionError("empty")
    total = max(len(text), read.estimated_chars or 0)
    cut = cut_at_line(text, max_chars)
    return Extraction(cut, total, total > len(cut), found.kind, read.pages)


def cut_at_line(text, max_chars):
    """The first max_chars characters, ended at a line break when one is in the last 20 %."""
    if len(text) <= max_chars:
        return text
    newline = text.rfind("\n", 0, max_chars + 1)
    end = newline if newline >= max_chars * TRUNCATE_LOOKBACK else max_chars
    return text[:end].rstrip()
