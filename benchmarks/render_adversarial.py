"""Rendering time of adversarial markdown, and the guard's cost on ordinary text.

Plain Python, no Odoo: `python3 benchmarks/render_adversarial.py` from the repository root.
Prints markdown tables, asserts nothing. Each pattern is repeated to 200,000 characters (the
answer limit) and rendered whole and streamed (fed in 32-character pieces, update() after
each). The unguarded parser is only run on ordinary text: on most patterns below it would
take from minutes to hours at this size.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from lib import markdown_guard, render  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from markdown_corpus import indented_list, nested, repeat, wide_table  # noqa: E402

SIZE = 200_000
PIECE = 32


def growing_backticks(size):
    parts, ticks = [], 1
    while sum(map(len, parts)) < size:
        parts.append("e" + "`" * ticks)
        ticks += 1
    return "".join(parts)[:size]


def padded_tables(size):
    table = "|" + "a|" * 100 + "\n|" + "-|" * 100 + "\n" + "b\n" * 500 + "\n"
    return repeat(table, size)


PATTERNS = {
    **{
        f"`` {char} `` run": (lambda char: lambda size: repeat(char, size))(char)
        for char in "[(*_`<&|"
    },
    "`[a](b`": lambda size: repeat("[a](b", size),
    "`[a](<b`": lambda size: repeat("[a](<b", size),
    "`[ (](`": lambda size: repeat("[ (](", size),
    "`![`": lambda size: repeat("![", size),
    "`![[]()`": lambda size: repeat("![[]()", size),
    "`[\\]`": lambda size: repeat("[\\]", size),
    "``[`]` ``": lambda size: repeat("[`]`", size),
    "`` \\`` ``": lambda size: repeat("\\``", size),
    "`[](`": lambda size: repeat("[](", size),
    "`[a`": lambda size: repeat("[a", size),
    "`[ a_`": lambda size: repeat("[ a_", size),
    '`[a](b "x) `': lambda size: repeat('[a](b "x) ', size),
    "`*`ᵏ `a` `*`ᵏ": lambda size: nested("*", "a", "*", size),
    "`[`ᵏ `a` `]`ᵏ": lambda size: nested("[", "a", "]", size),
    "`[`ᵏ `a` `](u)`ᵏ": lambda size: nested("[", "a", "](u)", size),
    "`` `a` `` spans": lambda size: repeat("`a` ", size),
    "`&amp;` entities": lambda size: repeat("&amp; ", size),
    "`\\*` escapes": lambda size: repeat("\\*", size),
    "`[]()` links": lambda size: repeat("[]()", size),
    "`[link](x) `": lambda size: repeat("[link](x) ", size),
    "complete constructs mixed": lambda size: repeat(
        "`c` &amp; \\* [l](http://u) *e* **s** ", size
    ),
    "hard breaks": lambda size: repeat("a  \n", size),
    "`[` + backslashes": lambda size: "[" + repeat("\\", size - 1),
    "growing backtick runs": growing_backticks,
    "`**` (`` `a` x``)ᵏ `**`": lambda size: "**" + repeat("`a` x ", size - 4) + "**",
    "`*a **a` nested": lambda size: nested("*a **a ", "x", " a** a*", size),
    "`- `×n on one line": lambda size: repeat("- ", size - 1) + "x",
    "indented nested list": indented_list,
    "`> `×n": lambda size: repeat("> ", size - 4) + "deep",
    "`>`ᵏ `a` `*`ᵏ": lambda size: nested(">", "a", "*", size),
    "wide table": wide_table,
    "padded tables": padded_tables,
    "table row of code and pipes": lambda size: "| a | b |\n|---|---|\n"
    + repeat("`a`", size // 2)
    + repeat("|", size // 2),
    "long line": lambda size: repeat("a", size),
    "unclosed fence": lambda size: "```\n" + repeat("a [ * `\n", size - 4),
    "header lines": lambda size: repeat("# a\n", size),
    "setext headers": lambda size: repeat("a\n===\n", size),
    "rule lines": lambda size: repeat("***\n", size),
    "long list item": lambda size: "- a\n" + repeat("b\n", size - 4),
    "list of `[`": lambda size: repeat("- [\n", size),
    "tiny blocks": lambda size: repeat("a\n\n", size),
    "mix ``[`\\*_<&|``": lambda size: repeat("[`\\*_<&|", size),
}

ORDINARY_SECTION = """## Section {i}

Some text with **bold**, *emphasis*, `code`, a [link](https://example.com "title") and an
interval [0, 1) next to a list index `a[i]`, snake_case_names and 5 * 3 = 15.

1. First step with `pip install x`
   - nested point
   - another one
2. Second step

| Name | Value |
|:-----|------:|
| a    | 1     |
| b    | 2     |

> A quote with **bold** text.

```python
def f(x):
    return [x * 2 for x in range({i})]
```

"""


def seconds(function, text):
    """CPU seconds of one call (CPU time: the machine may be busy with other work)."""
    start = time.process_time()
    function(text)
    return time.process_time() - start


def streamed(text):
    renderer = render.IncrementalRenderer()
    for index in range(0, len(text), PIECE):
        renderer.feed(text[index : index + PIECE])
        renderer.update()
    return renderer.finish()


class Fallbacks:
    """Counts blocks the guard turns into plain text."""

    def __init__(self):
        self.count = 0
        self._judge = markdown_guard.Guard.too_costly

    def __enter__(self):
        outer = self

        def counted(guard, source):
            costly = outer._judge(guard, source)
            outer.count += costly
            return costly

        markdown_guard.Guard.too_costly = counted
        return self

    def __exit__(self, *exc):
        markdown_guard.Guard.too_costly = self._judge


class Unguarded:
    """The renderer as it was without the guard: no cost check, the tail rendered on every
    update()."""

    def __enter__(self):
        self._judge, self._credit = markdown_guard.Guard.too_costly, render.TAIL_CREDIT
        markdown_guard.Guard.too_costly = lambda guard, source: False
        render.TAIL_CREDIT = 10**9
        return self

    def __exit__(self, *exc):
        markdown_guard.Guard.too_costly, render.TAIL_CREDIT = self._judge, self._credit


def adversarial_table(size, names):
    print(f"\n### Adversarial patterns, {size:,} characters each\n")
    print("| pattern | whole (s) | streamed (s) | fell back |")
    print("|---|---:|---:|---|")
    for name in names:
        text = PATTERNS[name](size)
        with Fallbacks() as fallbacks:
            whole = seconds(render.render_markdown, text)
        streamed_time = seconds(streamed, text)
        label = name.replace("|", "\\|")  # a pipe would end the table cell
        print(
            f"| {label} | {whole:.3f} | {streamed_time:.3f} "
            f"| {'yes' if fallbacks.count else 'no'} |",
            flush=True,
        )


def overhead_table(size, runs=7):
    text = repeat("".join(ORDINARY_SECTION.format(i=i) for i in range(50)), size)
    with Fallbacks() as fallbacks:
        guarded_html = render.render_markdown(text)
    with Unguarded():
        same = render.render_markdown(text) == guarded_html
    print(
        f"\n### Ordinary text, {len(text):,} characters (CPU s, best of {runs} interleaved runs)\n"
    )
    print("| path | unguarded (s) | guarded (s) | change |")
    print("|---|---:|---:|---:|")
    for label, function in (("whole", render.render_markdown), ("streamed", streamed)):
        guarded, plain = [], []
        for _ in range(runs):  # alternated, so that both see the same load
            guarded.append(seconds(function, text))
            with Unguarded():
                plain.append(seconds(function, text))
        before, after = min(plain), min(guarded)
        print(f"| {label} | {before:.3f} | {after:.3f} | {100 * (after / before - 1):+.0f}% |")
    print(f"\nSame html: {'yes' if same else 'NO'}; blocks shown as plain text: {fallbacks.count}.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=SIZE, help="characters per pattern")
    parser.add_argument("patterns", nargs="*", help="only these patterns (names as printed)")
    args = parser.parse_args()
    overhead_table(args.size)
    adversarial_table(args.size, args.patterns or list(PATTERNS))


if __name__ == "__main__":
    main()
