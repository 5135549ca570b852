"""Screenshots of the chat for the README (docs/*.png), after real streamed answers.

Started by `make screenshots` with a fresh demo database: a fake upstream streams
scripts/demo_answer.md word by word through Odoo into headless Chromium.
"""
import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from stack import Odoo, browser_page, start_fake, start_odoo, stop

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def ask(page, text, scope=""):
    page.fill(f"{scope} .o_ai_stream_chat_input", text)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{scope} .o_ai_stream_chat_stop", state="visible")
    page.wait_for_selector(f"{scope} .o_ai_stream_chat_stop", state="detached", timeout=60000)
    page.wait_for_timeout(300)  # the last animation frame


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8098)
    args = parser.parse_args()
    DOCS.mkdir(exist_ok=True)
    fake, fake_url = start_fake("--reply-file", str(ROOT / "scripts" / "demo_answer.md"), "--delay", "0.01")
    procs = [fake]
    try:
        procs.append(start_odoo(args.conf, args.db, args.port))
        odoo = Odoo(f"http://127.0.0.1:{args.port}")
        odoo.set_param("api_url", fake_url)
        odoo.set_param("model", "gpt-4o-mini")
        odoo.set_param("models", "deepseek-chat, llama3.1")
        with sync_playwright() as playwright:
            browser, page = browser_page(playwright, odoo.base)
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_input")
            page.screenshot(path=str(DOCS / "screenshot-welcome.png"))
            ask(page, "Draft a friendly payment reminder for Deco Addict")
            page.click(".o_ai_stream_chat_new")
            ask(page, "Which customers have overdue invoices? Give me a table and a script.")
            page.screenshot(path=str(DOCS / "screenshot-chat.png"))

            page.goto(odoo.base + "/odoo/action-base.action_partner_form")
            page.wait_for_selector(".o_ai_stream_chat_systray_button")
            page.click(".o_ai_stream_chat_systray_button")
            page.wait_for_selector(".o_ai_stream_chat_window .o_ai_stream_chat_input")
            ask(page, "Summarize what I should do about overdue invoices", ".o_ai_stream_chat_window")
            page.screenshot(path=str(DOCS / "screenshot-systray.png"))
            browser.close()

            browser, page = browser_page(playwright, odoo.base, width=390, height=844)
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_input")
            ask(page, "Overdue invoices, short please")
            page.screenshot(path=str(DOCS / "screenshot-phone.png"))
            browser.close()
    finally:
        stop(procs)
    print("\n".join(str(p) for p in sorted(DOCS.glob("screenshot-*.png"))))


if __name__ == "__main__":
    main()
