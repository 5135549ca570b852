"""Measures text extraction (lib/extract/): prints markdown tables, asserts nothing.

    python3 benchmarks/extract.py

1. In this process: a 50-page text PDF (reportlab, 40 lines a page) and a 10,000-row x 8-column
   XLSX (openpyxl), extract_text() on each: median of 3 runs, wall clock and CPU time.
2. In the sandbox (lib/extract_sandbox.py, its default limits): legitimate files up to the
   10 MB upload limit (a 300-page PDF, a 10 MB XLSX, 8 MB DOCX files) and the bombs of
   tests/files.py, each once: outcome, wall time and the child's peak resident memory (as the
   child reports it; none when it was ended).
3. The sandbox's fixed cost: a small file in this process and in a child, median of 5.

No database and no server are needed; building the big files takes about 20 s.
"""

import io
import logging
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))
import files  # noqa: E402
from stack import ADDONS  # noqa: E402

RUNS = 3


def import_extract():
    """lib/extract/ as odoo.addons.ai_stream_chat.lib.extract, through the symlink that
    `make test` creates (created here when missing)."""
    link = ADDONS / "ai_stream_chat"
    if not link.exists():
        ADDONS.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO)
    import odoo.addons

    odoo.addons.__path__.append(str(ADDONS))
    from odoo.addons.ai_stream_chat.lib import extract, extract_sandbox

    return extract, extract_sandbox


def made_up_words(count, seed=5):
    rnd = random.Random(seed)
    words = [
        "".join(rnd.choices("abcdefghijklmnopqrstuvwxyz", k=rnd.randint(2, 10)))
        for _ in range(count)
    ]
    return lambda k: " ".join(rnd.choices(words, k=k))


def make_docx(paragraphs, vocabulary):
    """Paragraphs of 40 words drawn from `vocabulary` made-up ones: the fewer, the better the
    document part compresses (50 made-up words fill the 50 MB unzipped limit in 8 MB)."""
    sentence = made_up_words(vocabulary)
    return files.make_docx(
        "".join(f"<w:p><w:r><w:t>{sentence(40)}</w:t></w:r></w:p>" for _ in range(paragraphs))
    )


def make_wordy_xlsx(rows):
    """8 columns, 4 of them made-up words: 100,000 rows are 10 MB, 45 MB unzipped."""
    sentence, rnd = made_up_words(5000), random.Random(6)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for i in range(rows):
        sheet.append(
            [
                i,
                sentence(2),
                sentence(3),
                rnd.random() * 1000,
                rnd.randint(1, 99),
                sentence(1),
                date(2024, 1, i % 28 + 1),
                sentence(4),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_xlsx(rows=10_000):
    workbook = openpyxl.Workbook()  # not write_only: that one omits the sheet dimension
    sheet = workbook.active
    sheet.title = "Orders"
    sheet.append(
        ["Date", "Order", "Customer", "Product", "Quantity", "Unit price", "Total", "Status"]
    )
    start = date(2024, 1, 1)
    for i in range(rows - 1):
        quantity, price = i % 17 + 1, round(3.5 + i % 23 * 1.25, 2)
        sheet.append(
            [
                start + timedelta(days=i % 365),
                f"SO{i:05}",
                f"Customer {i % 311}",
                f"Product {i % 97}",
                quantity,
                price,
                quantity * price,
                ("draft", "sent", "done")[i % 3],
            ]
        )
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


def in_process(extract, pdf, xlsx):
    cases = [
        ("50-page PDF", "report.pdf", pdf, extract.DEFAULT_MAX_CHARS),
        ("50-page PDF, read to the end", "report.pdf", pdf, 10**7),
        ("10,000 x 8 XLSX", "orders.xlsx", xlsx, extract.DEFAULT_MAX_CHARS),
    ]
    print(
        "| file | size | max_chars | kind | pages | chars returned / total | wall (median of 3) "
        "| CPU (median of 3) |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|")
    for label, name, data, max_chars in cases:
        wall, cpu, result = measure(
            lambda data=data, name=name, max_chars=max_chars: extract.extract_text(
                data, name, max_chars=max_chars
            )
        )
        print(
            f"| {label} | {len(data) / 1024:,.0f} KB | {max_chars:,} | {result.kind} "
            f"| {result.pages} | {len(result.text):,} / {result.total_chars:,} "
            f"| {wall * 1000:,.0f} ms | {cpu * 1000:,.0f} ms |"
        )
    print(
        f"\nPython {sys.version.split()[0]}. "
        f"A sheet keeps {extract.sheets.SHEET_MAX_ROWS:,} rows; the "
        "rest are estimated from its declared size. A PDF stops at the first page past "
        "max_chars and estimates the total from the pages read."
    )


class ChildPeaks(logging.Handler):
    """The child's peak memory, from the sandbox's debug line for each extraction."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.last = None

    def emit(self, record):
        self.last = record.args[-1]


def sandbox_cases():
    text_forms = files.make_nested_form_pdf(3, 30, files.pdf_text(b"A" * 10_000), intro=b"Intro")
    return [
        ("300-page PDF (40 lines a page)", "report.pdf", files.make_pdf(300)),
        ("100,000 x 8 XLSX of words", "orders.xlsx", make_wordy_xlsx(100_000)),
        ("DOCX, 60,000 paragraphs (19 MB unzipped)", "notes.docx", make_docx(60_000, 5000)),
        ("DOCX, 150,000 paragraphs (47 MB unzipped)", "notes.docx", make_docx(150_000, 50)),
        ("bomb: 900 nested forms of 10,000 characters", "forms.pdf", text_forms),
        ("bomb: 262,144 nested forms", "forms.pdf", files.make_nested_form_pdf(7, 8)),
        ("bomb: a form drawing itself twice", "loop.pdf", files.make_self_drawing_form_pdf(2)),
        ("bomb: font widths for 30 million codes", "fonts.pdf", files.make_widths_pdf(30_000_000)),
        (
            "bomb: one slide listed 400 times",
            "deck.pptx",
            files.make_repeated_slide_pptx(400, 20_000),
        ),
        (
            "bomb: one 20,000-character shared string in 40,000 cells",
            "shared.xlsx",
            files.make_shared_string_xlsx(2000, 20, 20_000),
        ),
        (
            "bomb: a 20,000-character cell repeated 1000 x 1,000,000",
            "repeated.ods",
            files.make_repeated_ods(20_000, 1000, 1_000_000),
        ),
        (
            "bomb: 100,000 blanks in a paragraph and a cell",
            "blanks.docx",
            files.make_blank_run_docx(100_000),
        ),
        ("bomb: 100,000 blanks in a <pre>", "blanks.html", files.make_blank_run_html(100_000)),
    ]


def in_sandbox(extract, extract_sandbox):
    peaks = ChildPeaks()
    logger = logging.getLogger(extract_sandbox.__name__)
    logger.addHandler(peaks)
    logger.setLevel(logging.DEBUG)
    print(
        f"\n| in the sandbox (max_chars {extract.DEFAULT_MAX_CHARS:,}) | size | result "
        "| wall | child peak memory |"
    )
    print("|---|---:|---|---:|---:|")
    for label, name, data in sandbox_cases():
        peaks.last = None
        start = time.perf_counter()
        try:
            result = extract_sandbox.extract_text(data, name)
            outcome = f"{len(result.text):,} of {result.total_chars:,} chars"
        except extract.ExtractionError as error:
            outcome = f"error: {error.code}"
        wall = time.perf_counter() - start
        peak = f"{peaks.last / 1024:,.0f} MB" if peaks.last else "— (ended)"
        print(
            f"| {label} | {len(data) / 1024:,.0f} KB | {outcome} | {wall * 1000:,.0f} ms "
            f"| {peak} |"
        )
    print(
        f"\nLimits: {extract_sandbox.MEMORY_BYTES / 2 ** 20:,.0f} MB of address space, "
        f"{extract_sandbox.CPU_SECONDS} s of CPU, {extract_sandbox.WALL_SECONDS} s of wall time, "
        f"{extract_sandbox.MAX_RUNNING} at once; the PDF reader stops itself after "
        f"{extract.pdf.PDF_MAX_SECONDS} s."
    )


def fixed_cost(extract, extract_sandbox):
    data = files.make_docx()
    print("\n| small DOCX (1 KB) | wall (median of 5) |\n|---|---:|")
    for label, function in (
        ("in this process", extract.extract_text),
        ("in the sandbox", extract_sandbox.extract_text),
    ):
        walls = []
        for _ in range(5):
            start = time.perf_counter()
            function(data, "contract.docx")
            walls.append(time.perf_counter() - start)
        print(f"| {label} | {statistics.median(walls) * 1000:,.1f} ms |")


def main():
    extract, extract_sandbox = import_extract()
    in_process(extract, files.make_pdf(50), make_xlsx())
    in_sandbox(extract, extract_sandbox)
    fixed_cost(extract, extract_sandbox)


if __name__ == "__main__":
    main()
