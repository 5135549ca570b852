"""Measures the streaming path: prints a markdown table, asserts nothing.

Started by `make bench`, which passes the Odoo config and a benchmark database with the addon
installed. Everything runs side by side in this process tree: two fake OpenAI-compatible
servers (subprocesses), one Odoo server (subprocess, threaded mode as `make run`), this client.
"""

import argparse
import http.client
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg2
from playwright.sync_api import sync_playwright

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "scripts"))
import browser  # noqa: E402
from stack import ADDONS, Odoo, browser_page, start_fake, start_odoo, stop  # noqa: E402


def timed_stream(url, body, headers, is_first, is_last, is_early=None):
    """POST and read the raw body: (seconds to the first piece of text, seconds to the end);
    with is_early, (seconds to that mark, seconds to the text, seconds to the end)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    start = time.perf_counter()
    conn.request("POST", parts.path, body=body, headers=headers)
    response = conn.getresponse()
    first = early = None
    buffer = b""
    while True:
        data = response.read1(65536)
        if not data:
            break
        buffer = buffer[-200:] + data
        if is_early and early is None and is_early(buffer):
            early = time.perf_counter() - start
        if first is None and is_first(buffer):
            first = time.perf_counter() - start
        if is_last(buffer):
            break
    total = time.perf_counter() - start
    conn.close()
    return (early, first, total) if is_early else (first, total)


def direct(fake_url, n=1):
    body = json.dumps(
        {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}
    )
    return [
        timed_stream(
            fake_url + "/chat/completions",
            body,
            {"Content-Type": "application/json"},
            lambda b: b'"content"' in b,
            lambda b: b"[DONE]" in b,
        )
        for _ in range(n)
    ]


def asked(odoo):
    """(seconds to `start`, to the first delta, to `done`) of one question through Odoo."""
    body = urlencode({"message": "Hi", "csrf_token": odoo.csrf})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": odoo.cookie()}
    return timed_stream(
        odoo.base + "/ai/stream_chat",
        body,
        headers,
        lambda b: b"event: delta" in b,
        lambda b: b"event: done" in b,
        lambda b: b"event: start" in b,
    )


def relayed(odoo, n=1):
    return [asked(odoo)[1:] for _ in range(n)]


def refused(odoo, n):
    """Seconds for the stream route to refuse an empty message: the floor any request through
    Odoo pays (session, CSRF check, routing, one settings read), with no rows created."""
    body = urlencode({"message": "", "csrf_token": odoo.csrf})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": odoo.cookie()}
    times = []
    for _ in range(n):
        parts = urlsplit(odoo.base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        start = time.perf_counter()
        conn.request("POST", "/ai/stream_chat", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        times.append(time.perf_counter() - start)
        conn.close()
        assert response.status == 400, response.status
    return times


def relayed_start(odoo, n):
    """Seconds to the `start` event: Odoo's request, validation and row creation."""
    return [asked(odoo) for _ in range(n)]


def long_answer(tokens):
    """A markdown answer of about `tokens` words: headings, lists, tables, code."""
    block = (
        "## Section {i}\n\nSome text with **bold**, `code` and a [link](https://example.com).\n\n"
        "- item one\n- item two\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "```python\nprint({i})\n```\n\n"
    )
    text, i = "", 0
    while len(text.split(" ")) < tokens:
        text += block.format(i=i)
        i += 1
    return [p + " " for p in text.split(" ")][:tokens]


def render_cpu(tokens=20000, naive_budget=30.0):
    import odoo.addons

    odoo.addons.__path__.append(str(ADDONS))  # set up by `make bench`
    from odoo.addons.ai_stream_chat.lib.render import IncrementalRenderer, render_markdown

    pieces = long_answer(tokens)
    text = "".join(pieces)
    cpu = time.process_time

    start = cpu()
    render_markdown(text)
    full_once = cpu() - start

    def incremental(every):
        renderer = IncrementalRenderer()
        start = cpu()
        for index, piece in enumerate(pieces):
            renderer.feed(piece)
            if index % every == 0:
                renderer.update()
        renderer.finish()
        return cpu() - start

    per_chunk = incremental(1)
    throttled = incremental(8)  # the relay renders every 80 ms: about 8 tokens at 100 tokens/s
    start, done, acc = cpu(), 0, ""
    for piece in pieces:
        acc += piece
        render_markdown(acc)
        done += 1
        if cpu() - start > naive_budget:
            break
    naive = cpu() - start
    return full_once, per_chunk, throttled, naive, done, len(pieces), len(text)


def db_updates(db):
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute("SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'ai_chat_message'")
        return cr.fetchone()[0]


def settled_updates(db):
    """Statistics reach the view a little after each transaction: wait until they stop moving."""
    last, stable = db_updates(db), 0
    while stable < 3:
        time.sleep(0.5)
        value = db_updates(db)
        stable = stable + 1 if value == last else 0
        last = value
    return last


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    answer_file = tempfile.NamedTemporaryFile("w", suffix=".md", delete=False)
    answer_file.write("".join(long_answer(20000)))
    answer_file.close()
    long, long_url = start_fake("--reply-file", answer_file.name)
    fast, fast_url = start_fake("--chunks", "2000")
    small, small_url = start_fake("--chunks", "3")
    paced, paced_url = start_fake("--chunks", "400", "--delay", "0.025")
    children = [long, fast, small, paced]
    rows = []
    try:
        odoo_proc = start_odoo(args.conf, args.db, args.port)
        children.append(odoo_proc)
        odoo = Odoo(f"http://127.0.0.1:{args.port}")
        odoo.set_param("model", "bench")
        odoo.set_param("max_streams", "1000")

        odoo.set_param("api_url", small_url)
        relayed(odoo, 3), direct(small_url, 3)  # warm up
        d = [first for first, _ in direct(small_url, args.runs)]
        timings = relayed_start(odoo, args.runs)
        dm = statistics.median(d) * 1000
        sm = statistics.median(early for early, _, _ in timings) * 1000
        rm = statistics.median(first for _, first, _ in timings) * 1000
        relay = statistics.median((first - early) for early, first, _ in timings) * 1000
        rows.append(
            (
                "Time to first delta, direct from the fake server (median of %d)" % args.runs,
                f"{dm:.2f} ms",
            )
        )
        rows.append(("Time to first delta through Odoo (median of %d)" % args.runs, f"{rm:.2f} ms"))
        rows.append(("Overhead through Odoo, first delta (goal < 5 ms)", f"{rm - dm:.2f} ms"))
        rows.append(
            (
                "… of which the request until the `start` event (session, CSRF, 3 rows, commit)",
                f"{sm:.2f} ms",
            )
        )
        rows.append(("… of which `start` to first delta, minus direct", f"{relay - dm:.2f} ms"))
        floor = statistics.median(refused(odoo, args.runs)) * 1000
        rows.append(
            ("Odoo's floor: the same route refusing an empty message (no rows)", f"{floor:.2f} ms")
        )

        odoo.set_param("api_url", fast_url)
        relayed(odoo, 1)
        d = statistics.median(total for _, total in direct(fast_url, 5))
        r = statistics.median(total for _, total in relayed(odoo, 5))
        rows.append(("Chunks/s, 2,000-chunk upstream read directly", f"{2000 / d:,.0f}"))
        rows.append(
            (
                "Chunks/s, the same relayed through Odoo (goal ≥ half)",
                f"{2000 / r:,.0f} ({d / r:.0%} of direct)",
            )
        )

        odoo.set_param("api_url", paced_url)
        before = settled_updates(args.db)
        _, seconds = relayed(odoo, 1)[0]
        writes = settled_updates(args.db) - before
        rows.append(
            (
                f"Database writes for one {seconds:.1f} s answer of 400 chunks",
                f"{writes} UPDATEs (+1 INSERT)",
            )
        )

        odoo.set_param("api_url", long_url)
        with sync_playwright() as playwright:
            ui = browser.measure(playwright, odoo.base, browser_page)
        rows.append(
            (
                "Browser: 20,000-token answer streamed into the full-page chat",
                f"{ui['wall']:.1f} s, {ui['blocks']:,} blocks",
            )
        )
        rows.append(
            (
                "Browser: scripting time during that answer (Chrome ScriptDuration)",
                f"{ui['script'] * 1000:.0f} ms (layout {ui['layout'] * 1000:.0f} ms)",
            )
        )
        rows.append(
            ("Browser: longest frame during that answer", f"{ui['longest_frame_ms']:.0f} ms")
        )
    finally:
        stop(children)

    full_once, per_chunk, throttled, naive, naive_done, tokens, chars = render_cpu()
    rows.append(
        (
            f"CPU, one full render of the {tokens:,}-token answer ({chars:,} chars)",
            f"{full_once * 1000:.0f} ms",
        )
    )
    rows.append(
        (
            "CPU, incremental render, update after every 1-token chunk",
            f"{per_chunk * 1000:.0f} ms ({per_chunk / full_once:.1f}x one full render)",
        )
    )
    rows.append(
        (
            "CPU, incremental render, update every 8 chunks (the relay's 80 ms throttle)",
            f"{throttled * 1000:.0f} ms ({throttled / full_once:.1f}x)",
        )
    )
    if naive_done < tokens:
        naive_text = f"> {naive:.0f} s: stopped after {naive_done:,} of {tokens:,} chunks"
    else:
        naive_text = f"{naive * 1000:.0f} ms ({naive / full_once:.0f}x)"
    rows.append(("CPU, re-rendering the whole text after every chunk", naive_text))

    print("\n| Measure | Result |\n|---|---|")
    for name, value in rows:
        print(f"| {name} | {value} |")


if __name__ == "__main__":
    main()
