"""Text files: plain text, markdown, CSV, JSON, XML and source code as they are (decoded, newlines
normalised), HTML as its visible text."""

import contextlib
import re

from lxml import etree
from lxml import html as lxml_html

from .base import ExtractionError, Format, Read

CHARDET_SAMPLE = 64 * 1024
CHARDET_MIN_CONFIDENCE = 0.8

# UTF-32 before UTF-16: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def has_text_bom(data):
    return data.startswith(tuple(bom for bom, _codec in _BOMS))


def looks_binary(sample):
    """NUL bytes or many control characters (tab, newlines, form feed and ESC are text)."""
    if b"\x00" in sample:
        return True
    controls = (
        len(sample)
        - len(sample.translate(None, bytes(range(32))))
        - sum(sample.count(c) for c in b"\t\n\r\f\x1b")
    )
    return controls > len(sample) * 0.05


def _decode_text(data):
    """bytes -> str: BOM, else UTF-8, else chardet's guess when it is sure, else cp1252.

    cp1252 is the fallback because unsure guesses are mostly Western single-byte text, where
    chardet hesitates between Latin variants (and calls Latin-1 what is really cp1252).
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return _normalize_newlines(data[len(bom) :].decode(codec))
            except UnicodeDecodeError:
                raise ExtractionError("encoding") from None
    if b"\x00" in data or looks_binary(data[:4096]):
        raise ExtractionError("unsupported", "This file is not text.")
    with contextlib.suppress(UnicodeDecodeError):
        return _normalize_newlines(data.decode("utf-8"))
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
    return Read(_decode_text(data))


# Dropped with their content: code, styling and embedded objects are not text for a reader.
_HTML_DROP = tuple("script style noscript template svg math canvas iframe object embed".split())
_HTML_BLOCKS = frozenset(
    "p div section article header footer main nav aside address blockquote pre ul ol li dl "
    "dt dd table tr form fieldset figure figcaption hr title h1 h2 h3 h4 h5 h6 body".split()
)


def _read_html(data, max_chars):
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = lxml_html.document_fromstring(_decode_text(data).encode("utf-8"), parser=parser)
    except etree.ParserError:  # a document without any element
        return Read("")
    for element in root.xpath("|".join("//" + tag for tag in _HTML_DROP)):
        element.drop_tree()  # keeps the tail text that follows the element
    return Read(_html_text(root))


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
    return tidy("".join(parts))


def tidy(text):
    """Trailing spaces removed, at most one blank line in a row. Line by line rather than with
    regular expressions, which backtrack over long runs of blanks: linear in the text."""
    lines, blank = [], False
    for line in text.split("\n"):
        line = line.rstrip(" \t")
        if line or not blank:
            lines.append(line)
        blank = not line
    return "\n".join(lines).strip()


_CODE_EXTENSIONS = tuple(
    "py js mjs cjs jsx ts tsx vue java kt scala groovy c h cpp cc cxx hpp cs go rs rb php "
    "pl lua r swift dart sql sh bash zsh ps1 bat css scss sass less ini cfg conf toml yaml "
    "yml properties env tex po pot".split()
)

FORMATS = (
    Format(
        "csv", "CSV file", _read_plain, ("csv", "tsv"), ("text/csv", "text/tab-separated-values")
    ),
    Format("text", "text file", _read_plain, ("txt", "text", "log", "rst")),
    Format("markdown", "markdown file", _read_plain, ("md", "markdown"), ("text/markdown",)),
    Format(
        "html",
        "web page",
        _read_html,
        ("html", "htm", "xhtml"),
        ("text/html", "application/xhtml+xml"),
    ),
    Format("json", "JSON file", _read_plain, ("json", "jsonl", "geojson"), ("application/json",)),
    Format("xml", "XML file", _read_plain, ("xml", "svg", "xsd"), ("application/xml", "text/xml")),
    Format(
        "code",
        "source file",
        _read_plain,
        _CODE_EXTENSIONS,
        ("application/x-yaml", "application/javascript", "text/javascript", "application/x-sh"),
        filenames=("makefile", "dockerfile"),
    ),
)
