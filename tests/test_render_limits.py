"""Rendering costs time linear in the size of the text, whatever the text.

Linearity is checked by ratios, never by absolute timings: rendering 4n characters of a
pattern must take well under 16 times (quadratic) what n characters take.
"""

import gc
import time

from odoo.tests.common import BaseCase

from odoo.addons.ai_stream_chat.lib import render

from .markdown_corpus import indented_list, nested, repeat, wide_table


def padded_table(size):
    columns = int(size**0.5)
    return "|" + "a|" * columns + "\n|" + "-|" * columns + "\n" + "b\n" * (size // 2)


# Each makes about `size` characters. Cheap ones first: a check stops at the first failure.
ADVERSARIAL = {
    "long line": lambda size: repeat("a", size),
    "hard breaks": lambda size: repeat("a  \n", size),
    **{f"{char} run": (lambda char: lambda size: repeat(char, size))(char) for char in "[(*_`<&|"},
    "unclosed destination": lambda size: repeat("[a](b", size),
    "bracket paren": lambda size: repeat("[ (](", size),
    "image openers": lambda size: repeat("![", size),
    "escaped closer": lambda size: repeat("[\\]", size),
    "closer in code": lambda size: repeat("[`]`", size),
    "escaped backtick": lambda size: repeat("\\``", size),
    "empty link openers": lambda size: repeat("[](", size),
    "quote in destination": lambda size: repeat("[a](b's) ", size),
    "nested emphasis": lambda size: nested("*", "a", "*", size),
    "nested links": lambda size: nested("[", "a", "](u)", size),
    "complete constructs": lambda size: repeat("`c` &amp; \\* [l](http://u) *e* **s** ", size),
    "list markers on one line": lambda size: repeat("- ", size - 1) + "x",
    "indented nested list": indented_list,
    "nested quotes": lambda size: repeat("> ", size - 4) + "deep",
    "wide table": wide_table,
    "padded table": padded_table,
    "unclosed fence": lambda size: "```\n" + repeat("a [ * `\n", size - 4),
    "header lines": lambda size: repeat("# a\n", size),
    "rule lines": lambda size: repeat("***\n", size),
    "long list item": lambda size: "- a\n" + repeat("b\n", size - 4),
    "list of openers": lambda size: repeat("- [\n", size),
    "mix": lambda size: repeat("[`\\*_<&|", size),
    "table of openers": lambda size: "| a | b |\n|---|---|\n" + repeat("| [ | ` |\n", size - 20),
}


def time_ratio(function, small, large, rounds=7):
    """CPU time of this thread for `large` over that for `small`, each the best of runs made
    in turns (small, large, small, ...), so that a noisy moment of the machine costs both
    alike; fewer turns once they took long enough for noise not to matter. Garbage collection
    is off: a collection inside one run would be charged to that text's size."""
    best = {id(small): float("inf"), id(large): float("inf")}
    total = 0.0
    gc.collect()
    gc.disable()
    try:
        for turn in range(rounds):
            for text in (small, large):
                start = time.thread_time()
                function(text)
                elapsed = time.thread_time() - start
                best[id(text)] = min(best[id(text)], elapsed)
                total += elapsed
            if total > 1.0 and turn >= 2:
                break
    finally:
        gc.enable()
    return best[id(large)] / best[id(small)]


def streamed(text, piece=16):
    """The incremental renderer fed small pieces, update() after each (the worst call pattern)."""
    renderer = render.IncrementalRenderer()
    for index in range(0, len(text), piece):
        renderer.feed(text[index : index + piece])
        renderer.update()
    return renderer.finish()


class MeasuredRenderer(render.IncrementalRenderer):
    """Counts the characters each render is given."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rendered = []

    def _render(self, lines, *args, **kwargs):
        self.rendered.append(sum(map(len, lines)))
        return super()._render(lines, *args, **kwargs)


class TestLinearTime(BaseCase):
    def assert_linear(self, function, size):
        for name, make in ADVERSARIAL.items():
            ratio = time_ratio(function, make(size), make(4 * size))
            self.assertLess(ratio, 8, f"{name}: 4 times the text took {ratio:.1f} times as long")

    def test_whole_render_is_linear(self):
        self.assert_linear(render.render_markdown, 2000)

    def test_streamed_render_is_linear(self):
        self.assert_linear(streamed, 1500)

    def test_tail_renders_are_bounded(self):
        """Whatever update() is called after, tail renders cost a bounded multiple of the text
        (TAIL_CREDIT, plus the blocks rendered once finished)."""
        text = repeat("Some words of a long paragraph. ", 6000)
        renderer = MeasuredRenderer()
        rendered = renderer.rendered
        for char in text:
            renderer.feed(char)
            renderer.update()
        self.assertEqual(renderer.finish(), render.render_markdown(text))
        self.assertLess(sum(rendered), 20 * len(text))


class TestLimits(BaseCase):
    def test_list_markers_on_one_line(self):
        text = "- " * 495 + "x"  # 991 characters
        html = render.render_markdown(text)
        self.assertIn("- - - ", html)
        self.assertIn("x", html)
        self.assertEqual(streamed(text), html)

    def test_deep_nesting_keeps_its_text(self):
        for text in (
            "> " * 300 + "deep\ntail words",
            "*a **a " * 150 + "deep" + " a** a*" * 150 + "\ntail words",
        ):
            with self.subTest(text=text[:20]):
                html = render.render_markdown(text)
                self.assertIn("deep", html)
                self.assertIn("tail words", html)
                self.assertEqual(render.sanitize_html(html), html)

    def test_wide_table_output_is_bounded(self):
        text = wide_table(4000)
        self.assertLess(len(render.render_markdown(text)), 50 * len(text))

    def test_fallback_is_plain_text_of_that_block_only(self):
        text = "# Title\n\n" + "[" * 300 + "<b>\nsecond line\n\n**bold** after"
        html = render.render_markdown(text)
        self.assertTrue(html.startswith("<h1>Title</h1>"))
        self.assertIn("<p>" + "[" * 300 + "&lt;b&gt;<br>second line</p>", html)
        self.assertTrue(html.endswith("<p><strong>bold</strong> after</p>"))
        self.assertEqual(render.sanitize_html(html), html)

    def test_chunkings_agree_on_adversarial_texts(self):
        for name in ("[ run", "nested quotes", "wide table", "escaped backtick", "header lines"):
            with self.subTest(pattern=name):
                text = ADVERSARIAL[name](3000)
                self.assertEqual(streamed(text, piece=7), render.render_markdown(text))
