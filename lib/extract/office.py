"""Word-processing and presentation files: Word (docx), PowerPoint (pptx), OpenDocument text
(odt). Paragraphs one a line, headings and list items marked as in markdown, tables as markdown
tables, slides under `## Slide N` headings."""

import posixpath
import re

from . import package
from .base import Format, Read
from .text import tidy

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
DOCX_MAIN = "word/document.xml"


def _read_docx(data, max_chars):
    with package.open_zip(data) as zf:
        root = package.parse_xml(package.read_member(zf, DOCX_MAIN))
    body = root.find(_W + "body")
    return Read("") if body is None else package.joined(_docx_blocks(body), max_chars)


def _docx_blocks(container):
    for child in container:
        if child.tag == _W + "p":
            yield _docx_paragraph(child)
        elif child.tag == _W + "tbl":
            rows = [
                [_docx_cell(cell) for cell in row.findall(_W + "tc")]
                for row in child.findall(_W + "tr")
            ]
            if any(rows):
                yield "\n" + package.table([row for row in rows if row]) + "\n"
        elif child.tag == _W + "sdt":  # content controls wrap ordinary paragraphs and tables
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


def _docx_paragraph(paragraph):
    """Runs' text (deleted revisions are w:delText, so they stay out), with a markdown marker
    for headings and list items."""
    text = "".join(
        (node.text or "") if node.tag == _W + "t" else "\t" if node.tag == _W + "tab" else "\n"
        for node in paragraph.iter(_W + "t", _W + "tab", _W + "br", _W + "cr")
    )
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    heading = re.fullmatch(
        r"(?i)heading\s*([1-6])|title", style.get(_W + "val", "") if style is not None else ""
    )
    if heading and text.strip():
        return "#" * int(heading.group(1) or 1) + " " + text
    if paragraph.find(f"{_W}pPr/{_W}numPr") is not None and text.strip():
        return "- " + text
    return text


def _docx_cell(cell):
    return " ".join(_docx_paragraph(p) for p in cell.iter(_W + "p")).strip()


_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
PPTX_MAIN = "ppt/presentation.xml"
_PPTX_RELS = "ppt/_rels/presentation.xml.rels"


def _read_pptx(data, max_chars):
    """Slides read until the text passes max_chars; the rest estimated from those read."""
    with package.open_zip(data) as zf:
        slides = _pptx_slide_names(zf)
        package.check_total(zf, slides)
        sections, length = [], 0
        for number, name in enumerate(slides, 1):
            if length > max_chars:
                break
            sections.append(
                f"## Slide {number}\n" + _pptx_slide_text(package.read_member(zf, name))
            )
            length += len(sections[-1]) + 2
    estimate = length * len(slides) // len(sections) if len(sections) < len(slides) else None
    return Read(tidy("\n\n".join(sections)), len(slides), estimate)


def _pptx_slide_text(content):
    lines = (
        "".join(
            node.text or "" if node.tag == _A + "t" else "\n"
            for node in paragraph.iter(_A + "t", _A + "br")
        )
        for paragraph in package.parse_xml(content).iter(_A + "p")
    )
    return "\n".join(line for line in lines if line)


def _pptx_slide_names(zf):
    """Slide parts in presentation order (sldIdLst), which is not the order of their file
    names once slides were moved; file-name order when the package lacks that list."""
    names = set(zf.namelist())
    if {PPTX_MAIN, _PPTX_RELS} <= names:
        # Two small parts, capped at 1 MB each rather than counted with the slides.
        rels = package.parse_xml(package.read_member(zf, _PPTX_RELS, package.ZIP_RATIO_MIN_SIZE))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
        presentation = package.parse_xml(
            package.read_member(zf, PPTX_MAIN, package.ZIP_RATIO_MIN_SIZE)
        )
        ordered = [
            _resolve_target("ppt", targets.get(slide.get(_R_ID), ""))
            for slide in presentation.iter(_P + "sldId")
        ]
        if ordered and all(name in names for name in ordered):
            return ordered
    numbered = (re.fullmatch(r"ppt/slides/slide(\d+)\.xml", name) for name in names)
    return [
        match.group(0)
        for match in sorted(filter(None, numbered), key=lambda match: int(match.group(1)))
    ]


def _resolve_target(folder, target):
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


ODF_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
ODF_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_MAIN = "content.xml"
_ODF_SKIPPED = frozenset(
    (_TEXT + "note", ODF_OFFICE + "annotation", _TEXT + "tracked-changes", _TEXT + "sequence-decls")
)
ODF_TABLE_CELLS = (ODF_TABLE + "table-cell", ODF_TABLE + "covered-table-cell")


def read_odf_content(data):
    with package.open_zip(data) as zf:
        return package.parse_xml(package.read_member(zf, _ODF_MAIN))


def _read_odt(data, max_chars):
    body = read_odf_content(data).find(f"{ODF_OFFICE}body/{ODF_OFFICE}text")
    return Read("") if body is None else package.joined(_odt_blocks(body), max_chars)


def _odt_blocks(container, depth=0):
    """Paragraphs, headings (`#`), list items (`- `, indented when nested) and tables; any
    other element (sections, indexes) is walked into."""
    for child in container:
        if child.tag in _ODF_SKIPPED:
            continue
        if child.tag == _TEXT + "p":
            text = _odf_inline(child)
            yield "  " * (depth - 1) + "- " + text if depth and text.strip() else text
        elif child.tag == _TEXT + "h":
            level = min(int(child.get(_TEXT + "outline-level") or 1), 6)
            yield "#" * level + " " + _odf_inline(child)
        elif child.tag == _TEXT + "list":
            for item in child:
                yield from _odt_blocks(item, depth + 1)
        elif child.tag == ODF_TABLE + "table":
            rows = [
                [odf_cell_text(cell) for cell in row if cell.tag in ODF_TABLE_CELLS]
                for row in child.iter(ODF_TABLE + "table-row")
            ]
            if any(rows):
                yield "\n" + package.table([row for row in rows if row]) + "\n"
        else:
            yield from _odt_blocks(child, depth)


def _odf_inline(element):
    """Text of a paragraph: spans and links walked into, text:s/tab/line-break expanded,
    notes and comments left out."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _TEXT + "s":
            parts.append(" " * min(int(child.get(_TEXT + "c") or 1), 100))
        elif child.tag == _TEXT + "tab":
            parts.append("\t")
        elif child.tag == _TEXT + "line-break":
            parts.append("\n")
        elif child.tag not in _ODF_SKIPPED:
            parts.append(_odf_inline(child))
        parts.append(child.tail or "")
    return "".join(parts)


def odf_cell_text(cell):
    return "\n".join(_odf_inline(p) for p in cell.iter(_TEXT + "p"))


FORMATS = (
    Format(
        "docx",
        "Word document",
        _read_docx,
        ("docx", "docm"),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
        zip_part=DOCX_MAIN,
    ),
    Format(
        "pptx",
        "PowerPoint file",
        _read_pptx,
        ("pptx", "pptm"),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
        zip_part=PPTX_MAIN,
    ),
    Format(
        "odt",
        "OpenDocument text",
        _read_odt,
        ("odt",),
        ("application/vnd.oasis.opendocument.text",),
        zip_type=b"application/vnd.oasis.opendocument.text",
    ),
)
