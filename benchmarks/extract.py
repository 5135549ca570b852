"""Measures text extraction (lib/extract.py): prints a markdown table, asserts nothing.

    python3 benchmarks/extract.py

Generates a 50-page text PDF (reportlab, 40 lines a page) and a 10,000-row x 8-column XLSX
(openpyxl), then times extract_text() on each: median of 3 runs, wall clock and CPU time of
this process. No database and no server are needed.
"""
import io
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from reportlab.pdfgen import canvas

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
from stack import ADDONS  # noqa: E402
RUNS = 3


def import_extract():
    """lib/extract.py as odoo.addons.ai_stream_chat.lib.extract, through the symlink that
    `make test` creates (created here when missing)."""
    link = ADDONS / "ai_stream_chat"
    if not link.exists():
        ADDONS.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    import odoo.addons
    odoo.addons.__path__.append(str(ADDONS))
    from odoo.addons.ai_stream_chat.lib import extract
    return extract


def make_pdf(pages=50, lines=40):
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in range(1, pages + 1):
        for line in range(1, lines + 1):
            pdf.drawString(50, 800 - 19 * line, f"Page {page}, line {line}: the supplier delivers "
                                                 f"{line * 7} units to Zürich every month.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_xlsx(rows=10_000):
    workbook = openpyxl.Workbook()  # not write_only: that one omits the sheet dimension
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(["Date", "Order", "Customer", "Product", "Quantity", "Unit price", "Total",
                  "Status"])
    start = date(2024, 1, 1)
    for i in range(rows - 1):
        quantity, price = i % 17 + 1, round(3.5 + i % 23 * 1.25, 2)
        sheet.append([start + timedelta(days=i % 365), f"SO{i:05}", f"Customer {i % 311}",
                      f"Product {i % 97}", quantity, price, quantity * price,
                      ("draft", "sent", "done")[i % 3]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def measure(function):
    """(median wall seconds, median CPU seconds, last result) over RUNS calls."""
    walls, cpus, result = [], [], None
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def main():
    extract = import_extract()
    pdf, xlsx = make_pdf(), make_xlsx()
    cases = [
        ("50-page PDF", "report.pdf", pdf, extract.DEFAULT_MAX_CHARS),
        ("50-page PDF, read to the end", "report.pdf", pdf, 10 ** 7),
        ("10,000 x 8 XLSX", "orders.xlsx", xlsx, extract.DEFAULT_MAX_CHARS),
    ]
    print("| file | size | max_chars | kind | pages | chars returned / total | wall (median of 3) "
          "| CPU (median of 3) |")
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for label, name, data, max_chars in cases:
        wall, cpu, result = measure(lambda: extract.extract_text(data, name, max_chars=max_chars))
        print(f"| {label} | {len(data) / 1024:,.0f} KB | {max_chars:,} | {result.kind} "
              f"| {result.pages} | {len(result.text):,} / {result.total_chars:,} "
              f"| {wall * 1000:,.0f} ms | {cpu * 1000:,.0f} ms |")
    print(f"\nPython {sys.version.split()[0]}. A sheet keeps {extract.SHEET_MAX_ROWS:,} rows; the "
          "rest are estimated from its declared size. A PDF stops at the first page past "
          "max_chars and estimates the total from the pages read.")


if __name__ == "__main__":
    main()
