"""Text extraction from uploaded files, for the prompt: plain Python, no ORM, no database.

extract_text() detects the kind of a file (magic bytes first, then extension, then mimetype),
reads its text with the library Odoo 18 already ships for it (PyPDF2, openpyxl, xlrd, lxml,
chardet, zipfile) and cuts it to a character budget. Sheets and tables come out as markdown
tables, slides and sheets under `## Slide N` / `## Sheet: name` headings. openpyxl, xlrd and
chardet are imported by the readers that use them: they are most of the import time, which a
process started for one file pays each time.

The input is hostile until proven otherwise, so every read is bounded: zip packages are checked
for bombs before anything is inflated, XML is parsed without entities, network or huge trees,
PDF content streams are measured with a bounded inflate before PyPDF2 decodes them and the
work inside a page is bounded too, readers stop keeping text once they have max_chars, and
sheets are cut to a fixed number of rows and columns. Bad input only ever raises
ExtractionError; its `code` is stable (the caller translates by code), its `message` is a short
English sentence. Memory and CPU are bounded for good only in a child process: the server calls
extract_sandbox.extract_text, which runs this one there.
"""
import io
import logging
import posixpath
import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time as dt_time

from lxml import etree, html as lxml_html
from PyPDF2 import PdfReader
from PyPDF2.errors import DependencyError
from PyPDF2.filters import ASCII85Decode, ASCIIHexDecode
from PyPDF2.generic import DictionaryObject, IndirectObject

from . import markdown_table

_logger = logging.getLogger(__name__)

# --- limits -----------------------------------------------------------------------------------

ZIP_MAX_UNCOMPRESSED = 50 * 1024 * 1024  # sum of the entries read from one office package
ZIP_MAX_RATIO = 100                       # an entry inflating more than this ...
ZIP_RATIO_MIN_SIZE = 1024 * 1024          # ... and to more than this is a bomb
SHEET_MAX_ROWS = 2000                     # rows shown per sheet (empty rows do not count)
SHEET_MAX_COLS = 50                       # columns shown per sheet
SHEET_MAX_SCANNED_ROWS = 1_048_576        # rows counted per sheet at most (Excel's own limit)
SHEET_MAX_CELL_CHARS = 32_767             # characters shown per cell (Excel's own limit)
SHEET_MAX_SCANNED_CHARS = 64 * 1024 * 1024  # characters of the cells looked at per workbook
PDF_MAX_DECODED = 16 * 1024 * 1024        # decoded content streams read from one PDF
PDF_MAX_SECONDS = 15                      # reading stops then, inside a page too
PDF_MAX_PAGE_TEXT = 256 * 1024            # bytes of text one page may show, its forms included
PDF_MAX_FORM_DEPTH = 12                   # forms drawn inside forms; deeper ones are skipped
PDF_MAX_PARENTS = 32                      # page tree levels looked up for inherited resources
DEFAULT_MAX_CHARS = 100_000
CHARDET_SAMPLE = 64 * 1024
CHARDET_MIN_CONFIDENCE = 0.8
TRUNCATE_LOOKBACK = 0.8                   # cut at a line break if one is in the last 20 %

KINDS = (
    "pdf", "docx", "xlsx", "xls", "ods", "odt", "pptx",
    "csv", "text", "html", "json", "xml", "code", "markdown",
)
_LABELS = {
    "pdf": "PDF", "docx": "Word document", "xlsx": "Excel workbook", "xls": "Excel workbook",
    "ods": "OpenDocument spreadsheet", "odt": "OpenDocument text", "pptx": "PowerPoint file",
}


class ExtractionError(Exception):
    """Bad input: code is 'unsupported', 'corrupt', 'empty', 'no_text', 'too_large', or 'memory'
    and 'timeout' for a file that needs more memory or time to read than it may take."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


_OVER_LIMIT = {"memory": "This file needs too much memory to read.",
               "timeout": "This file took too long to read."}


def over_limit(code):
    """The ExtractionError for a file that needs too much 'memory' or time ('timeout')."""
    return ExtractionError(code, _OVER_LIMIT[code])


@dataclass(frozen=True)
class Extraction:
    text: str            # the extracted text, already cut to max_chars
    total_chars: int     # length before cutting (an estimate when a PDF was not read to the end)
    truncated: bool      # text is shorter than what the file holds
    kind: str            # one of KINDS
    pages: int | None = None  # pages, sheets or slides when the format has them


@dataclass(frozen=True)
class _Read:
    """What one format reader returns; estimated_chars is set when it stopped early."""
    text: str
    pages: int | None = None
    estimated_chars: int | None = None


def extract_text(data, filename, mimetype=None, max_chars=DEFAULT_MAX_CHARS):
    """Text of a file, cut to max_chars (at a line break when one is close to the limit)."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if not data or data.isspace():
        raise ExtractionError("empty", "The file is empty.")
    kind = detect_kind(data, filename, mimetype)
    try:
        read = _READERS[kind](data, max_chars)
    except ExtractionError:
        raise
    except MemoryError:
        raise over_limit("memory") from None
    except Exception as exc:  # libraries fail on hostile input with any exception type
        _logger.debug("Cannot extract text from %r (%s): %s", filename, kind, exc)
        label = _LABELS.get(kind, "file")
        raise ExtractionError("corrupt", f"This {label} is damaged and cannot be read.") from exc
    text = read.text.strip()
    if not text:
        raise ExtractionError("empty", "The file contains no text.")
    total = max(len(text), read.estimated_chars or 0)
    cut = cut_at_line(text, max_chars)
    return Extraction(cut, total, total > len(cut), kind, read.pages)


def cut_at_line(text, max_chars):
    """The first max_chars characters, ended at a line break when one is in the last 20 %."""
    if len(text) <= max_chars:
        return text
    newline = text.rfind("\n", 0, max_chars + 1)
    end = newline if newline >= max_chars * TRUNCATE_LOOKBACK else max_chars
    return text[:end].rstrip()


# --- detection --------------------------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Checked only on data that looks binary, so a text file starting with "MZ" stays a text file.
_BINARY_SIGNATURES = (
    ((b"MZ", b"\x7fELF", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe",
      b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"\x00asm"),
     "Executable files are not supported."),
    ((b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"BM", b"II*\x00", b"MM\x00*",
      b"\x00\x00\x01\x00", b"8BPS"),
     "Images are not supported: text is not read from pictures (no OCR)."),
    ((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07",
      b"\x28\xb5\x2f\xfd"),
     "Archives are not supported: attach the files inside instead."),
    ((b"ID3", b"OggS", b"fLaC", b"RIFF", b"\x1a\x45\xdf\xa3"),
     "Audio and video files are not supported."),
)
_UNSUPPORTED = "This file type is not supported."

_EXTENSIONS = {
    "pdf": "pdf", "docx": "docx", "docm": "docx", "xlsx": "xlsx", "xlsm": "xlsx", "xls": "xls",
    "ods": "ods", "odt": "odt", "pptx": "pptx", "pptm": "pptx",
    "csv": "csv", "tsv": "csv", "txt": "text", "text": "text", "log": "text", "rst": "text",
    "md": "markdown", "markdown": "markdown", "html": "html", "htm": "html", "xhtml": "html",
    "json": "json", "jsonl": "json", "geojson": "json", "xml": "xml", "svg": "xml", "xsd": "xml",
    **dict.fromkeys((
        "py", "js", "mjs", "cjs", "jsx", "ts", "tsx", "vue", "java", "kt", "scala", "groovy",
        "c", "h", "cpp", "cc", "cxx", "hpp", "cs", "go", "rs", "rb", "php", "pl", "lua", "r",
        "swift", "dart", "sql", "sh", "bash", "zsh", "ps1", "bat", "css", "scss", "sass", "less",
        "ini", "cfg", "conf", "toml", "yaml", "yml", "properties", "env", "tex", "po", "pot",
    ), "code"),
}
_FILENAMES = {"makefile": "code", "dockerfile": "code"}
_MIMETYPES = {
    "application/pdf": "pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "text/csv": "csv", "text/tab-separated-values": "csv", "text/html": "html",
    "application/xhtml+xml": "html", "application/json": "json", "application/xml": "xml",
    "text/xml": "xml", "text/markdown": "markdown", "application/x-yaml": "code",
    "application/javascript": "code", "text/javascript": "code", "application/x-sh": "code",
}
_ZIP_KINDS = ("docx", "xlsx", "pptx", "odt", "ods")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
               RuntimeError)


def detect_kind(data, filename, mimetype):
    """One of KINDS; raises ExtractionError('unsupported') for files that are not text."""
    name = posixpath.basename((filename or "").replace("\\", "/")).lower()
    ext = name.rpartition(".")[2] if "." in name else ""
    mimetype = (mimetype or "").partition(";")[0].strip().lower()
    # PDF readers accept junk before the header; a text file quoting one stays a text file.
    said_pdf = ext == "pdf" or mimetype == "application/pdf"
    if data.startswith(b"%PDF-") or (said_pdf and b"%PDF-" in data[:1024]):
        return "pdf"
    if data.startswith(_ZIP_MAGICS):
        return _zip_kind(data, ext)
    if data.startswith(_OLE_MAGIC):  # the old binary Office formats share this container
        if ext == "xls" or mimetype == "application/vnd.ms-excel":
            return "xls"
        raise ExtractionError("unsupported", "Old Office files (.doc, .ppt) are not supported: "
                                             "save them as .docx or .pptx.")
    if not _has_text_bom(data) and _looks_binary(data[:4096]):
        for magics, message in _BINARY_SIGNATURES:
            if data.startswith(magics):
                raise ExtractionError("unsupported", message)
        raise ExtractionError("unsupported", _UNSUPPORTED)
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    if name in _FILENAMES:
        return _FILENAMES[name]
    if mimetype in _MIMETYPES:
        return _MIMETYPES[mimetype]
    return _sniff_text_kind(data)


def _zip_kind(data, ext):
    """Office packages are zip files told apart by their parts; other zips are refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            odf_type = b""
            if "mimetype" in names:  # ODF: the package's type, stored first
                with zf.open("mimetype") as member:
                    odf_type = member.read(100).strip()
    except _ZIP_ERRORS:
        if _EXTENSIONS.get(ext) in _ZIP_KINDS:
            return _EXTENSIONS[ext]  # a broken package: its reader reports it as corrupt
        raise ExtractionError("unsupported", _UNSUPPORTED) from None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if odf_type == b"application/vnd.oasis.opendocument.text":
        return "odt"
    if odf_type == b"application/vnd.oasis.opendocument.spreadsheet":
        return "ods"
    if odf_type or "[Content_Types].xml" in names:  # another office format (odp, vsdx, ...)
        raise ExtractionError("unsupported", _UNSUPPORTED)
    raise ExtractionError("unsupported", "Archives are not supported: attach the files inside "
                                         "instead.")


def _looks_binary(sample):
    """NUL bytes or many control characters (tab, newlines, form feed and ESC are text)."""
    if b"\x00" in sample:
        return True
    controls = len(sample) - len(sample.translate(None, bytes(range(32)))) \
        - sum(sample.count(c) for c in b"\t\n\r\f\x1b")
    return controls > len(sample) * 0.05


def _sniff_text_kind(data):
    head = data[:512].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"#!"):
        return "code"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"
    return "text"


# --- text files -------------------------------------------------------------------------------

# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)


def _has_text_bom(data):
    return data.startswith(tuple(bom for bom, _codec in _BOMS))


def _decode_text(data):
    """bytes -> str: BOM, else UTF-8, else chardet's guess when it is sure, else cp1252.

    cp1252 is the fallback because unsure guesses are mostly Western single-byte text, where
    chardet hesitates between Latin variants (and calls Latin-1 what is really cp1252).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _normalize_newlines(data[len(bom):].decode(codec))
            except UnicodeDecodeError:
                raise ExtractionError("unsupported", "The text encoding of this file cannot be "
                                                     "read.") from None
    if b"\x00" in data or _looks_binary(data[:4096]):
        raise ExtractionError("unsupported", "This file is not text.")
    try:
        return _normalize_newlines(data.decode("utf-8"))
    except UnicodeDecodeError:
        pass
    import chardet
    guess = chardet.detect(data[:CHARDET_SAMPLE])
    encoding = guess["encoding"] if (guess["confidence"] or 0) >= CHARDET_MIN_CONFIDENCE else None
    if not encoding or encoding.lower() in ("ascii", "iso-8859-1"):
        encoding = "cp1252"
    for candidate in (encoding, "cp1252", "latin-1"):  # latin-1 decodes any byte
        try:
            return _normalize_newlines(data.decode(candidate))
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes every byte")


def _normalize_newlines(text):
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _read_plain(data, max_chars):
    return _Read(_decode_text(data))


# Dropped with their content: code, styling and embedded objects are not text for a reader.
_HTML_DROP = ("script", "style", "noscript", "template", "svg", "math", "canvas", "iframe",
              "object", "embed")
_HTML_BLOCKS = frozenset((
    "p", "div", "section", "article", "header", "footer", "main", "nav", "aside", "address",
    "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "form", "fieldset",
    "figure", "figcaption", "hr", "title", "h1", "h2", "h3", "h4", "h5", "h6", "body",
))


def _read_html(data, max_chars):
    parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True,
                                  no_network=True)
    try:
        root = lxml_html.document_fromstring(_decode_text(data).encode("utf-8"), parser=parser)
    except etree.ParserError:  # a document without any element
        return _Read("")
    for element in root.xpath("|".join("//" + tag for tag in _HTML_DROP)):
        element.drop_tree()  # keeps the tail text that follows the element
    return _Read(_html_text(root))


def _html_text(root):
    """Visible text with block elements on their own lines, headings and list items marked as in
    markdown, table cells separated by `|`; whitespace collapsed except inside <pre>."""
    parts, in_pre = [], 0

    def emit(text):
        if not in_pre:
            text = re.sub(r"\s+", " ", text)
            if not parts or parts[-1].endswith("\n"):
                text = text.lstrip()
        if text:
            parts.append(text)

    for event, element in etree.iterwalk(root, events=("start", "end")):
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _HTML_BLOCKS:
                parts.append("\n")
            if tag == "pre":
                in_pre += 1
            elif tag == "li":
                parts.append("- ")
            elif re.fullmatch(r"h[1-6]", tag):
                parts.append("#" * int(tag[1]) + " ")
            elif tag in ("td", "th") and element.getprevious() is not None:
                parts.append(" | ")
            emit(element.text or "")
        else:
            if tag == "pre":
                in_pre -= 1
            if tag == "br" or tag in _HTML_BLOCKS:
                parts.append("\n")
            emit(element.tail or "")
    return _tidy("".join(parts))


def _tidy(text):
    """Trailing spaces removed, at most one blank line in a row. Line by line rather than with
    regular expressions, which backtrack over long runs of blanks: linear in the text."""
    lines, blank = [], False
    for line in text.split("\n"):
        line = line.rstrip(" \t")
        if line or not blank:
            lines.append(line)
        blank = not line
    return "\n".join(lines).strip()


# --- PDF --------------------------------------------------------------------------------------

_FLATE = ("/FlateDecode", "/Fl")
_ASCII_DECODERS = {"/ASCII85Decode": ASCII85Decode, "/A85": ASCII85Decode,
                   "/ASCIIHexDecode": ASCIIHexDecode, "/AHx": ASCIIHexDecode}


def _read_pdf(data, max_chars):
    reader = PdfReader(io.BytesIO(data), strict=False)
    try:
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("corrupt", "This PDF is protected by a password: remove the "
                                             "password and attach it again.")
        return _read_pdf_pages(reader, max_chars)
    except DependencyError as exc:  # AES needs PyCryptodome, which Odoo does not require
        raise ExtractionError("corrupt", "This PDF is encrypted in a way that cannot be "
                                         "read.") from exc


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
        raise ExtractionError("no_text", "This PDF has no text layer (a scan?); OCR is not "
                                         "supported.")
    estimate = length * page_count // read if read < page_count else None
    return _Read("\n\n".join(parts), page_count, estimate)


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
    text = page.extract_text(visitor_operand_before=work.before,
                             visitor_operand_after=work.after)
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
            self.shown += sum(len(item) for operand in operands for item in
                              (operand if isinstance(operand, list) else [operand])
                              if isinstance(item, (str, bytes)))
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


# --- zip packages (docx, pptx, odt, ods, xlsx) ------------------------------------------------

_TOO_LARGE_UNZIPPED = "This document is too large to read once uncompressed."


def _open_zip(data):
    """The package, refused when an entry inflates abnormally (a zip bomb) before anything is
    inflated: the central directory gives each entry's sizes."""
    zf = zipfile.ZipFile(io.BytesIO(data))
    for info in zf.infolist():
        if info.file_size > ZIP_RATIO_MIN_SIZE \
                and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            zf.close()
            raise ExtractionError("too_large", "This file inflates to an abnormal size (a zip "
                                               "bomb?) and was not read.")
    return zf


def _check_total(zf, names=None):
    """Refuses a package whose entries to be read are too large: all of them when names is
    None, else each named one as many times as it is named (a part listed twice is read twice)."""
    if names is None:
        total = sum(info.file_size for info in zf.infolist())
    else:
        total = sum(zf.getinfo(name).file_size for name in names)
    if total > ZIP_MAX_UNCOMPRESSED:
        raise ExtractionError("too_large", _TOO_LARGE_UNZIPPED)


def _read_member(zf, name, limit=None):
    """An entry's bytes, refused by its declared size; the read is capped too, in case the
    declared size lies."""
    limit = ZIP_MAX_UNCOMPRESSED if limit is None else limit
    if zf.getinfo(name).file_size > limit:
        raise ExtractionError("too_large", _TOO_LARGE_UNZIPPED)
    with zf.open(name) as member:
        content = member.read(limit + 1)
    if len(content) > limit:
        raise ExtractionError("too_large", _TOO_LARGE_UNZIPPED)
    return content


def _parse_xml(content):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                             remove_comments=True, remove_pis=True)
    return etree.fromstring(content, parser=parser)


def _joined(blocks, max_chars):
    """The blocks of a document, one a line, tidied, kept until the text passes max_chars; the
    later ones are only counted (memory stays bounded by the budget and the largest block)."""
    kept, length, total = [], 0, 0
    for block in blocks:
        total += len(block) + 1
        if length <= max_chars:
            kept.append(block)
            length = total
    return _Read(_tidy("\n".join(kept)), estimated_chars=total if total > length else None)


def _markdown_table(rows):
    """rows of str; the first is the header. Line breaks folded, cells escaped."""
    return markdown_table.layout([[markdown_table.escape_cell(_fold_lines(cell)) for cell in row]
                                  for row in rows])


def _fold_lines(cell):
    """A cell on one line: each line break and the blanks around it become one space (linear,
    where a regular expression would backtrack over long runs of blanks)."""
    if "\n" not in cell:
        return cell.strip()
    return " ".join(filter(None, (line.strip() for line in cell.split("\n"))))


# --- DOCX -------------------------------------------------------------------------------------

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_MAIN = "word/document.xml"


def _read_docx(data, max_chars):
    with _open_zip(data) as zf:
        root = _parse_xml(_read_member(zf, _DOCX_MAIN))
    body = root.find(_W + "body")
    return _Read("") if body is None else _joined(_docx_blocks(body), max_chars)


def _docx_blocks(container):
    for child in container:
        if child.tag == _W + "p":
            yield _docx_paragraph(child)
        elif child.tag == _W + "tbl":
            rows = [[_docx_cell(cell) for cell in row.findall(_W + "tc")]
                    for row in child.findall(_W + "tr")]
            if any(rows):
                yield "\n" + _markdown_table([row for row in rows if row]) + "\n"
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
    heading = re.fullmatch(r"(?i)heading\s*([1-6])|title",
                           style.get(_W + "val", "") if style is not None else "")
    if heading and text.strip():
        return "#" * int(heading.group(1) or 1) + " " + text
    if paragraph.find(f"{_W}pPr/{_W}numPr") is not None and text.strip():
        return "- " + text
    return text


def _docx_cell(cell):
    return " ".join(_docx_paragraph(p) for p in cell.iter(_W + "p")).strip()


# --- PPTX -------------------------------------------------------------------------------------

_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PPTX_MAIN = "ppt/presentation.xml"
_PPTX_RELS = "ppt/_rels/presentation.xml.rels"


def _read_pptx(data, max_chars):
    """Slides read until the text passes max_chars; the rest estimated from those read."""
    with _open_zip(data) as zf:
        slides = _pptx_slide_names(zf)
        _check_total(zf, slides)
        sections, length = [], 0
        for number, name in enumerate(slides, 1):
            if length > max_chars:
                break
            sections.append(f"## Slide {number}\n" + _pptx_slide_text(_read_member(zf, name)))
            length += len(sections[-1]) + 2
    estimate = length * len(slides) // len(sections) if len(sections) < len(slides) else None
    return _Read(_tidy("\n\n".join(sections)), len(slides), estimate)


def _pptx_slide_text(content):
    lines = ("".join(node.text or "" if node.tag == _A + "t" else "\n"
                     for node in paragraph.iter(_A + "t", _A + "br"))
             for paragraph in _parse_xml(content).iter(_A + "p"))
    return "\n".join(line for line in lines if line)


def _pptx_slide_names(zf):
    """Slide parts in presentation order (sldIdLst), which is not the order of their file
    names once slides were moved; file-name order when the package lacks that list."""
    names = set(zf.namelist())
    if {_PPTX_MAIN, _PPTX_RELS} <= names:
        # Two small parts, capped at 1 MB each rather than counted with the slides.
        rels = _parse_xml(_read_member(zf, _PPTX_RELS, ZIP_RATIO_MIN_SIZE))
        targets = {rel.get("Id"): rel.get("Target", "") for rel in rels}
        presentation = _parse_xml(_read_member(zf, _PPTX_MAIN, ZIP_RATIO_MIN_SIZE))
        ordered = [_resolve_target("ppt", targets.get(slide.get(_R_ID), ""))
                   for slide in presentation.iter(_P + "sldId")]
        if ordered and all(name in names for name in ordered):
            return ordered
    numbered = (re.fullmatch(r"ppt/slides/slide(\d+)\.xml", name) for name in names)
    return [match.group(0) for match in sorted(filter(None, numbered),
                                                key=lambda match: int(match.group(1)))]


def _resolve_target(folder, target):
    if target.startswith("/"):
        return target[1:]
    return posixpath.normpath(posixpath.join(folder, target))


# --- OpenDocument (odt, ods) ------------------------------------------------------------------

_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODF_MAIN = "content.xml"
_ODF_SKIPPED = frozenset((_TEXT + "note", _OFFICE + "annotation", _TEXT + "tracked-changes",
                          _TEXT + "sequence-decls"))
_TABLE_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")


def _read_odf_content(data):
    with _open_zip(data) as zf:
        return _parse_xml(_read_member(zf, _ODF_MAIN))


def _read_odt(data, max_chars):
    body = _read_odf_content(data).find(f"{_OFFICE}body/{_OFFICE}text")
    return _Read("") if body is None else _joined(_odt_blocks(body), max_chars)


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
        elif child.tag == _TABLE + "table":
            rows = [[_odf_cell_text(cell) for cell in row if cell.tag in _TABLE_CELLS]
                    for row in child.iter(_TABLE + "table-row")]
            if any(rows):
                yield "\n" + _markdown_table([row for row in rows if row]) + "\n"
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


def _odf_cell_text(cell):
    return "\n".join(_odf_inline(p) for p in cell.iter(_TEXT + "p"))


def _read_ods(data, max_chars):
    spreadsheet = _read_odf_content(data).find(f"{_OFFICE}body/{_OFFICE}spreadsheet")
    tables = [] if spreadsheet is None else spreadsheet.findall(_TABLE + "table")
    sheets = ((table.get(_TABLE + "name", ""), _ods_rows(table)) for table in tables)
    return _read_sheets(sheets, len(tables), max_chars)


def _ods_rows(table):
    """(values, repeat) per table:table-row; repeats are how ODS stores runs of equal rows and
    columns (a saved sheet often ends with a million repeated empty cells)."""
    for row in table.iter(_TABLE + "table-row"):
        values = []
        for cell in row:
            if cell.tag not in _TABLE_CELLS:
                continue
            repeat = int(cell.get(_TABLE + "number-columns-repeated") or 1)
            values.extend([_ods_value(cell)] * min(repeat, SHEET_MAX_COLS + 1 - len(values)))
            if len(values) > SHEET_MAX_COLS:
                break
        yield values, int(row.get(_TABLE + "number-rows-repeated") or 1)


def _ods_value(cell):
    kind = cell.get(_OFFICE + "value-type")
    try:
        if kind in ("float", "percentage", "currency"):
            return float(cell.get(_OFFICE + "value"))
        if kind == "date":
            return cell.get(_OFFICE + "date-value").replace("T", " ").removesuffix(" 00:00:00")
        if kind == "boolean":
            return cell.get(_OFFICE + "boolean-value") == "true"
    except (TypeError, ValueError, AttributeError):
        pass  # a malformed typed value: the displayed text below is still right
    return _odf_cell_text(cell) or None


# --- spreadsheets (xlsx, xls, ods) ------------------------------------------------------------

def _read_xlsx(data, max_chars):
    with _open_zip(data) as zf:
        _check_total(zf)  # openpyxl may read any part of the package
    import openpyxl
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return _read_sheets(_xlsx_sheets(workbook), len(workbook.worksheets), max_chars)
    finally:
        workbook.close()


def _xlsx_sheets(workbook):
    for sheet in workbook.worksheets:
        # max_row/max_column come from the sheet's <dimension>, None when it has none.
        rows = sheet.iter_rows(max_col=SHEET_MAX_COLS + 1, values_only=True)
        yield (sheet.title, ((row, 1) for row in rows), sheet.max_row,
               (sheet.max_column or 0) > SHEET_MAX_COLS)


def _read_xls(data, max_chars):
    import xlrd
    # xlrd writes its warnings about damaged files to stdout unless given a log file.
    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        return _read_sheets(_xls_sheets(book), book.nsheets, max_chars)
    finally:
        book.release_resources()


def _xls_sheets(book):
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows = ([_xls_value(cell, book.datemode)
                 for cell in sheet.row_slice(r, 0, SHEET_MAX_COLS + 1)]
                for r in range(sheet.nrows))
        yield sheet.name, ((row, 1) for row in rows)
        book.unload_sheet(index)


def _xls_value(cell, datemode):
    import xlrd
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell.value


class _SheetBudget:
    """What the sheets of a workbook may still keep (characters of their tables) and look at
    (characters of the cells read), each use of a shared string or repeated row counted."""

    def __init__(self, max_chars):
        self.keep, self.scan = max_chars, SHEET_MAX_SCANNED_CHARS

    @property
    def spent(self):
        return self.keep <= 0 or self.scan < 0


def _read_sheets(sheets, count, max_chars):
    """`## Sheet:` sections of the `count` sheets, given as _sheet_markdown's arguments (lazily):
    reading stops after the sheet that spends the budget; the rest is estimated from those."""
    budget, sections, length = _SheetBudget(max_chars), [], 0
    for sheet in sheets:
        sections.append(_sheet_markdown(budget, *sheet))
        length += len(sections[-1]) + 2
        if budget.spent:
            break
    estimate = length * count // len(sections) if len(sections) < count else None
    return _Read("\n\n".join(sections), count, estimate)


def _sheet_markdown(budget, name, rows, declared_rows=None, more_columns=False):
    """`## Sheet: name` and a markdown table of the first SHEET_MAX_ROWS non-empty rows that fit
    the budget (first row as header, at most SHEET_MAX_COLS columns), with notes for what was
    left out.

    rows: (values, repeat) pairs; values may be one column wider than the limit, to tell that
    columns were cut. Rows past the limit are counted, unless the sheet declares its row count
    (declared_rows): then reading stops there and the rest is estimated from it, empty rows
    included, since parsing rows only to count them costs most of the time on big sheets.
    """
    kept, more_rows, scanned, estimated = [], 0, 0, False
    for values, repeat in rows:
        scanned += repeat
        budget.scan -= sum(len(value) for value in values if isinstance(value, str))
        if scanned > SHEET_MAX_SCANNED_ROWS or budget.scan < 0:
            break
        if all(map(_is_blank, values)):
            continue
        full = len(kept) == SHEET_MAX_ROWS or budget.keep <= 0
        if full and (declared_rows or 0) >= scanned:
            more_rows, estimated = declared_rows - scanned + 1, True
            break
        more_columns = more_columns or not all(map(_is_blank, values[SHEET_MAX_COLS:]))
        more_rows += repeat - (0 if full else _keep_row(kept, values, repeat, budget))
    return _sheet_section(name, kept, more_rows, estimated, more_columns)


def _keep_row(kept, values, repeat, budget):
    """Adds the row to kept as many times as it repeats, the row limit and the budget allow
    (at least once); returns that number."""
    cells = [_format_cell(value) for value in values[:SHEET_MAX_COLS]]
    width = max((i + 1 for i, cell in enumerate(cells) if cell), default=0)
    cost = sum(len(cell) + 3 for cell in cells[:width]) + 2  # "| " and " |", " | " between
    shown = min(repeat, SHEET_MAX_ROWS - len(kept), -(-budget.keep // cost))
    kept.extend([cells] * shown)
    budget.keep -= shown * cost
    return shown


def _sheet_section(name, kept, more_rows, estimated, more_columns):
    lines = [f"## Sheet: {name}"]
    if kept:
        width = max((i + 1 for row in kept for i, cell in enumerate(row) if cell), default=1)
        lines.append(_markdown_table([row[:width] for row in kept]))
    else:
        lines.append("(empty sheet)")
    if more_rows:
        lines.append(f"… {'about ' if estimated else ''}{more_rows:,} more rows not shown")
    if more_columns:
        lines.append(f"… columns after the first {SHEET_MAX_COLS} not shown")
    return "\n".join(lines)


def _is_blank(value):
    return value is None or isinstance(value, str) and not value.strip()


def _format_cell(value):
    """Compact text: ISO dates, integral floats without '.0', at most 15 significant digits
    (what a spreadsheet shows)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, (date, dt_time)):
        return value.isoformat()
    return str(value)[:SHEET_MAX_CELL_CHARS].strip()


# Each reader takes (data, max_chars) and stops keeping text once it has max_chars.
_READERS = {
    "pdf": _read_pdf, "docx": _read_docx, "pptx": _read_pptx, "odt": _read_odt,
    "xlsx": _read_xlsx, "xls": _read_xls, "ods": _read_ods, "html": _read_html,
    **dict.fromkeys(("csv", "text", "json", "xml", "code", "markdown"), _read_plain),
}
