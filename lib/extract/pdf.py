"""PDF: the text layer page by page under `## Page N` headings, read with PyPDF2 (which Odoo ships)
within bounds it does not have itself: content streams are measured with a bounded inflate
before PyPDF2 decodes them, and the work inside a page is bounded in time and text."""

import io
import time
import zlib

from PyPDF2 import PdfReader
from PyPDF2.errors import DependencyError
from PyPDF2.filters import ASCII85Decode, ASCIIHexDecode
from PyPDF2.generic import DictionaryObject, IndirectObject

from .base import ExtractionError, Format, Read, over_limit

PDF_MAX_DECODED = 16 * 1024 * 1024  # decoded content streams read from one PDF
PDF_MAX_SECONDS = 15  # reading stops then, inside a page too
PDF_MAX_PAGE_TEXT = 256 * 1024  # bytes of text one page may show, its forms included
PDF_MAX_FORM_DEPTH = 12  # forms drawn inside forms; deeper ones are skipped
PDF_MAX_PARENTS = 32  # page tree levels looked up for inherited resources

_FLATE = ("/FlateDecode", "/Fl")
_ASCII_DECODERS = {
    "/ASCII85Decode": ASCII85Decode,
    "/A85": ASCII85Decode,
    "/ASCIIHexDecode": ASCIIHexDecode,
    "/AHx": ASCIIHexDecode,
}


def _read_pdf(data, max_chars):
    reader = PdfReader(io.BytesIO(data), strict=False)
    try:
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("password")
        return _read_pdf_pages(reader, max_chars)
    except DependencyError as exc:  # AES needs PyCryptodome, which Odoo does not require
        raise ExtractionError("encrypted") from exc


def _read_pdf_pages(reader, max_chars):
    """Text layer page by page under `## Page N`. Stops once max_chars is passed, the decoded
    content budget is spent or the time is up; the full length is then estimated from the
    pages read (the page count stays exact)."""
    page_count = len(reader.pages)
    if not page_count:
        raise ExtractionError("empty", "This PDF has no pages.")
    deadline = time.monotonic() + PDF_MAX_SECONDS
    parts, length, decoded, seen, read = [], 0, 0, set(), 0
    for number, page in enumerate(reader.pages, 1):
        if read and (length > max_chars or time.monotonic() > deadline):
            break
        decoded += _new_content_size(page, seen, PDF_MAX_DECODED - decoded)
        if decoded > PDF_MAX_DECODED:
            if not read:
                raise ExtractionError("too_large", "This PDF is too large to read.")
            break
        try:
            text = _page_text(page, deadline)
        except _PageCut as cut:  # the pages read so far are kept
            if not read:
                raise over_limit(cut.code) from None
            break
        read = number
        if text:
            parts.append(f"## Page {number}\n{text}")
            length += len(parts[-1]) + 2
    if not parts:
        raise ExtractionError("no_text")
    estimate = length * page_count // read if read < page_count else None
    return Read("\n\n".join(parts), page_count, estimate)


_SHOW_TEXT = frozenset((b"Tj", b"TJ", b"'", b'"'))


class _PageCut(Exception):
    """Stops PyPDF2 inside a page; code: 'timeout' or 'memory'."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


class _FormTooDeep(Exception):
    """Stops the form being drawn, which draws forms too deep."""


def _page_text(page, deadline):
    """The page's text layer; raises _PageCut past the deadline or the page's text budget."""
    if _pdf_resources(page) is None:
        return ""  # no font, no text (and PyPDF2 would loop on a /Parent cycle)
    work = _PageWork(deadline)
    text = page.extract_text(visitor_operand_before=work.before, visitor_operand_after=work.after)
    if work.cut:
        raise _PageCut(work.cut)
    return text.replace("\x00", "").strip()


class _PageWork:
    """Bounds PyPDF2's extract_text inside a page, where forms drawing forms multiply the work
    (a few kilobytes can draw billions of forms): PyPDF2 calls before() and after() around
    every operator, those of nested forms included. Past the deadline or the text budget every
    later call raises, since PyPDF2 ignores errors inside a form and goes on with the next
    operator; a form nested too deep is left out."""

    def __init__(self, deadline):
        self.deadline, self.shown, self.depth, self.cut = deadline, 0, 0, None

    def before(self, operator, operands, *_matrices):
        if not self.cut and time.monotonic() > self.deadline:
            self.cut = "timeout"
        if not self.cut and operator in _SHOW_TEXT:
            self.shown += sum(
                len(item)
                for operand in operands
                for item in (operand if isinstance(operand, list) else [operand])
                if isinstance(item, str | bytes)
            )
            # PyPDF2's time grows with the square of a string's length, its memory with the text.
            if self.shown > PDF_MAX_PAGE_TEXT:
                self.cut = "memory"
        if self.cut:
            raise _PageCut(self.cut)
        if operator == b"Do":
            if self.depth == PDF_MAX_FORM_DEPTH:
                raise _FormTooDeep()
            self.depth += 1

    def after(self, operator, operands, *_matrices):
        if operator == b"Do":
            self.depth -= 1


def _new_content_size(page, seen, limit):
    """Decoded size of the streams text extraction decodes on this page and that were not
    counted yet (seen holds the counted ones), counted up to a little over limit.

    PyPDF2 inflates streams without any limit, so a few kilobytes of PDF can expand to
    gigabytes; measuring first with a bounded inflate keeps memory bounded.
    """
    size = 0
    for stream in _new_streams(page, seen):
        size += _decoded_size(stream, limit - size)
        if size > limit:
            break
    return size


def _new_streams(page, seen):
    """The streams not in seen (added to it) that text extraction may decode on the page: its
    contents, the forms its resources hold, those their own resources hold and so on, and the
    fonts' /ToUnicode maps. Images are left out: text extraction does not decode them."""
    refs, pending = [], [_pdf_resources(page)]
    if "/Contents" in page:  # one stream, or an array of them
        contents = page["/Contents"]
        refs = list(contents) if isinstance(contents, list) else [page.raw_get("/Contents")]
    while refs or pending:
        if not refs:
            refs = _resource_refs(pending.pop())
            continue
        ref = refs.pop()
        key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(ref)
        stream = ref.get_object()
        if key in seen or not hasattr(stream, "_data") or _pdf_get(stream, "/Subtype") == "/Image":
            continue
        seen.add(key)
        yield stream
        if _pdf_get(stream, "/Subtype") == "/Form":
            pending.append(_pdf_resources(stream))


def _resource_refs(resources):
    """References of a resource dictionary's XObjects and of its fonts' /ToUnicode maps."""
    xobjects, fonts = _pdf_dict(resources, "/XObject"), _pdf_dict(resources, "/Font")
    refs = [xobjects.raw_get(name) for name in xobjects]
    for name in fonts:
        font = fonts[name]
        if isinstance(font, DictionaryObject) and "/ToUnicode" in font:
            refs.append(font.raw_get("/ToUnicode"))
    return refs


def _pdf_resources(node):
    """The resources of a page or form: its own, else the nearest parent's (a page inherits
    them from the page tree), as PyPDF2 looks them up; None when there are none."""
    for _ in range(PDF_MAX_PARENTS):
        if "/Resources" in node:
            return node["/Resources"]
        if "/Parent" not in node:
            return None
        node = node["/Parent"]
    return None


def _decoded_size(stream, limit):
    """Size after the stream's filters, applied one by one while the data stays under limit:
    Flate with a bounded inflate, the ASCII filters (at most 4 bytes out per byte in) through
    PyPDF2. Any other filter ends the walk and the size so far stands in: images are skipped
    before this, and LZW, which old PDFs use for text too, is left unbounded."""
    data = stream._data or b""  # PyPDF2 keeps the still-encoded bytes there
    filters = _pdf_get(stream, "/Filter")
    for name in filters if isinstance(filters, list) else [filters]:
        if len(data) > limit:
            break
        try:
            if name in _FLATE:
                data = zlib.decompressobj().decompress(data, limit + 1)
            elif name in _ASCII_DECODERS:
                data = _ASCII_DECODERS[name].decode(data)
            else:
                break
        except (zlib.error, ValueError):
            break  # PyPDF2 repairs some broken streams itself; the size so far stands in
    return len(data)


def _pdf_get(dictionary, key):
    """dictionary[key] with references resolved (PyPDF2's get() leaves them), or None."""
    return dictionary[key] if key in dictionary else None


def _pdf_dict(dictionary, key):
    """dictionary[key] when both are dictionaries, else an empty one."""
    value = _pdf_get(dictionary, key) if isinstance(dictionary, DictionaryObject) else None
    return value if isinstance(value, DictionaryObject) else DictionaryObject()


FORMATS = (Format("pdf", "PDF", _read_pdf, ("pdf",), ("application/pdf",)),)
