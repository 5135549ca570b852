import re
from pathlib import Path
from unittest.mock import patch

import lxml.html

from odoo.tests.common import BaseCase

from odoo.addons.ai_stream_chat.lib import render

DOCUMENT = """# Streaming report

This answer has **bold**, *emphasis*, a [link](https://www.odoo.com "Odoo") and `<tag>` code.
A second line of the same paragraph.

## Steps
Items to check:
- first item
- second item
  - nested item
  - another nested item
- third item

1. Loose first

2. Loose second
   with a continuation line

3. Loose third

Result:
| Name | Value |
|:-----|------:|
| a    | 1     |
| b    | 2     |

```python
def greet(name):
    # a comment that looks like a heading

    return f"<b>{name}</b>"
```

Some text between the fences.
~~~
# not a heading
| not | a table |

- not a list
~~~

Raw html <script>alert(1)</script> stays text.

> A quote

---

```
last block without language
```
Final paragraph with a trailing line"""

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](jav&#x09;ascript:alert(1))",
    "![a](https://evil.example/p?q=secret)",
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<iframe src="https://evil.example/"></iframe>',
    '<div onclick="alert(1)">click</div>',
    '<svg onload="alert(1)"><circle/></svg>',
    "Text\n\n<script>\nalert(1)\n</script>\n",
]

FORBIDDEN = [
    "<script",
    "onerror",
    "onload",
    "onclick",
    "javascript:",
    "<img",
    "<iframe",
    "<svg",
    "src=",
]


def tokens(text):
    """Roughly what an LLM streams: words with their trailing whitespace."""
    return re.findall(r"\S+\s*|\s+", text)


def apply(blocks, change):
    """What the browser does with an update() result."""
    assert change["from_block"] <= len(blocks)
    del blocks[change["from_block"] :]
    blocks.extend(change["blocks"])


class CountingRenderer(render.IncrementalRenderer):
    """Tells apart renders done while finishing blocks from renders of the tail."""

    def __init__(self):
        super().__init__()
        self.block_renders = 0
        self.tail_renders = 0
        self.updates = 0
        self.updates_after_feed = 0  # update() calls that may have a changed tail
        self._fed = False

    def _counted(self, attribute, method, *args):
        before = self.renders
        result = method(*args)
        setattr(self, attribute, getattr(self, attribute) + self.renders - before)
        return result

    def feed(self, text):
        self._fed = True
        return self._counted("block_renders", super().feed, text)

    def finish(self):
        return self._counted("block_renders", super().finish)

    def update(self):
        self.updates += 1
        self.updates_after_feed += self._fed
        self._fed = False
        return self._counted("tail_renders", super().update)


def stream(pieces, update_every=1, renderer=None):
    """Feed pieces, applying update() results like the browser; return (renderer, browser html)."""
    renderer = renderer or render.IncrementalRenderer()
    browser = []
    for index, piece in enumerate(pieces, 1):
        renderer.feed(piece)
        if index % update_every == 0:
            change = renderer.update()
            if change:
                apply(browser, change)
    renderer.finish()
    change = renderer.update()
    if change:
        apply(browser, change)
    return renderer, "".join(browser)


class TestIncrementalRendering(BaseCase):
    def test_chunkings_are_equivalent(self):
        expected = render.render_markdown(DOCUMENT)
        chunkings = {
            "chars": list(DOCUMENT),
            "tokens": tokens(DOCUMENT),
            "lines": DOCUMENT.splitlines(keepends=True),
            "whole": [DOCUMENT],
            "sevens": [DOCUMENT[i : i + 7] for i in range(0, len(DOCUMENT), 7)],
        }
        for name, pieces in chunkings.items():
            with self.subTest(chunking=name):
                renderer, browser = stream(pieces)
                self.assertEqual(renderer.finish(), expected)
                self.assertEqual(renderer.html, expected)
                self.assertEqual(browser, expected)

    def test_document_content(self):
        html = render.render_markdown(DOCUMENT)
        self.assertIn("<h1>Streaming report</h1>", html)
        self.assertIn("<code>&lt;tag&gt;</code>", html)
        self.assertIn('<code class="language-python">', html)
        self.assertIn("# a comment that looks like a heading\n\n", html)
        self.assertIn('return f"&lt;b&gt;{name}&lt;/b&gt;"', html)
        self.assertIn("# not a heading\n| not | a table |\n\n- not a list\n</code>", html)
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", html)
        self.assertIn('<th align="left">Name</th>', html)
        self.assertIn("<li>nested item</li>", html)
        self.assertRegex(html, r"<p>Loose second\s+with a continuation line</p>")
        self.assertNotIn("&amp;lt;", html)
        # The loose ordered list stays one list across its blank lines.
        self.assertEqual(html.count("<ol>"), 1)
        self.assertIn(
            '<a href="https://www.odoo.com" title="Odoo" target="_blank" '
            'rel="noopener noreferrer nofollow">link'
            '<span class="o_ai_stream_chat_link_host">www.odoo.com</span></a>',
            html,
        )

    def test_update_protocol(self):
        renderer = render.IncrementalRenderer()
        self.assertIsNone(renderer.update())
        renderer.feed("Hello")
        self.assertEqual(renderer.update(), {"from_block": 0, "blocks": ["<p>Hello</p>"]})
        self.assertIsNone(renderer.update())
        renderer.feed(" world\n\nNext")
        self.assertEqual(
            renderer.update(), {"from_block": 0, "blocks": ["<p>Hello world</p>", "<p>Next</p>"]}
        )
        renderer.feed(" one")
        # The finished first block is not sent again.
        self.assertEqual(renderer.update(), {"from_block": 1, "blocks": ["<p>Next one</p>"]})
        self.assertEqual(renderer.block_count, 2)
        self.assertEqual(renderer.finish(), "<p>Hello world</p><p>Next one</p>")
        self.assertIsNone(renderer.update())
        with self.assertRaises(ValueError):
            renderer.feed("more")

    def test_finished_blocks_render_once(self):
        for name, pieces in {"chars": list(DOCUMENT), "tokens": tokens(DOCUMENT)}.items():
            with self.subTest(chunking=name):
                renderer, _browser = stream(pieces, renderer=CountingRenderer())
                self.assertLessEqual(renderer.block_renders, renderer.block_count)
                self.assertLessEqual(renderer.tail_renders, renderer.updates_after_feed)
                self.assertLessEqual(
                    renderer.renders, renderer.block_count + renderer.updates_after_feed
                )
        # Without update() calls only finished blocks are rendered, each exactly once.
        renderer = render.IncrementalRenderer()
        for piece in tokens(DOCUMENT):
            renderer.feed(piece)
        renderer.finish()
        self.assertEqual(renderer.renders, renderer.block_count)

    def test_update_without_new_text_does_not_render(self):
        renderer = render.IncrementalRenderer()
        renderer.feed("Some *text* being typed")
        renderer.update()
        renders = renderer.renders
        self.assertIsNone(renderer.update())
        self.assertEqual(renderer.html, "<p>Some <em>text</em> being typed</p>")
        self.assertEqual(renderer.renders, renders)

    def test_many_tokens(self):
        section = (
            "## Part {n}\nIntro for part {n} with `code` and **bold** words in it.\n"
            "- point {n}.1\n- point {n}.2\n\n```js\nconst part = {n};\n\nconsole.log(part);\n```\n"
            "| k | v |\n|---|---|\n| part | {n} |\n\n"
        )
        text = "".join(section.format(n=n) for n in range(600))
        pieces = tokens(text)[:20000]
        self.assertEqual(len(pieces), 20000)
        renderer, browser = stream(pieces, update_every=100, renderer=CountingRenderer())
        self.assertEqual(browser, render.render_markdown("".join(pieces)))
        self.assertLessEqual(renderer.block_renders, renderer.block_count)
        self.assertLessEqual(renderer.tail_renders, renderer.updates_after_feed)
        self.assertLessEqual(renderer.renders, renderer.block_count + renderer.updates_after_feed)
        self.assertLess(renderer.renders, len(pieces) / 10)


class TestMarkdownInstances(BaseCase):
    def test_one_instance_serves_conversions_one_after_another(self):
        # Under gevent every request and answer is a greenlet: a per-thread (there per
        # greenlet) instance would be built again for each.
        render._idle.clear()
        built = []
        original = render._new_markdown

        def counting():
            built.append(1)
            return original()

        with patch.object(render, "_new_markdown", counting):
            for text in ("# one", "two *words*", "```\nthree\n```"):
                render.render_markdown(text)
        self.assertEqual(len(built), 1)

    def test_an_instance_that_failed_is_not_used_again(self):
        render.render_markdown("warm")
        with render._markdown() as (md, _guard):
            pass
        with self.assertRaises(RuntimeError), render._markdown() as (failed, _guard):
            raise RuntimeError("half-way through")
        self.assertIs(failed, md)
        self.assertNotIn(md, [instance for instance, _guard in render._idle])


class TestBlocks(BaseCase):
    def test_unclosed_fence_renders_as_code(self):
        renderer = render.IncrementalRenderer()
        renderer.feed("Code:\n\n```python\nx = 1\n\ny = ")
        change = renderer.update()
        self.assertEqual(
            change["blocks"][-1], '<pre><code class="language-python">x = 1\n\ny = \n</code></pre>'
        )
        self.assertEqual(renderer.block_count, 2)
        # A closing fence being typed is held back instead of showing up as code.
        renderer.feed("2\n``")
        code = '<pre><code class="language-python">x = 1\n\ny = 2\n</code></pre>'
        self.assertEqual(renderer.update(), {"from_block": 1, "blocks": [code]})
        renderer.feed("`\nAfter")
        self.assertEqual(renderer.update(), {"from_block": 2, "blocks": ["<p>After</p>"]})
        self.assertEqual(renderer.finish(), f"<p>Code:</p>{code}<p>After</p>")
        html = render.render_markdown("```\nnever closed")
        self.assertEqual(html, "<pre><code>never closed\n</code></pre>")

    def test_fence_variants(self):
        self.assertEqual(
            render.render_markdown("````md\n```\ninner\n```\n````"),
            '<pre><code class="language-md">```\ninner\n```\n</code></pre>',
        )
        self.assertEqual(
            render.render_markdown("```python title=x.py\npass\n```"),
            '<pre><code class="language-python">pass\n</code></pre>',
        )
        html = render.render_markdown(
            "1. Install:\n   ```bash\n   pip install x\n   ```\n2. Run it"
        )
        self.assertIn('<pre><code class="language-bash">pip install x\n</code></pre>', html)
        self.assertIn('<ol start="2">', html)

    def test_list_and_table_after_paragraph_line(self):
        html = render.render_markdown("Items:\n- a\n- b")
        self.assertEqual(html, "<p>Items:</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>")
        html = render.render_markdown("Steps:\n1. one\n2. two")
        self.assertIn("<ol>\n<li>one</li>\n<li>two</li>\n</ol>", html)
        html = render.render_markdown("Result:\n| a | b |\n|---|---|\n| 1 | 2 |")
        self.assertTrue(html.startswith("<p>Result:</p>"))
        self.assertIn("<table>", html)
        self.assertIn("<td>2</td>", html)
        # A list continued by a lazy line stays one tight list.
        html = render.render_markdown("- a\nlazy\n- b")
        self.assertEqual(html.count("<ul>"), 1)
        self.assertNotIn("<p>", html)

    def test_nested_lists_with_llm_indentation(self):
        html = render.render_markdown("1. Install\n   - pip\n     - wheel\n2. Run")
        self.assertEqual(
            re.sub(r"\s", "", html),
            "<ol><li>Install<ul><li>pip<ul><li>wheel</li></ul></li></ul></li><li>Run</li></ol>",
        )
        html = render.render_markdown("- a\n\n  more a\n  - nested\n- b")
        self.assertEqual(
            re.sub(r"\s", "", html),
            "<ul><li><p>a</p><p>morea</p><ul><li>nested</li></ul></li><li><p>b</p></li></ul>",
        )

    def test_list_block_boundaries(self):
        renderer = render.IncrementalRenderer()
        # Bullets of any marker continue a bullet list, an ordered item starts a new block.
        renderer.feed("- a\n\n- b\n\n  more b\n\n* bullet too\n\n1. x\n\n2. y\n\nText\n")
        self.assertEqual(renderer.block_count, 3)
        html = renderer.finish()
        self.assertEqual(html.count("<ul>"), 1)
        self.assertEqual(html.count("<ol>"), 1)
        self.assertIn("<p>more b</p>", html)

    def test_raw_html_is_text(self):
        html = render.render_markdown("Look: <script>alert(1)</script> and <b>bold</b>")
        self.assertEqual(
            html, "<p>Look: &lt;script&gt;alert(1)&lt;/script&gt; and &lt;b&gt;bold&lt;/b&gt;</p>"
        )
        html = render.render_markdown('<div onclick="x()">\nblock\n</div>')
        self.assertIn('&lt;div onclick="x()"&gt;', html)
        self.assertEqual(render.render_markdown(""), "")


class TestSanitize(BaseCase):
    def test_the_browser_keeps_the_same_allowlist_as_the_server(self):
        """Two layers, one policy: DOMPurify's config in the web client (markdown_parts.js)
        allows exactly the server's tags, attributes and link schemes."""
        js = (
            Path(__file__).resolve().parent.parent / "static/src/markdown_block/markdown_parts.js"
        ).read_text()

        def js_list(name):
            return set(
                re.findall(r'"([\w-]+)"', re.search(name + r": \[(.*?)\]", js, re.DOTALL).group(1))
            )

        self.assertEqual(js_list("ALLOWED_TAGS"), set(render._ALLOWED))
        self.assertEqual(js_list("ALLOWED_ATTR"), set().union(*render._ALLOWED.values()))
        uri = re.search(r"ALLOWED_URI_REGEXP:\s+/\^\(\?:(.*?)\):\|\^(.*?)\$/,", js)
        self.assertEqual(
            set(uri.group(1).replace("https?", "http|https").split("|")), render._SAFE_SCHEMES
        )
        self.assertEqual(uri.group(2).replace("\\/", "/"), render.RECORD_PATH_RE.pattern)

    def test_links_to_records_stay_in_the_web_client(self):
        html = render.render_markdown("See [Deco Addict](/odoo/res.partner/7).")
        link = lxml.html.fromstring(html).find(".//a")
        self.assertEqual(link.get("href"), "/odoo/res.partner/7")
        self.assertEqual(link.get("class"), render.RECORD_LINK_CLASS)
        self.assertIsNone(link.get("target"))  # the same web client, not a new tab
        self.assertNotIn(render.LINK_HOST_CLASS, html)
        self.assertEqual(render.sanitize_html(html), html)
        # Only that form: no other path of the instance, no query, no id 0, no look-alike.
        for href in (
            "/odoo/res.partner/7/edit",
            "/odoo/res.partner/7?debug=1",
            "/web#id=7",
            "/odoo/res.partner/0",
            "/odoo/Res.Partner/7",
            "//evil.com/odoo/a.b/1",
            "/odoo/action-base.action_partner_form",
            "/odoo/res.partner/7#x",
        ):
            with self.subTest(href=href):
                self.assertNotIn("href", render.render_markdown(f"[x]({href})"))
        forged = render.sanitize_html(
            '<a class="o_ai_stream_chat_record_link" href="https://e.com">x</a>'
        )
        self.assertNotIn("record_link", forged)

    def test_xss_corpus(self):
        for source in XSS_CORPUS:
            with self.subTest(source=source):
                for html in (render.render_markdown(source), render.sanitize_html(source)):
                    # Raw html may show as escaped text; what matters is the markup itself.
                    markup = "".join(re.findall(r"<[^>]*>", html)).lower()
                    for needle in FORBIDDEN:
                        self.assertNotIn(needle, markup)
                    self.assertNotIn("evil.example/p", markup)
                    self.assertNotIn("<a href", markup)
                    self.assertNotIn("<script", html.lower())

    def test_images_are_replaced(self):
        html = render.render_markdown("See ![the chart](https://evil.example/p?q=secret) here")
        self.assertEqual(
            html, '<p>See <span class="o_ai_stream_chat_image_removed">the chart</span> here</p>'
        )
        html = render.sanitize_html('<p><img src="https://evil.example/x.png"></p>')
        self.assertEqual(html, '<p><span class="o_ai_stream_chat_image_removed">image</span></p>')

    def test_links(self):
        html = render.render_markdown(
            "[a](https://x.example/p) [b](HTTP://y.example) [c](mailto:me@x.example) "
            "[d](/web/login) [e](ftp://z.example) [f](data:text/html,x)"
        )
        self.assertEqual(html.count('target="_blank" rel="noopener noreferrer nofollow"'), 3)
        for text in "def":
            self.assertIn(f"<a>{text}</a>", html)
        html = render.sanitize_html('<a href=" jav&#x09;ascript:alert(1)" onclick="x">t</a>')
        self.assertEqual(html, "<a>t</a>")
        html = render.sanitize_html('<a href="\nhttps://ok.example">ok</a>')
        self.assertEqual(
            html,
            '<a href="https://ok.example" target="_blank" rel="noopener noreferrer nofollow">'
            'ok<span class="o_ai_stream_chat_link_host">ok.example</span></a>',
        )

    def test_links_show_where_they_lead(self):
        def host_of(markdown):
            hosts = re.findall(
                r'<span class="o_ai_stream_chat_link_host">([^<]*)</span>',
                render.render_markdown(markdown),
            )
            return hosts[0] if hosts else None

        self.assertEqual(
            host_of("[the docs](https://www.odoo.com/documentation?q=secret)"), "www.odoo.com"
        )
        self.assertEqual(host_of("[write](mailto:me@x.example?subject=hi)"), "me@x.example")
        # The host is the one browsers open, whatever the text or the user part pretends.
        self.assertEqual(host_of("[bank.com](https://bank.com@evil.example/)"), "evil.example")
        self.assertEqual(host_of("[https://bank.com](https://evil.example)"), "evil.example")
        self.assertEqual(host_of("[x](https://evil.example\\@bank.example/)"), "bank.example")
        self.assertEqual(host_of("[x](https://EX%41MPLE.com:8443/a)"), "example.com")
        # Look-alike unicode hosts show in their ASCII (punycode) form.
        self.assertEqual(host_of("[apple.com](https://\u0430pple.com/)"), "xn--pple-43d.com")
        self.assertEqual(
            host_of("[b\u00fccher.example](https://b\u00fccher.example/)"), "xn--bcher-kva.example"
        )
        # A link whose text already is its host or URL is left as it is.
        for text in (
            "<https://example.com/path?q=1>",
            "[example.com](https://example.com/a)",
            "[HTTPS://Example.com/](https://example.com/)",
            "<me@x.example>",
        ):
            with self.subTest(text=text):
                self.assertIsNone(host_of(text))

    def test_link_hosts_are_stable(self):
        samples = [
            render.render_markdown(
                "[a](https://x.example/p) and [b](https://b\u00fccher.example/\u00e9)"
            ),
            '<a href="https://x.example">t<span class="o_ai_stream_chat_link_host">forged.example'
            "</span></a>",
            '<p><span class="o_ai_stream_chat_link_host">not in a link</span></p>',
        ]
        for source in samples:
            with self.subTest(source=source):
                once = render.sanitize_html(source)
                self.assertEqual(render.sanitize_html(once), once)
                self.assertLessEqual(once.count("o_ai_stream_chat_link_host"), 2)
                self.assertNotIn("forged.example", once)
        self.assertEqual(render.sanitize_html(samples[2]), "<p>not in a link</p>")
        self.assertEqual(
            render.sanitize_html(samples[1]).count('class="o_ai_stream_chat_link_host"'), 1
        )

    def test_refused_links_stay_refused(self):
        for source in (
            "[x](javascript:alert(1))",
            "[x](data:text/html,x)",
            "[x](JAVASCRIPT:1)",
            '<a href="data:text/html,x">x</a>',
            '<a href="javascript:x">x</a>',
        ):
            with self.subTest(source=source):
                for html in (render.render_markdown(source), render.sanitize_html(source)):
                    markup = "".join(re.findall(r"<[^>]*>", html))  # raw html may show as text
                    self.assertNotIn("href", markup)
                    self.assertNotIn("o_ai_stream_chat_link_host", markup)

    def test_policy(self):
        html = render.sanitize_html(
            '<p style="color:red" id="x" class="o_hidden">a</p>'
            "<style>p{}</style><form><b>f</b></form>"
            '<code class="language-py o_hidden">c</code><embed src="x"><object data="x">o</object>'
        )
        self.assertEqual(html, '<p>a</p><b>f</b><code class="language-py">c</code>')
        self.assertEqual(render.sanitize_html(""), "")
        self.assertEqual(render.sanitize_html(None), "")
        for garbage in (
            "<",
            "\x00\x01",
            "\ud800",
            "<!-- only a comment -->",
            "</p></div>",
            "<object>",
            "<html><head><title>t</title></head></html>",
            "   \n",
        ):
            with self.subTest(garbage=garbage):
                self.assertIsInstance(render.sanitize_html(garbage), str)

    def test_idempotent(self):
        samples = XSS_CORPUS + [
            render.render_markdown(DOCUMENT),
            "loose text",
            "<div>a</div>",
            '<svg onload="x"><text>t</text></svg>after',
            "<p>a<hr>b</p>",
            "<b>x</b> y",
            "\xa0",
            "<td>cell</td>",
            "<li>item<ul><li>sub",
        ]
        for source in samples:
            with self.subTest(source=source):
                once = render.sanitize_html(source)
                self.assertEqual(render.sanitize_html(once), once)
                rendered = render.render_markdown(source)
                self.assertEqual(render.sanitize_html(rendered), rendered)


class TestOpenMarksInTail(BaseCase):
    def test_bold_and_code_being_typed_show_closed_until_the_end(self):
        renderer = render.IncrementalRenderer()
        renderer.feed("Some **bol")
        self.assertIn("<strong>bol</strong>", renderer.update()["blocks"][-1])
        renderer.feed("d** and `co")
        self.assertIn("<code>co</code>", renderer.update()["blocks"][-1])
        renderer.feed("de` done")
        self.assertEqual(
            renderer.finish(), "<p>Some <strong>bold</strong> and <code>code</code> done</p>"
        )
        # A text that really ends unclosed keeps its marks once finished.
        self.assertEqual(render.render_markdown("Some **bol"), "<p>Some **bol</p>")
