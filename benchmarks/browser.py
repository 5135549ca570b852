"""Client-side cost of a long streamed answer in headless Chromium.

Opens the full-page chat, sends one message, and lets a 20,000-token answer stream from a fake
upstream as fast as it can. Reports the page's scripting time (Chrome's own ScriptDuration) and
the longest gap between two animation frames while it streamed.
"""

import time

FRAME_PROBE = """
window.__aiFrames = {max: 0, count: 0, last: performance.now()};
(function tick(now) {
    const f = window.__aiFrames;
    f.max = Math.max(f.max, now - f.last);
    f.count++;
    f.last = now;
    requestAnimationFrame(tick);
})(performance.now());
"""


def _metrics(cdp):
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def measure(playwright, base, browser_page, timeout=300):
    browser, page = browser_page(playwright, base)
    try:
        page.goto(base + "/odoo/ai-chat")
        page.wait_for_selector(".o_ai_stream_chat_input")
        cdp = page.context.new_cdp_session(page)
        cdp.send("Performance.enable")
        page.evaluate(FRAME_PROBE)
        page.wait_for_timeout(500)
        page.evaluate("window.__aiFrames.max = 0")
        before = _metrics(cdp)
        start = time.perf_counter()
        page.fill(".o_ai_stream_chat_input", "Write the long report")
        page.keyboard.press("Enter")
        page.wait_for_selector(".o_ai_stream_chat_stop", state="visible", timeout=30000)
        page.wait_for_selector(".o_ai_stream_chat_stop", state="detached", timeout=timeout * 1000)
        wall = time.perf_counter() - start
        after = _metrics(cdp)
        frames = page.evaluate("window.__aiFrames")
        blocks = page.locator(".o_ai_stream_chat_message .o_ai_stream_chat_block").count()
        return {
            "wall": wall,
            "script": after["ScriptDuration"] - before["ScriptDuration"],
            "layout": after["LayoutDuration"] - before["LayoutDuration"],
            "longest_frame_ms": frames["max"],
            "blocks": blocks,
        }
    finally:
        browser.close()
