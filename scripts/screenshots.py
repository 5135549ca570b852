"""Screenshots of the chat for the README (docs/*.png), after real streamed answers.

Started by `make screenshots` with a fresh demo database: a fake upstream streams
scripts/demo_answer.md word by word through Odoo into headless Chromium.
"""

import argparse
import io
import json
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright
from reportlab.pdfgen import canvas
from stack import FlakyNetwork, Odoo, browser_page, start_fake, start_odoo, stop

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def ask(page, text, scope=""):
    page.fill(f"{scope} .o_ai_stream_chat_input", text)
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{scope} .o_ai_stream_chat_stop", state="visible")
    page.wait_for_selector(f"{scope} .o_ai_stream_chat_stop", state="detached", timeout=60000)
    page.wait_for_timeout(300)  # the last animation frame


def offer_pdf():
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(1, 4):
        for line in range(1, 30):
            pdf.drawString(
                50,
                800 - 20 * line,
                f"Offer S00042, page {page}, clause {line}: delivery within 30 days.",
            )
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def attach(page, files, scope=""):
    page.set_input_files(
        f"{scope} .o_ai_stream_chat_file_input",
        files=[
            {"name": name, "mimeType": "application/octet-stream", "buffer": data}
            for name, data in files
        ],
    )
    page.wait_for_selector(
        f"{scope} .o_ai_stream_chat_chip[data-status=uploading]", state="detached"
    )


def colleagues(odoo):
    """Two more users who asked a few questions, for the usage report."""
    group = odoo.call("ir.model.data", "check_object_reference", "base", "group_user")[1]
    for name, login, questions in (
        ("Marc Demo", "marc", [("gpt-4o-mini", 3), ("deepseek-chat", 2)]),
        ("Sophie Accounting", "sophie", [("deepseek-chat", 4), ("llama3.1", 1)]),
    ):
        odoo.call(
            "res.users",
            "create",
            {"name": name, "login": login, "password": login, "groups_id": [(6, 0, [group])]},
        )
        session = Odoo(odoo.base, login, login)
        for model, count in questions:
            for i in range(count):
                session.ask(f"Question {i} for {model}", model=model)


def tools_script(partner_id):
    """What the fake upstream does when a question names Namur (look contacts up) or Bruges
    (propose to move Deco Addict there), as tests/fake_llm.py --tools-script reads it."""
    namur = '[["city", "=", "Namur"]]'
    move = {"street": "Kortrijksesteenweg 5", "city": "Bruges", "phone": "+32 50 44 55 66"}
    script = [
        {
            "on": "Namur",
            "calls": [
                ["count_records", f'{{"model": "res.partner", "domain": {namur}}}'],
                [
                    "search_records",
                    f'{{"model": "res.partner", "domain": {namur}, '
                    '"fields": ["name", "email", "phone"]}',
                ],
            ],
            "after": "There is **1** contact in Namur:\n\n| Name | Email | Phone |\n"
            "|---|---|---|\n| Deco Addict | deco.addict@example.com | +32 81 23 45 67 |\n",
        },
        {
            "on": "Bruges",
            "calls": [
                [
                    "update_record",
                    json.dumps({"model": "res.partner", "id": partner_id, "values": move}),
                ]
            ],
            "after": f"Done: [Deco Addict](/odoo/res.partner/{partner_id}) is now at "
            "Kortrijksesteenweg 5, "
            "Bruges, with the new phone number.",
        },
    ]
    path = Path(tempfile.mkdtemp()) / "tools.json"
    path.write_text(json.dumps(script), encoding="utf-8")
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--port", type=int, default=8098)
    args = parser.parse_args()
    DOCS.mkdir(exist_ok=True)
    procs = [start_odoo(args.conf, args.db, args.port)]
    try:
        odoo = Odoo(f"http://127.0.0.1:{args.port}")
        partner_id = odoo.call(
            "res.partner",
            "create",
            {
                "name": "Deco Addict",
                "is_company": True,
                "street": "Rue de Fer 12",
                "city": "Namur",
                "email": "deco.addict@example.com",
                "phone": "+32 81 23 45 67",
                "comment": "<p>Pays late; prefers a phone call first.</p>",
            },
        )
        fake, fake_url = start_fake(
            "--reply-file",
            str(ROOT / "scripts" / "demo_answer.md"),
            "--delay",
            "0.01",
            "--tools-script",
            str(tools_script(partner_id)),
        )
        procs.append(fake)
        odoo.set_param("api_url", fake_url)
        odoo.set_param("model", "gpt-4o-mini")
        odoo.set_param("models", "deepseek-chat, llama3.1")
        odoo.set_param("document_chars", "12000")
        odoo.set_param("write_tools", "True")
        for model, prices in {
            "gpt-4o-mini": (0.15, 0.075, 0.6),
            "deepseek-chat": (0.27, 0.07, 1.1),
            "llama3.1": (0.0, 0.0, 0.0),
        }.items():
            odoo.call(
                "ai.chat.price",
                "create",
                dict(
                    zip(
                        ("llm_model", "input_price", "cached_input_price", "output_price"),
                        (model, *prices),
                        strict=True,
                    )
                ),
            )
        colleagues(odoo)
        with sync_playwright() as playwright:
            browser, page = browser_page(playwright, odoo.base)
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_input")
            page.screenshot(path=str(DOCS / "screenshot-welcome.png"))
            ask(page, "Draft a friendly payment reminder for Deco Addict")
            page.click(".o_ai_stream_chat_new")
            ask(page, "Which customers have overdue invoices? Give me a table and a script.")
            page.screenshot(path=str(DOCS / "screenshot-chat.png"))

            # The assistant looks records up with the user's rights, step by step.
            page.click(".o_ai_stream_chat_new")
            ask(page, "Which contacts do we have in Namur?")
            page.click(".o_ai_stream_chat_tool_step:nth-child(2) button")
            page.screenshot(path=str(DOCS / "screenshot-tools.png"))

            # A change it proposes waits for the user's approval, then runs with their rights.
            page.click(".o_ai_stream_chat_new")
            page.fill(
                ".o_ai_stream_chat_input",
                "Deco Addict moved to Bruges, Kortrijksesteenweg 5, new phone +32 50 44 55 66",
            )
            page.keyboard.press("Enter")
            page.wait_for_selector(".o_ai_stream_chat_proposal[data-status=pending]")
            page.wait_for_timeout(300)
            page.screenshot(path=str(DOCS / "screenshot-proposal.png"))
            page.click(".o_ai_stream_chat_approve")
            page.wait_for_selector(
                ".o_ai_stream_chat_message_assistant[data-state=done]", timeout=60000
            )
            page.wait_for_timeout(300)
            page.screenshot(path=str(DOCS / "screenshot-proposal-done.png"))

            # The network drops mid-answer: the answer goes on on the server, the page says it
            # is reconnecting, and catches up when the network is back.
            network = FlakyNetwork(args.port)  # the session cookie holds for any port
            page.goto(f"http://127.0.0.1:{network.port}/odoo/ai-chat")
            page.fill(".o_ai_stream_chat_input", "Write the reminder again, more formal")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "document.querySelector('.o_ai_stream_chat_message_assistant')"
                "?.innerText.length > 80"
            )
            network.down()
            page.wait_for_selector(".o_ai_stream_chat_reconnecting", timeout=20000)
            page.wait_for_timeout(1500)  # the answer goes on without the page
            page.screenshot(path=str(DOCS / "screenshot-reconnecting.png"))
            network.up()
            page.wait_for_selector(
                ".o_ai_stream_chat_reconnecting", state="detached", timeout=30000
            )
            page.wait_for_selector(
                ".o_ai_stream_chat_message_assistant[data-state=done]", timeout=60000
            )
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_input")

            page.click(".o_ai_stream_chat_new")
            sales = "\n".join(
                f"2026-{m:02d}-{d:02d};Customer {d};Order {m}/{d}/{n};{d * 137.5:.2f}"
                for m in range(1, 13)
                for d in range(1, 29)
                for n in range(3)
            )
            attach(
                page,
                [
                    ("offer-S00042.pdf", offer_pdf()),
                    ("sales-2026.csv", sales.encode()),
                    ("setup.exe", b"MZ\x90\x00" + bytes(300)),
                ],
            )
            page.fill(".o_ai_stream_chat_input", "Does the offer match what we sold this year?")
            page.screenshot(path=str(DOCS / "screenshot-attach.png"))
            page.keyboard.press("Enter")
            page.wait_for_selector(
                ".o_ai_stream_chat_message_assistant[data-state=done]", timeout=60000
            )
            page.wait_for_timeout(300)  # the last frame re-renders the question's chips
            page.locator(
                ".o_ai_stream_chat_thread .o_ai_stream_chat_chip"
            ).first.scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            page.screenshot(path=str(DOCS / "screenshot-attached.png"))

            page.goto(odoo.base + "/odoo/action-base.action_partner_form")
            page.wait_for_selector(".o_ai_stream_chat_systray_button")
            page.click(".o_ai_stream_chat_systray_button")
            page.wait_for_selector(".o_ai_stream_chat_window .o_ai_stream_chat_input")
            ask(
                page,
                "Summarize what I should do about overdue invoices",
                ".o_ai_stream_chat_window",
            )
            page.screenshot(path=str(DOCS / "screenshot-systray.png"))

            page.click(".o_ai_stream_chat_systray_button")  # close it, then Ask AI on a contact
            page.wait_for_selector(".o_ai_stream_chat_window", state="detached")
            page.goto(odoo.base + f"/odoo/action-base.action_partner_form/{partner_id}")
            page.click(".o_form_view .o_cp_action_menus button.dropdown-toggle")
            page.click(".o_ai_stream_chat_ask_ai")
            page.wait_for_selector(
                ".o_ai_stream_chat_window .o_ai_stream_chat_chip_record[data-status=ready]"
            )
            page.fill(
                ".o_ai_stream_chat_window .o_ai_stream_chat_input",
                "What do we know about this customer?",
            )
            page.screenshot(path=str(DOCS / "screenshot-ask-ai.png"))
            browser.close()

            browser, page = browser_page(playwright, odoo.base, width=390, height=844)
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_input")
            ask(page, "Overdue invoices, short please")
            page.screenshot(path=str(DOCS / "screenshot-phone.png"))
            browser.close()

            # The month's usage: the meter in the chat, against a budget, and the report.
            spent = sum(
                row["total_tokens"]
                for row in odoo.call(
                    "ai.chat.usage",
                    "search_read",
                    [("user_id.login", "=", "admin")],
                    ["total_tokens"],
                )
            )
            odoo.set_param("user_monthly_tokens", str(int(round(spent / 0.72, -2))))
            browser, page = browser_page(playwright, odoo.base)
            page.goto(odoo.base + "/odoo/ai-chat")
            page.wait_for_selector(".o_ai_stream_chat_meter .progress-bar")
            page.screenshot(path=str(DOCS / "screenshot-meter.png"))
            page.goto(odoo.base + "/odoo/action-ai_stream_chat.ai_chat_usage_action")
            page.wait_for_selector(".o_pivot")
            page.click(".o_pivot thead .o_pivot_header_cell_closed")  # the months, by AI model
            page.click(".o_popover .dropdown-item:has-text('AI model')")
            page.wait_for_selector(".o_pivot thead .o_pivot_header_cell_opened")
            page.screenshot(path=str(DOCS / "screenshot-usage.png"))
            browser.close()
    finally:
        stop(procs)
    print("\n".join(str(p) for p in sorted(DOCS.glob("screenshot-*.png"))))


if __name__ == "__main__":
    main()
