"""A linear bound on the work Python-Markdown does on one block, checked before rendering it.

Python-Markdown 3.11.3 is superlinear on some inputs: each `[` scans to its `]` (or to the end of
its text) in three processors, each `](` scans to its `)`, a backtick run that never closes scans
to the end, every inline match rebuilds the text it was found in, every header or rule line makes
the block processors test the rest of the block again, tables pad every row to the header's width
and lists nest by recursion (RecursionError at a few hundred levels). `too_costly()` walks the
block source once, following how 3.11.3 scans, and tells whether that work would exceed budgets
proportional to the block's length; such a block is shown as plain text (`plain_html()`).

The model follows Python-Markdown's internals, hence the pinned version in scripts/dev.py.
"""

import html
import re
from itertools import pairwise

from markdown.treeprocessors import Treeprocessor

# Python-level loop steps (bracket, paren and backtick scans, lines tested again) per character
# of the block, plus a constant small enough that tiny blocks cannot add up to much.
SCAN_PER_CHAR = 16
SCAN_BASE = 1024
# Characters copied when matches rebuild the text they were found in (C speed, hence larger).
COPY_PER_CHAR = 1000
CELLS_PER_CHAR = 2  # table cells (rows are padded to the header's width)
CELLS_BASE = 2000
MAX_DEPTH = 32  # nested quotes and lists
LINE_STEPS = 16  # a line tested again by the block processors costs about as many characters

_LINK_SCANS = 3  # reference, inline link and short reference each scan from every `[`
_SPECIALS = "`\\[<&*_"  # characters an inline match can start at
_INTRAWORD_RE = re.compile(r"(?<=[^\W_])_(?=[^\W_])")  # never emphasis (smart underscores)
# A line of a list item is appended to the item's text so far, one at a time.
_LIST_LINE_RE = re.compile(r"^[ >]*(?:[*+-]|\d+\.) ", re.M)
_BACKTICKS_RE = re.compile(r"(?<!\\)(\\*)(`+)")
# An escape (a backslash and the character after it), or a character the link scans look at.
_TOKEN_RE = re.compile(r"\\(.)|[\[\]()\"']", re.S)
_NON_SPACE_RE = re.compile(r"[^ ]")
_CONTAINER_RE = re.compile(r" *(?:>|(?:[*+-]|\d+[.)])(?= ))")
_SPACES_RE = re.compile(r" *")
_SEPARATOR_RE = re.compile(r"[|:\- ]*-[|:\- ]*")
_QUOTES = "'\""
_OTHER = None  # `last` of a link scan that is not a quote


def plain_html(lines):
    """A block as readable plain text: escaped, one <br> per line, in a paragraph."""
    return f"<p>{'<br>'.join(html.escape(line, quote=False) for line in lines)}</p>"


class Guard:
    """Judges blocks for one Markdown instance (the addon's setup), with its own patterns."""

    def __init__(self, md):
        processors = md.parser.blockprocessors
        self.hash_re = processors["hashheader"].RE
        self.rule_re = processors["hr"].SEARCH_RE
        self.table = processors["table"]
        self.lists = (processors["olist"], processors["ulist"])
        self.escaped = frozenset(md.ESCAPED_CHARS)

    def too_costly(self, source):
        """True when rendering `source` would nest too deep, make too many table cells, or
        scan or copy out of proportion to len(source)."""
        block = _Block(source, self)
        if block.depth() > MAX_DEPTH:
            return True
        size = len(source)
        if block.cells() > CELLS_PER_CHAR * size + CELLS_BASE:
            return True
        scan_budget, copy_budget = SCAN_PER_CHAR * size + SCAN_BASE, COPY_PER_CHAR * size
        scan, copy = block.work(scan_budget, copy_budget)
        return scan > scan_budget or copy > copy_budget


class _Block:
    """The source of one block, split in lines."""

    def __init__(self, source, guard):
        self.guard = guard
        self.source = source
        self.lines = source.split("\n")
        self.info = [_line_info(line) for line in self.lines]
        self.chunks = list(_chunks(self.lines))

    def depth(self):
        return max(depth for depth, _content in self.info)

    def _content(self, index):
        return self.lines[index][self.info[index][1] :]

    def _first(self, index):
        """First character of a line's content ("" for none)."""
        offset = self.info[index][1]
        return self.lines[index][offset : offset + 1]

    def cells(self):
        """Upper bound of table cells: a line followed by a separator row may head a table that
        runs to the end of its chunk, every row as wide as that line."""
        total = 0
        for first, end in self.chunks:
            for index in range(first, end - 1):
                if "|" not in self.lines[index + 1]:
                    continue
                below = self._content(index + 1)
                if _SEPARATOR_RE.fullmatch(below):
                    total += (self._content(index).count("|") + 1) * (end - index)
        return total

    def work(self, scan_budget, copy_budget):
        """(scan steps, copied characters) of parsing the block, or bounds of them when
        those are within the budgets."""
        scan = sum(
            _row_split_steps(line, depth)
            for line, (depth, _) in zip(self.lines, self.info, strict=True)
        )
        scan += sum(self._split_steps(first, end) for first, end in self.chunks)
        if scan > scan_budget:
            return scan, 0
        inline_scan, copy = self._inline_bounds()
        if scan + inline_scan <= scan_budget and copy <= copy_budget:
            return scan + inline_scan, copy
        starts = [0]  # offset of each line, and one past the end as if a line followed
        for line in self.lines:
            starts.append(starts[-1] + len(line) + 1)
        copy = 0
        for first, end in self.chunks:
            for unit_first, unit_end in self._units(first, end):
                unit_scan, unit_copy = _inline_cost(
                    self.source, starts[unit_first], starts[unit_end] - 1, self.guard.escaped
                )
                scan += unit_scan
                copy += unit_copy
        return scan, copy

    def _inline_bounds(self):
        """What `_inline_cost` of the whole block as one text would stay under: every scan
        runs to the end, every special character makes a match."""
        count = self.source.count
        size = len(self.source)
        links = count("](")
        scans = _LINK_SCANS * count("[") + count("`") + links * (1 + _LINK_SCANS * count("]"))
        return scans * size, _copies(self.source, 0, size)

    def _split_steps(self, first, end):
        """A header, rule, underline or reference line splits its block, and the processors
        test all that follows again: count what follows each line that may do that."""
        steps = after = 0
        below_is_reference = False
        for index in range(end - 1, first - 1, -1):
            first_char = self._first(index)
            # One pass takes a run of reference definitions, so only the run's first one counts.
            is_reference = first_char == "[" and "]:" in self.lines[index]
            if (is_reference and not below_is_reference) or (
                first_char and first_char in "#=-*_" and self._may_split(self._content(index))
            ):
                steps += after
            below_is_reference = is_reference
            after += len(self.lines[index]) + LINE_STEPS
        return steps

    def _may_split(self, content):
        return bool(
            _is_underline(content)
            or self.guard.hash_re.match(content)
            or self.guard.rule_re.match(content)
        )

    def _units(self, first, end):
        """(first, end) line ranges of a chunk that no inline text of Python-Markdown crosses.

        Each scan stops at the end of the text it runs in, so ranges coarser than the real
        texts only overestimate. Only splits the block parser surely makes are used: before
        and after a header or rule line, after a setext header, at each row of a table and at
        each item of a list, as long as the block holding them starts with the table or list.
        """
        bounds = [first]
        index, block_start, context = first, True, None
        while index < end:
            line = self.lines[index]
            if context == "table":
                bounds.append(index)
            elif block_start and self._starts_table(index, end):
                context = "table"
                bounds.append(index)
            elif self.guard.hash_re.match(line) or self.guard.rule_re.match(line):
                bounds += [index, index + 1]
                block_start, context = True, None
            elif block_start and index + 1 < end and _is_underline(self.lines[index + 1]):
                bounds += [index, index + 2]
                index += 1
                context = None
            elif block_start:
                block_start = False
                context = next((p for p in self.guard.lists if p.RE.match(line)), None)
                bounds.append(index)
            elif context is not None and context.CHILD_RE.match(line):
                bounds.append(index)
            index += 1
        bounds.append(end)
        return [(a, b) for a, b in pairwise(bounds) if a < b]

    def _starts_table(self, index, end):
        # An indented first line makes a code block (tested before tables).
        if index + 1 >= end or self.lines[index].startswith("    "):
            return False
        pair = self.lines[index] + "\n" + self.lines[index + 1]
        # Splitting rows walks pipes against code spans: too long a walk just means "no".
        if "|" not in pair or pair.count("|") * pair.count("`") > 4 * len(pair) + 64:
            return False
        if not self.guard.table.test(None, pair):
            return False
        # A one-column table needs a pipe on every row: not checked over two lines alone.
        return len(self.guard.table.separator) > 1 or all(
            "|" in self.lines[i] for i in range(index + 2, end)
        )


def _line_info(line):
    """(nesting depth, offset of the content): the quote marks and list markers before the
    content, and one more level per 4 spaces of indentation."""
    depth = spaces = start = 0
    while match := _CONTAINER_RE.match(line, start):
        depth += 1
        spaces += _SPACES_RE.match(line, start).end() - start
        start = match.end()
    content = _SPACES_RE.match(line, start).end()
    return depth + (spaces + content - start) // 4, content


def _row_split_steps(line, depth):
    """Python-Markdown splits a table row by walking its pipes against its code spans, for
    every block that starts with the row (about one per nesting level)."""
    pipes = line.count("|")
    return pipes and pipes * line.count("`") * (depth + 2)


def _chunks(lines):
    """(first, end) line ranges between blank lines: Python-Markdown parses each separately."""
    first = None
    for index, line in enumerate(lines):
        if line.count(" ") < len(line):
            if first is None:
                first = index
        elif first is not None:
            yield first, index
            first = None
    if first is not None:
        yield first, len(lines)


def _is_underline(line):
    """A setext underline: only `=` or only `-`, from the start of the line."""
    mark = line.rstrip(" ")
    return bool(mark) and mark[0] in "=-" and not mark.strip(mark[0])


# --- inline text ------------------------------------------------------------------------------


def _inline_cost(source, start, end, escaped_chars):
    """(scan steps, copied characters) of the inline patterns on source[start:end]."""
    spans, scan = _code_spans(source, start, end) if source.find("`", start, end) >= 0 else ([], 0)
    if source.find("[", start, end) >= 0:
        scan += _link_steps(source, start, end, spans, escaped_chars)
    return scan, _copies(source, start, end)


def _copies(source, start, end):
    """Characters copied on source[start:end]: every match rebuilds the whole text, and so
    does a line appended to a list item."""
    matches = sum(source.count(char, start, end) for char in _SPECIALS)
    matches -= len(_INTRAWORD_RE.findall(source, start, end))
    matches += source.count("  \n", start, end)  # hard breaks
    if _LIST_LINE_RE.search(source, start, end):
        matches += source.count("\n", start, end)
    return matches * (end - start)


def _code_spans(source, start, end):
    """Code spans as Python-Markdown's backtick walker finds them, and the steps it walks.

    An opener scans to the next run of its own length, else to the end of the text; failing
    that, a shorter longest run after it closes it. A first backtick after an odd number of
    backslashes is escaped, yet the walker counts it in the runs it compares with.
    """
    runs = [
        (match.start(2), match.end(2), len(match.group(1)) % 2)
        for match in _BACKTICKS_RE.finditer(source, start, end)
    ]
    exact, longest = _run_partners(runs)
    spans, steps, index = [], 0, 0
    while index < len(runs):
        run_start, run_end, escaped = runs[index]
        ticks = run_end - run_start - escaped
        partner = exact[index]
        if partner is None:
            steps += end - run_start
            length, partner = longest[index]
            if not 0 < length < ticks:
                partner = None
        else:
            steps += runs[partner][0] - run_start
        if ticks and partner is not None:
            spans.append((run_start, runs[partner][1]))
            index = partner + 1
        else:
            index += 1
    return spans, steps


def _run_partners(runs):
    """For each run as an opener: the next run as long as its ticks, and the longest run after
    it (the leftmost of that length), both as indexes into `runs`."""
    exact, longest = [None] * len(runs), [(0, None)] * len(runs)
    after = {}  # run length -> index of the nearest such run to the right
    best = (0, None)
    for index in range(len(runs) - 1, -1, -1):
        run_start, run_end, escaped = runs[index]
        exact[index] = after.get(run_end - run_start - escaped)
        longest[index] = best
        if run_end - run_start >= best[0]:
            best = (run_end - run_start, index)
        after[run_end - run_start] = index
    return exact, longest


class _LinkTokens:
    """The characters the link scans look at, in order, outside code spans and escapes."""

    def __init__(self, source, start, end, spans, escaped_chars):
        self.source, self.end = source, end
        self.pos, self.char = [], []
        self.balancing = {}  # index of a `(` -> index of the `)` balancing it
        self.quote_before = {}  # index of `)` -> index of the quote just before it
        self.link_parens = []  # indexes of `(` right after a matched `]`
        self.bracket_steps = 0
        self._read(start, spans, escaped_chars)

    def _read(self, start, spans, escaped_chars):
        brackets, parens = [], []
        last = _OTHER  # index of a quote when it is the last non-space character so far
        previous = start
        for gap_start, gap_end in _gaps(start, self.end, spans):
            if _NON_SPACE_RE.search(self.source, previous, gap_start):
                last = _OTHER  # a code span
            previous = gap_start
            for match in _TOKEN_RE.finditer(self.source, gap_start, gap_end):
                at = match.start()
                if _NON_SPACE_RE.search(self.source, previous, at):
                    last = _OTHER
                previous = match.end()
                char = match.group()
                if match.group(1) is not None:
                    # An escaped character is hidden, unless Python-Markdown does not escape it.
                    char, at = match.group(1), at + 1
                    if char in escaped_chars or char not in _QUOTES:
                        last = _OTHER
                        continue
                index = len(self.pos)
                self.pos.append(at)
                self.char.append(char)
                if char == "[":
                    brackets.append(index)
                elif char == "]" and brackets:
                    opener = brackets.pop()
                    self.bracket_steps += at - self.pos[opener]
                    if at + 1 < self.end and self.source[at + 1] == "(":
                        self.link_parens.append(index + 1)
                elif char == "(":
                    parens.append(index)
                elif char == ")":
                    if parens:
                        self.balancing[parens.pop()] = index
                    if last is not _OTHER:
                        self.quote_before[index] = last
                last = index if char in _QUOTES else _OTHER
        self.bracket_steps += sum(self.end - self.pos[opener] for opener in brackets)


def _gaps(start, end, spans):
    """The ranges of start..end outside the spans."""
    for span_start, span_end in spans:
        yield start, span_start
        start = span_end
    yield start, end


def _link_steps(source, start, end, spans, escaped_chars):
    """Steps of the `[`...`]` scans (three per bracket) and of the `](`...`)` scans.

    A destination scan stops at the `)` balancing its `(`; after a quote it only stops at a `)`
    right after (spaces aside) another of that quote, else it runs to the end of the text. A
    link taken out of the text for the patterns after it may leave an outer `[` looking past
    a `]` of its destination: each such `]` may cost a scan to the end in those patterns.
    """
    tokens = _LinkTokens(source, start, end, spans, escaped_chars)
    steps = _LINK_SCANS * tokens.bracket_steps
    next_quote, closing_after = _quote_scans(tokens)
    closes = _running_count(tokens.char, "]")
    for paren in tokens.link_parens:
        balanced = tokens.balancing.get(paren)
        quote = next_quote[paren]
        stop = balanced
        if quote is not None and (balanced is None or quote < balanced):
            stop = closing_after[quote]
        steps += (end if stop is None else tokens.pos[stop]) - tokens.pos[paren]
        region_end = stop if stop is not None else balanced
        if region_end is not None:
            steps += _LINK_SCANS * (end - start) * (closes[region_end] - closes[paren])
    return steps


def _quote_scans(tokens):
    """For each token: the next quote after it; for each quote: the first `)` that ends a
    destination scan which met that quote first."""
    count = len(tokens.pos)
    next_quote, closing_after = [None] * count, [None] * count
    ends_after = dict.fromkeys(_QUOTES)
    closer_of = {quote_index: paren for paren, quote_index in tokens.quote_before.items()}
    following = None
    for index in range(count - 1, -1, -1):
        next_quote[index] = following
        char = tokens.char[index]
        if char in _QUOTES:
            closing_after[index] = ends_after[char]
            if index in closer_of:
                ends_after[char] = closer_of[index]
            following = index
    return next_quote, closing_after


def _running_count(chars, wanted):
    """counts[i] = how many of chars[:i + 1] equal `wanted`."""
    counts, total = [], 0
    for char in chars:
        total += char == wanted
        counts.append(total)
    return counts


# --- after parsing ----------------------------------------------------------------------------

MAX_TREE_DEPTH = 100  # lxml drops what lies deeper than about 255 elements, text included


class TooDeep(Exception):
    """The parsed tree nests deeper than MAX_TREE_DEPTH (say, emphasis inside emphasis)."""


class DepthLimit(Treeprocessor):
    """Raises TooDeep before serializing a tree the sanitizer could not parse whole."""

    def run(self, root):
        stack = [(root, 0)]
        while stack:
            element, depth = stack.pop()
            if depth > MAX_TREE_DEPTH:
                raise TooDeep
            stack.extend((child, depth + 1) for child in element)
