"""Incremental markdown -> sanitized HTML for streamed LLM answers.

Complete lines split the source into top-level blocks: a fenced code block, or lines up to a
blank line (a list goes on across blank lines while its items continue). A finished block is
rendered and sanitized once; only the open tail (unfinished block + partial last line) is
re-rendered on update(), as often as the text fed pays for (TAIL_CREDIT). Whole texts use the
same split, so both paths give identical HTML. A block that Python-Markdown would take out of
proportion to its length to render, or nest too deep, is shown as plain text (markdown_guard).
"""

import re
from collections import namedtuple
from contextlib import contextmanager
from urllib.parse import quote, unquote

import markdown
from lxml import etree
from lxml import html as lxml_html

from . import markdown_guard

# --- sanitizing -------------------------------------------------------------------------------

IMAGE_REMOVED_CLASS = "o_ai_stream_chat_image_removed"
LINK_HOST_CLASS = "o_ai_stream_chat_link_host"
# A link to a record of this Odoo (/odoo/<model>/<id>), opened in the web client itself.
RECORD_LINK_CLASS = "o_ai_stream_chat_record_link"
RECORD_PATH_RE = re.compile(r"/odoo/[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+/[1-9][0-9]{0,9}")
_SPAN_CLASSES = frozenset({IMAGE_REMOVED_CLASS, LINK_HOST_CLASS})
# A link in an answer may carry data a prompt injection put in it: it opens only when clicked,
# in a new tab, tells its target nothing about the page, and shows where it leads.
LINK_REL = "noopener noreferrer nofollow"

# Removed with their content: their text is code or markup, not something to show.
_DROP_WITH_CONTENT = frozenset(
    "applet base embed frame frameset head iframe link math meta noscript object script "
    "style svg template title".split()
)
# Tags kept, with the only attributes they may carry; any other tag is unwrapped (text kept).
_ALLOWED = {
    **dict.fromkeys(
        "p br hr h1 h2 h3 h4 h5 h6 blockquote pre ul li dl dt dd strong b em i u s del ins "
        "kbd samp sub sup mark small table caption thead tbody tfoot tr".split(),
        frozenset(),
    ),
    "ol": frozenset({"start"}),
    "th": frozenset({"align"}),
    "td": frozenset({"align"}),
    "code": frozenset({"class"}),
    "a": frozenset({"href", "title"}),
    "span": frozenset({"class"}),
}
_SAFE_SCHEMES = frozenset({"http", "https", "mailto"})
_SCHEME_RE = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
# Characters lxml refuses (XML-incompatible controls, lone surrogates, non-characters).
_INVALID_CHARS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Browsers ignore tabs/newlines anywhere in a URL and C0 controls/spaces around it.
_URL_IGNORED_RE = re.compile(r"[\t\n\r]")
_URL_STRIP = "".join(map(chr, range(0x21)))
# What lxml leaves unescaped in an href it serializes (besides letters and digits).
_URL_KEPT = "!#%&'()*+,-./:;<=>?@_~"


def _safe_href(value):
    """The URL to keep for an `<a href>`, or None when its scheme is not allowed."""
    url = _URL_IGNORED_RE.sub("", value).strip(_URL_STRIP)
    if RECORD_PATH_RE.fullmatch(url):
        return url
    match = _SCHEME_RE.match(url)
    # Other relative URLs are refused: they would reach into the Odoo instance itself. The
    # scheme in lower case, so that the browser's check can match exactly, without /i.
    if match and match.group(1).lower() in _SAFE_SCHEMES:
        return match.group(1).lower() + url[match.end(1) :]
    return None


def _clean_link(el):
    href = _safe_href(el.get("href", ""))
    if href is None:
        el.attrib.pop("href", None)
    elif RECORD_PATH_RE.fullmatch(href):
        el.set("href", href)
        el.set("class", RECORD_LINK_CLASS)
    else:
        # Escaped now as serializing would: the host shown is read from what browsers get.
        el.set("href", quote(href, safe=_URL_KEPT))
        el.set("target", "_blank")
        el.set("rel", LINK_REL)


_AUTHORITY_END_RE = re.compile(r"[/?#]")
_UNPRINTABLE_RE = re.compile(r"[^\x21-\x7e]")


def _link_label(url):
    """Where a link leads, as shown next to it: the host of an http(s) URL, the address of a
    mailto one; in ASCII (punycode), so that a look-alike unicode host shows as what it is."""
    scheme, _, rest = url.partition(":")
    if scheme.lower() == "mailto":
        local, _, domain = unquote(rest.partition("?")[0]).rpartition("@")
        return _printable(local + "@" + _ascii_host(domain)) if local else _printable(domain)
    # The host follows the last "@" of the authority (whatever the slashes after the colon).
    authority = _AUTHORITY_END_RE.split(rest.lstrip("/"), maxsplit=1)[0]
    host = authority.rpartition("@")[2]
    if host.startswith("["):  # IPv6, its port after the bracket
        host = host.partition("]")[0] + "]"
    elif ":" in host:
        host = host.rpartition(":")[0]
    return _printable(_ascii_host(unquote(host).lower()))


def _ascii_host(host):
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:  # an empty or too long label: punycode each label as it is
        return ".".join(
            label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")
            for label in host.split(".")
        )


def _printable(label):
    return _UNPRINTABLE_RE.sub(lambda match: quote(match.group()), label)


def _names_its_target(text, label):
    """The link's text already shows its host or address (a bare URL starts with it)."""
    text = text.strip().lower()
    for scheme in ("https://", "http://"):
        if text.startswith(scheme):
            text = text[len(scheme) :]
            break
    return text == label or (text.startswith(label) and text[len(label)] in "/?#:")


def _show_link_targets(body):
    """Put the host or address of each link after its text; host spans from elsewhere go
    (inside a link with their text, outside one unwrapped). True when one was unwrapped."""
    changed = False
    for span in body.xpath("//span[@class=$name]", name=LINK_HOST_CLASS):
        if next(span.iterancestors("a"), None) is not None:
            span.drop_tree()
        else:
            span.drop_tag()
            changed = True
    for link in body.iter("a"):
        href = link.get("href")
        if not href or link.get("class") == RECORD_LINK_CLASS:
            continue
        label = _link_label(href)
        if label and not _names_its_target(link.text_content(), label):
            span = lxml_html.Element("span", {"class": LINK_HOST_CLASS})
            span.text = label
            link.append(span)
    return changed


def _replace_image(el):
    # A remote image is fetched by the browser: a prompt injection could leak data in its URL.
    span = lxml_html.Element("span", {"class": IMAGE_REMOVED_CLASS})
    span.text = el.get("alt") or "image"
    span.tail = el.tail
    el.getparent().replace(el, span)


def _enforce_policy(body):
    """Apply the allowlist in place; True when elements were removed or unwrapped."""
    changed = False
    for el in list(body.iter()):
        if el is body:
            continue
        if not isinstance(el.tag, str):  # comments, processing instructions
            el.drop_tree()
            changed = True
            continue
        tag = el.tag
        if tag in _DROP_WITH_CONTENT:
            el.drop_tree()
            changed = True
        elif tag == "img":
            _replace_image(el)
        elif tag not in _ALLOWED or (tag == "span" and el.get("class") not in _SPAN_CLASSES):
            el.drop_tag()
            changed = True
        else:
            for name in set(el.attrib) - _ALLOWED[tag]:
                del el.attrib[name]
            if tag == "a":
                _clean_link(el)
            elif tag == "code" and "class" in el.attrib:
                # Only the language marker of fenced code; other classes could restyle the UI.
                classes = [c for c in el.get("class").split() if c.startswith("language-")]
                if classes:
                    el.set("class", " ".join(classes))
                else:
                    del el.attrib["class"]
    return _show_link_targets(body) or changed


def sanitize_html(html: str) -> str:
    """Strict sanitizer for model output. Idempotent (sanitize(sanitize(x)) == sanitize(x)).

    An allowlist of tags and attributes on the parsed tree, stricter than Odoo's
    html_sanitize (which keeps remote images and most tags) and several times faster, which
    matters on the streaming path.
    """
    body = _parse_body(_INVALID_CHARS_RE.sub("", html or ""))
    if body is None:
        return ""
    if _enforce_policy(body):
        # Unwrapped tags can leave markup the parser would rearrange (loose leading text, a
        # block inside a <p>): a second parse settles it now, so sanitizing again changes nothing.
        body = _parse_body(_inner_html(body))
    return "" if body is None else _inner_html(body)


def _parse_body(html):
    """<body> of `html` parsed as a document (as Odoo does), None when there is no content."""
    if not html.strip():
        return None
    try:
        return lxml_html.document_fromstring(html).body
    except (etree.ParserError, IndexError):  # nothing but comments, or only <head> content
        return None


def _inner_html(body):
    body.attrib.clear()
    return lxml_html.tostring(body, encoding="unicode")[len("<body>") : -len("</body>")]


# --- block splitting --------------------------------------------------------------------------

_Fence = namedtuple("_Fence", "char length indent lang")

_FENCE_OPEN_RE = re.compile(r"( {0,3})(`{3,}|~{3,})(.*)")
_FENCE_CLOSE_RE = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*")
# Only fence characters so far: this partial line may still turn into a fence line.
_FENCE_PREFIX_RE = re.compile(r" {0,3}(`+|~+)[ \t]*")
_LANG_RE = re.compile(r"[\w#+.-]*")
_LIST_ITEM_RE = re.compile(r" {0,3}(?:([-*+])|\d{1,9}[.)])[ \t]")
_TABLE_ROW_RE = re.compile(r" {0,3}\|")
_MARKER_RE = re.compile(r"(?:[-*+]|\d{1,9}[.)]) +")
# Lines that start a list/table even right after a paragraph line (CommonMark lets an
# ordered list interrupt a paragraph only when it starts at 1).
_INTERRUPTER_RE = re.compile(r" {0,3}(?:[-*+][ \t]+\S|1[.)][ \t]+\S|\|)")


def _parse_fence(line):
    match = _FENCE_OPEN_RE.fullmatch(line)
    if not match:
        return None
    indent, marker, info = match.groups()
    if marker[0] == "`" and "`" in info:  # ```x``` on one line is inline code
        return None
    return _Fence(marker[0], len(marker), len(indent), _LANG_RE.match(info.strip()).group())


def _closes(line, fence):
    match = _FENCE_CLOSE_RE.fullmatch(line)
    return bool(match) and match.group(1)[0] == fence.char and len(match.group(1)) >= fence.length


def _list_kind(line):
    match = _LIST_ITEM_RE.match(line)
    if not match:
        return None
    return "bullet" if match.group(1) else "ordered"


def _is_indented(line):
    return line.startswith(("  ", "\t"))


def _indent(line):
    return len(line) - len(line.lstrip(" "))


def _fence_source(lines, fence):
    """Canonical fence markdown: Python-Markdown only knows unindented fences, a bare language."""
    marker = fence.char * fence.length
    # Content indentation up to the opening fence's own indent belongs to the fence.
    content = "".join(line[min(fence.indent, _indent(line)) :] + "\n" for line in lines)
    # No content line can equal `marker`: it would have closed the fence.
    return f"{marker}{fence.lang}\n{content}{marker}"


def _text_source(lines):
    """Markdown for a text block, adapted to how LLMs write it (see the two helpers)."""
    lines = [line.expandtabs(4) for line in lines]  # as Python-Markdown does anyway
    return "\n".join(_nest_lists(_detach_lists_and_tables(lines))).rstrip()


def _detach_lists_and_tables(lines):
    """Insert the blank lines Python-Markdown needs before lists and tables."""
    out = []
    run_indent = None  # indentation of the first line of the current run of non-blank lines
    structured = False  # a list item or table row was seen in the current run
    for line in lines:
        if not line.strip():
            run_indent, structured = None, False
            out.append(line)
            continue
        item = _list_kind(line)
        row = _TABLE_ROW_RE.match(line)
        if run_indent is not None and (item or row):
            # Python-Markdown glues a list or table to a preceding paragraph line...
            glued = _INTERRUPTER_RE.match(line) or (item and _is_indented(out[-1]))
            # ...and keeps a run starting indented (an item's continuation) whole, so a less
            # indented item in it would not start a new item.
            if (glued and not structured) or (item and _indent(line) < run_indent):
                out.append("")
                run_indent, structured = None, False
        if run_indent is None:
            run_indent = _indent(line)
        structured = structured or bool(item or row)
        out.append(line)
    return out


def _nest_lists(lines):
    """Re-indent list content to Python-Markdown's 4 spaces per level.

    LLMs nest by the marker width (2-3 spaces, CommonMark style), which Python-Markdown
    would flatten or glue into the parent item's text.
    """
    out = []
    columns = []  # content column of each open list item, outermost first
    after_blank = False
    for line in lines:
        if not line.strip():
            out.append(line)
            after_blank = True
            continue
        indent = _indent(line)
        content = line[indent:]
        marker = _MARKER_RE.match(content)
        if marker or after_blank:  # (a lazy continuation line stays in its item)
            while columns and indent < columns[-1]:
                columns.pop()
        if columns and (marker or indent >= columns[-1]):
            extra = 0 if marker else indent - columns[-1]
            line = " " * (4 * len(columns) + extra) + content
        if marker:
            columns.append(indent + len(marker.group()))
        out.append(line)
        after_blank = False
    return out


# Markdown instances not in use, with their guards: building one costs about a millisecond,
# and one instance must not convert two texts at once. A pool, not a thread-local: under gevent
# a thread-local is per greenlet, and every request and answer is a greenlet of its own.
_idle = []
POOL_SIZE = 8  # instances kept: more than the renders a process runs at once (threads)


@contextmanager
def _markdown():
    """An instance and its guard for one conversion. list.pop and list.append are atomic, so
    threads and greenlets each take an instance of their own."""
    try:
        md, guard = _idle.pop()
    except IndexError:
        md = _new_markdown()
        guard = markdown_guard.Guard(md)
    yield md, guard
    # Not reached when the conversion raised: the instance may have stopped half-way through
    # its state, and is dropped. A kept one forgets its text; beyond a few, they are dropped.
    if len(_idle) < POOL_SIZE:
        md.reset()
        _idle.append((md, guard))


def _new_markdown():
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists"],
        # `align` survives sanitizing, the default `style="text-align: ..."` does not.
        extension_configs={"tables": {"use_align_attribute": True}},
    )
    # Raw HTML from the model is shown as text, never interpreted.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    # After the inline patterns (20), before anything walks the tree recursively (10).
    md.treeprocessors.register(markdown_guard.DepthLimit(md), "depth_limit", 15)
    return md


def _text_html(source, lines):
    """A text block's html; the block's lines as plain text when rendering it would cost out of
    proportion to its length or nest deeper than the sanitizer parses."""
    try:
        with _markdown() as (md, guard):
            html = None if guard.too_costly(source) else md.reset().convert(source)
    except (RecursionError, markdown_guard.TooDeep):
        html = None
    if html is None:
        return sanitize_html(markdown_guard.plain_html(lines))
    return sanitize_html(html)


def _fence_html(source):
    with _markdown() as (md, _guard):
        html = md.reset().convert(source)
    return sanitize_html(html)


_CODE_SPAN_RE = re.compile(r"`[^`]*`")


def _close_open_marks(lines):
    """The open block's lines with an unbalanced ` or ** closed at the end (tail only)."""
    text = "".join(lines)
    if text.count("`") % 2:
        closing = "`"
    elif _CODE_SPAN_RE.sub("", text).count("**") % 2:
        closing = "**"
    else:
        return lines
    last = lines[-1]
    # Before the line break, so the mark closes inside the last line.
    stripped = last.rstrip("\n")
    return lines[:-1] + [stripped + closing + last[len(stripped) :]]


# Tail renders are paid from a credit that the text fed earns, so that however often update()
# is called, they cost at most TAIL_CREDIT times rendering that text once: a long open block is
# rendered again only once it has grown by about 1/TAIL_CREDIT of its length.
TAIL_CREDIT = 16  # per character fed
RENDER_CHARGE = 64  # a render's fixed cost (convert and sanitize set-up), in characters of text
FENCE_DISCOUNT = 8  # fenced code costs about that many times less per character than text


class IncrementalRenderer:
    """Feed text pieces, ask for changed blocks with update(), end with finish()."""

    def __init__(self):
        self.renders = 0  # markdown renders performed (benchmark counter)
        self._blocks = []  # html of finished blocks
        self._lines = []  # complete lines of the open block (fence content only, for a fence)
        self._lines_chars = 0  # their length, line breaks included
        self._fence = None  # _Fence of the open block when it is fenced code
        self._list_kind = None  # "bullet"/"ordered": the open block holds a list of that kind
        self._partial = []  # pieces of the incomplete last line
        self._partial_chars = 0
        self._credit = 0  # see TAIL_CREDIT
        self._fed = False  # text came since the tail was last rendered
        self._finished = False
        self._sent_count = 0  # finished blocks already sent by update()
        self._sent_tail = None  # tail html sent last by update()
        self._last_source = self._last_html = None

    # -- input --

    def feed(self, text: str) -> None:
        if self._finished:
            raise ValueError("feed() after finish()")
        # Dropping \r per character keeps the result independent of how pieces are cut.
        text = text.replace("\r", "")
        self._credit += TAIL_CREDIT * len(text)
        self._fed = self._fed or bool(text)
        if "\n" not in text:
            self._partial.append(text)
            self._partial_chars += len(text)
            return
        first, *middle, last = text.split("\n")
        self._take_line("".join(self._partial) + first)
        for line in middle:
            self._take_line(line)
        self._partial = [last] if last else []
        self._partial_chars = len(last)

    def finish(self) -> str:
        if not self._finished:
            if self._partial:
                self._take_line("".join(self._partial))
                self._partial, self._partial_chars = [], 0
            self._close_block()
            self._finished = True
        return "".join(self._blocks)

    def _take_line(self, line):
        if self._fence:
            if _closes(line, self._fence):
                self._close_block()
            else:
                self._append(line)
            return
        fence = _parse_fence(line)
        if fence:
            self._close_block()
            self._fence = fence
            return
        if not line.strip():
            if self._list_kind:  # the next non-blank line decides whether the list goes on
                self._append(line)
            else:
                self._close_block()
            return
        kind = _list_kind(line)
        if self._lines and not self._lines[-1].strip():
            if not (_is_indented(line) or kind == self._list_kind):
                self._close_block()
        if kind and (not self._lines or not _is_indented(line)):
            self._list_kind = kind
        self._append(line)

    def _append(self, line):
        self._lines.append(line)
        self._lines_chars += len(line) + 1

    def _close_block(self):
        if self._fence or self._lines:
            self._blocks.append(self._render(self._lines, self._fence))
        self._lines, self._fence, self._list_kind = [], None, None
        self._lines_chars = 0

    # -- output --

    def _render(self, lines, fence, shown=None):
        """Html of a block; `shown`: the lines its plain-text fallback shows, when not `lines`."""
        source = _fence_source(lines, fence) if fence else _text_source(lines)
        # A finished block usually has the source its tail last had: reuse that render.
        if source != self._last_source:
            self.renders += 1
            self._last_source = source
            self._last_html = _fence_html(source) if fence else _text_html(source, shown or lines)
        return self._last_html

    def _tail_lines(self):
        """Lines of the open block plus the partial line, None when nothing is open."""
        lines = self._lines
        partial = "".join(self._partial)
        # Hold back a line that may become a fence line, rather than flash its backticks.
        held = _FENCE_PREFIX_RE.fullmatch(partial) or (not self._fence and _parse_fence(partial))
        if partial and not held:
            lines = lines + [partial]
        if self._fence or any(line.strip() for line in lines):
            return lines
        return None

    def _tail_html(self):
        lines = self._tail_lines()
        if lines is None:
            return None
        # An unclosed fence renders as if closed, so streaming code already shows as code;
        # likewise `**bold` or `code` still being typed, rather than flashing their marks.
        if self._fence:
            return self._render(lines, self._fence)
        return self._render(_close_open_marks(lines), None, shown=lines)

    def _tail_charge(self):
        """What rendering the open tail costs, in characters of text (see TAIL_CREDIT)."""
        size = self._lines_chars + self._partial_chars
        return RENDER_CHARGE + (size // FENCE_DISCOUNT if self._fence else size)

    def update(self) -> dict | None:
        finished = self._sent_count < len(self._blocks)
        # Without finished blocks to send, an unpaid tail render waits for more text.
        if not finished and not (self._fed and self._credit >= self._tail_charge()):
            return None
        self._credit -= self._tail_charge()
        self._fed = False
        tail = self._tail_html()
        current = self._blocks[self._sent_count :] + ([] if tail is None else [tail])
        previous = [] if self._sent_tail is None else [self._sent_tail]
        # The browser already shows `previous` at the end; skip it if it is unchanged.
        same = 1 if previous and current and current[0] == previous[0] else 0
        if same == len(current) == len(previous):
            return None
        change = {"from_block": self._sent_count + same, "blocks": current[same:]}
        self._sent_count, self._sent_tail = len(self._blocks), tail
        return change

    @property
    def html(self) -> str:
        tail = self._tail_html()
        return "".join(self._blocks) + (tail or "")

    @property
    def block_count(self) -> int:
        return len(self._blocks) + (self._tail_lines() is not None)


def render_markdown(text: str) -> str:
    """Whole text -> sanitized HTML, identical to any chunked IncrementalRenderer feed."""
    renderer = IncrementalRenderer()
    renderer.feed(text)
    return renderer.finish()
