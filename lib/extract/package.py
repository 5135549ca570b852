"""Zip packages (docx, pptx, odt, ods, xlsx), opened with their sizes checked before anything is
inflated, and what the office and sheet readers share: safe XML parsing, joining blocks within
the budget, markdown tables."""

import io
import zipfile

from lxml import etree

from .. import markdown_table
from .base import ExtractionError, Read
from .text import tidy

ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # sum of the entries read from one office package
ZIP_MAX_RATIO = 100  # an entry inflating more than this ...
ZIP_RATIO_MIN_SIZE = 1024 * 1024  # ... and to more than this is a bomb


def open_zip(data):
    """The package, refused when an entry inflates abnormally (a zip bomb) before anything is
    inflated: the central directory gives each entry's sizes."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        if info.file_size > ZIP_RATIO_MIN_SIZE and info.file_size > ZIP_MAX_RATIO * max(
            info.compress_size, 1
        ):
            zf.close()
            raise ExtractionError("bomb")
    return zf


def check_total(zf, names=None):
    """Refuses a package whose entries to be read are too large: all of them when names is
    None, else each named one as many times as it is named (a part listed twice is read twice)."""
    if names is None:
        total = sum(info.file_size for info in zf.infolist())
    else:
        total = sum(zf.getinfo(name).file_size for name in names)
    if total > ZIP_MAX_UNCOMPRESSED:
        raise ExtractionError("too_large")


def read_member(zf, name, limit=None):
    """An entry's bytes, refused by its declared size; the read is capped too, in case the
    declared size lies."""
    limit = ZIP_MAX_UNCOMPRESSED if limit is None else limit
    if zf.getinfo(name).file_size > limit:
        raise ExtractionError("too_large")
    with zf.open(name) as member:
        content = member.read(limit + 1)
    if len(content) > limit:
        raise ExtractionError("too_large")
    return content


def parse_xml(content):
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    return etree.fromstring(content, parser=parser)


def joined(blocks, max_chars):
    """The blocks of a document, one a line, tidied, kept until the text passes max_chars; the
    later ones are only counted (memory stays bounded by the budget and the largest block)."""
    kept, length, total = [], 0, 0
    for block in blocks:
        total += len(block) + 1
        if length <= max_chars:
            kept.append(block)
            length = total
    return Read(tidy("\n".join(kept)), estimated_chars=total if total > length else None)


def table(rows):
    """rows of str; the first is the header. Line breaks folded, cells escaped."""
    return markdown_table.layout(
        [[markdown_table.escape_cell(_fold_lines(cell)) for cell in row] for row in rows]
    )


def _fold_lines(cell):
    """A cell on one line: each line break and the blanks around it become one space (linear,
    where a regular expression would backtrack over long runs of blanks)."""
    if "\n" not in cell:
        return cell.strip()
    return " ".join(filter(None, (line.strip() for line in cell.split("\n"))))
