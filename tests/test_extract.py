"""Text extraction (lib/extract/) on real files generated here; no database needed."""

import dataclasses
import io
import logging
import random
import time
import tracemalloc
import zipfile
from datetime import date, datetime
from types import SimpleNamespace
from unittest import TestCase
from unittest.mock import patch

import openpyxl
import xlwt
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption

from odoo.addons.ai_stream_chat.lib import extract
from odoo.addons.ai_stream_chat.lib.extract import (
    ExtractionError,
    detect_format,
    extract_text,
    package,
    pdf,
    sheets,
)

from .files import (
    make_blank_run_docx,
    make_blank_run_html,
    make_docx,
    make_font_pdf,
    make_nested_form_pdf,
    make_ods,
    make_odt,
    make_pdf,
    make_pptx,
    make_raw_pdf,
    make_repeated_ods,
    make_repeated_slide_pptx,
    make_scanned_pdf,
    make_self_drawing_form_pdf,
    make_shared_string_xlsx,
    make_xlsx,
    make_zip_bomb,
    pdf_text,
)

# --- tests ------------------------------------------------------------------------------------


class TestExtract(TestCase):
    def assertRefused(self, code, data, filename, mimetype=None):
        with self.assertRaises(ExtractionError) as caught:
            extract_text(data, filename, mimetype)
        self.assertEqual(caught.exception.code, code, caught.exception.message)
        self.assertTrue(caught.exception.message)
        return caught.exception

    # PDF

    def test_pdf_text_by_page(self):
        result = extract_text(make_pdf(3), "report.pdf", "application/pdf")
        self.assertEqual((result.kind, result.pages, result.truncated), ("pdf", 3, False))
        self.assertIn("## Page 2\nPage 2 line 1: café, Zürich", result.text)
        self.assertIn("Page 3 line 40:", result.text)
        self.assertEqual(result.total_chars, len(result.text))

    def test_pdf_stops_reading_at_the_budget(self):
        result = extract_text(make_pdf(20), "long.pdf", max_chars=3000)
        self.assertEqual(result.pages, 20)
        self.assertTrue(result.truncated)
        self.assertLessEqual(len(result.text), 3000)
        self.assertNotIn("Page 20 line", result.text)
        full = extract_text(make_pdf(20), "long.pdf", max_chars=10**6)
        # Estimated from the pages read; the pages are alike here, so it is close.
        self.assertAlmostEqual(result.total_chars, full.total_chars, delta=full.total_chars / 10)

    def test_pdf_stops_reading_when_out_of_time_or_content_budget(self):
        document = make_pdf(20)
        clock = SimpleNamespace(monotonic=lambda: 0)

        def slow_page(page, deadline, read=pdf._page_text):
            text = read(page, deadline)
            clock.monotonic = lambda: pdf.PDF_MAX_SECONDS + 1  # the first page used it all
            return text

        with patch.object(pdf, "time", clock), patch.object(pdf, "_page_text", slow_page):
            result = extract_text(document, "slow.pdf")
        self.assertEqual((result.pages, result.truncated), (20, True))
        self.assertIn("## Page 1\n", result.text)
        self.assertNotIn("## Page 2\n", result.text)
        self.assertGreater(result.total_chars, 15 * len(result.text))
        with patch.object(pdf, "PDF_MAX_SECONDS", 0):  # not even the first page
            self.assertRefused("timeout", document, "slow.pdf")
        # reportlab encodes content as ASCII85 then Flate: both are decoded to measure it.
        with patch.object(pdf, "PDF_MAX_DECODED", 10_000):  # about two pages of content
            result = extract_text(document, "big.pdf")
        self.assertTrue(result.truncated)
        self.assertEqual(result.text.count("## Page "), 2)

    def test_scanned_pdf_has_no_text(self):
        error = self.assertRefused("no_text", make_scanned_pdf(), "scan.pdf")
        self.assertIn("OCR", error.message)

    def test_broken_pdfs_are_corrupt(self):
        noise = random.Random(4).randbytes(20_000)
        self.assertRefused("corrupt", b"%PDF-1.4\n" + noise, "broken.pdf")
        self.assertRefused("corrupt", make_pdf(2)[:1500], "cut.pdf")

    def test_file_names_stay_out_of_the_log_above_debug(self):
        with self.assertLogs("odoo.addons.ai_stream_chat.lib", "DEBUG") as logs:
            self.assertRefused("corrupt", b"%PDF-1.4\n1 0 obj <<>> garbage", "salaries-2026.pdf")
        self.assertTrue(any("salaries-2026" in record.getMessage() for record in logs.records))
        self.assertFalse(
            [
                r.getMessage()
                for r in logs.records
                if r.levelno > logging.DEBUG and "salaries-2026" in r.getMessage()
            ]
        )

    def test_encrypted_pdf(self):
        error = self.assertRefused("password", make_pdf(1, encrypt="secret"), "locked.pdf")
        self.assertIn("password", error.message)
        # Only an owner password (printing/copying rights): readable with the empty password.
        owner_only = StandardEncryption("", ownerPassword="owner")
        self.assertIn("Page 1 line 1", extract_text(make_pdf(1, encrypt=owner_only), "a.pdf").text)

    def test_pdf_bomb_is_refused_without_inflating_it(self):
        same_pdf_small = make_raw_pdf(b"BT /F1 12 Tf 72 700 Td (Hello) Tj ET")
        self.assertEqual(extract_text(same_pdf_small, "hello.pdf").text, "## Page 1\nHello")
        content = b" " * (64 * 1024 * 1024)
        bomb, nested_bomb = make_raw_pdf(content), make_raw_pdf(content, layers=2)
        self.assertLess(len(bomb), 100_000)  # 64 MB of content in 64 KB
        self.assertLess(len(nested_bomb), 2_000)
        for data in (bomb, nested_bomb):
            # Measured with an inflate bounded by PDF_MAX_DECODED: never the 64 MB it holds.
            peak = peak_bytes(lambda data=data: self.assertRefused("too_large", data, "bomb.pdf"))
            self.assertLess(peak, 2.5 * pdf.PDF_MAX_DECODED)

    # Office packages

    def test_docx_paragraphs_and_tables(self):
        result = extract_text(make_docx(), "contract.docx")
        self.assertEqual(result.kind, "docx")
        self.assertEqual(
            result.text,
            (
                "# Service contract\nThe supplier delivers 12 units\tper month.\n\n"
                "| Item | Price |\n| --- | --- |\n| Widget | a\\|b |\n\nSigned in Zürich."
            ),
        )

    def test_docx_keeps_what_the_budget_allows_and_counts_the_rest(self):
        docx = make_docx(
            "".join(
                f"<w:p><w:r><w:t>Paragraph {i} of the report.</w:t></w:r></w:p>"
                for i in range(1000)
            )
        )
        full, cut = (extract_text(docx, "r.docx", max_chars=budget) for budget in (10**6, 1000))
        self.assertTrue(cut.truncated)
        self.assertEqual(cut.text, full.text[: len(cut.text)])
        self.assertAlmostEqual(cut.total_chars, full.total_chars, delta=1)

    def test_docx_without_text_is_empty(self):
        self.assertRefused("empty", make_docx(body_xml="<w:p/>"), "blank.docx")

    def test_pptx_slides_in_presentation_order(self):
        result = extract_text(make_pptx(), "deck.pptx")
        self.assertEqual((result.kind, result.pages), ("pptx", 2))
        self.assertEqual(
            result.text,
            "## Slide 1\nQuarterly results\nRevenue up 12 %\n\n"
            "## Slide 2\nNext steps\nHire two engineers",
        )

    def test_odt(self):
        result = extract_text(make_odt(), "notes.odt")
        self.assertEqual(result.kind, "odt")
        self.assertEqual(
            result.text,
            (
                "## Meeting notes\nBudget  approved\tby all.\n- First point\n  - Nested point\n\n"
                "| Item | Price |\n| --- | --- |\n| Chair | 40 |"
            ),
        )

    def test_broken_package_is_corrupt(self):
        self.assertRefused("corrupt", make_docx()[:300], "cut.docx")
        self.assertRefused("corrupt", make_docx(body_xml="<w:p><w:r>"), "bad.docx")

    def test_zip_bomb_is_refused_without_inflating_it(self):
        bomb = make_zip_bomb(200 * 1024 * 1024)
        self.assertLess(len(bomb), 1024 * 1024)
        peak = peak_bytes(lambda: self.assertRefused("bomb", bomb, "bomb.docx"))
        self.assertLess(peak, 4 * len(bomb))

    def test_package_over_the_size_limit_is_refused(self):
        with patch.object(package, "ZIP_MAX_UNCOMPRESSED", 500):
            self.assertRefused("too_large", make_docx(), "contract.docx")
            self.assertRefused("too_large", make_xlsx([["a"]]), "book.xlsx")

    def test_xml_entities_are_not_expanded(self):
        document = (
            make_docx()
            .replace(
                b"<w:document", b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document'
            )
            .replace(b"Signed in", b"&e;Signed in")
        )
        self.assertNotIn("root:", extract_text(document, "x.docx").text)

    # Spreadsheets

    def test_xlsx_sheets_as_markdown_tables(self):
        rows = [
            ["Date", "Item", "Amount", "Note"],
            [date(2024, 1, 15), "Pens", 3.0, "a|b"],
            [datetime(2024, 1, 16, 10, 30), "Paper", 2.5, None],
            [None, None, None, None],
        ]  # an empty row: skipped
        rows += [[None, f"Item {i}", i, None] for i in range(sheets.SHEET_MAX_ROWS + 22)]
        result = extract_text(make_xlsx(rows), "sales.xlsx")
        self.assertEqual((result.kind, result.pages), ("xlsx", 2))
        self.assertTrue(
            result.text.startswith(
                "## Sheet: Sales\n| Date | Item | Amount | Note |\n| --- | --- | --- | --- |\n"
                "| 2024-01-15 | Pens | 3 | a\\|b |\n| 2024-01-16 10:30:00 | Paper | 2.5 |  |\n"
                "|  | Item 0 | 0 |  |\n"
            )
        )
        # Header + 2 + (limit + 22) non-empty rows, the limit shown: 25 left out.
        self.assertIn(f"| Item {sheets.SHEET_MAX_ROWS - 4} |", result.text)
        self.assertNotIn(f"| Item {sheets.SHEET_MAX_ROWS - 3} |", result.text)
        # Estimated from the sheet's declared size, without reading the rest.
        self.assertIn(
            "… about 25 more rows not shown\n\n## Sheet: Notes\n| Checked by Zoë |", result.text
        )

    def test_sheets_keep_the_rows_the_budget_allows(self):
        rows = [["Item", "Amount"]] + [[f"Item {i}", i] for i in range(500)]
        result = extract_text(make_xlsx(rows), "sales.xlsx", max_chars=1000)
        self.assertEqual((result.pages, result.truncated), (2, True))
        self.assertIn("| Item 40 | 40 |\n", result.text)
        self.assertNotIn("| Item 80 |", result.text)  # about 60 rows of 16 characters fit
        self.assertNotIn("## Sheet: Notes", result.text)  # the budget is spent: not read

    def test_rows_past_the_limit_are_counted_without_a_declared_size(self):
        workbook = openpyxl.Workbook(write_only=True)  # writes no <dimension>
        sheet = workbook.create_sheet("Log")
        for i in range(sheets.SHEET_MAX_ROWS + 5):
            sheet.append([i])
            sheet.append([])
        buffer = io.BytesIO()
        workbook.save(buffer)
        result = extract_text(buffer.getvalue(), "log.xlsx", max_chars=10**6)
        self.assertTrue(
            result.text.endswith(f"| {sheets.SHEET_MAX_ROWS - 1} |\n… 5 more rows not shown")
        )

    def test_xlsx_wide_sheet_notes_the_cut_columns(self):
        result = extract_text(make_xlsx([list(range(60))]), "wide.xlsx")
        self.assertIn("| 49 |\n", result.text)
        self.assertNotIn("| 50 |", result.text)
        self.assertIn(f"columns after the first {sheets.SHEET_MAX_COLS} not shown", result.text)

    def test_xls(self):
        book = xlwt.Workbook()
        sheet = book.add_sheet("Stock")
        for col, title in enumerate(["Item", "Count", "Since"]):
            sheet.write(0, col, title)
        sheet.write(1, 0, "Bolts | nuts")
        sheet.write(1, 1, 250.0)
        sheet.write(1, 2, datetime(2023, 5, 4), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
        buffer = io.BytesIO()
        book.save(buffer)
        result = extract_text(buffer.getvalue(), "stock.xls")
        self.assertEqual((result.kind, result.pages), ("xls", 1))
        self.assertEqual(
            result.text,
            "## Sheet: Stock\n| Item | Count | Since |\n"
            "| --- | --- | --- |\n| Bolts \\| nuts | 250 | 2023-05-04 |",
        )

    def test_ods_with_repeated_rows_and_cells(self):
        data = make_ods()
        # A million repeated empty cells are counted, not made.
        peak = peak_bytes(lambda: extract_text(data, "budget.ods"))
        self.assertLess(peak, 2 * 1024 * 1024)
        result = extract_text(data, "budget.ods")
        self.assertEqual((result.kind, result.pages), ("ods", 2))
        self.assertEqual(
            result.text,
            (
                "## Sheet: Budget\n| Item | Amount | Due |\n| --- | --- | --- |\n"
                "| Paper | 12.5 | 2024-03-01 |\n"
                + "| Ink | 3 |  |\n" * 3
                + "\n## Sheet: Empty\n(empty sheet)"
            ),
        )

    def test_cell_formatting(self):
        cases = [
            (None, ""),
            (True, "TRUE"),
            (3.0, "3"),
            (0.1 + 0.2, "0.3"),
            (1e20, "1e+20"),
            (datetime(2024, 2, 29, 0, 0), "2024-02-29"),
            (7, "7"),
            (" x ", "x"),
        ]
        for value, expected in cases:
            self.assertEqual(sheets._format_cell(value), expected)

    # Text files

    def test_latin1_csv_is_decoded_as_is(self):
        source = "nom;ville;remarque\nJosé;Zürich;très bien\nFrançoise;Genève;ça va\n"
        result = extract_text(source.encode("latin-1"), "clients.csv", "text/csv")
        self.assertEqual((result.kind, result.text), ("csv", source.strip()))

    def test_cp1252_and_confident_guesses(self):
        text = "Prix : 12 € – Straße"
        self.assertEqual(extract_text(text.encode("cp1252"), "a.txt").text, text)
        russian = "Привет! Это проверка кодировки текста, написанного по-русски. " * 3
        self.assertEqual(extract_text(russian.encode("cp1251"), "r.txt").text, russian.strip())

    def test_boms(self):
        result = extract_text("\ufeffname;city\nZoë;Brno".encode(), "b.csv")
        self.assertEqual(result.text, "name;city\nZoë;Brno")
        self.assertEqual(extract_text("Zoë\r\nok".encode("utf-16"), "u.txt").text, "Zoë\nok")

    def test_html_is_stripped_to_text(self):
        page = (
            b"<!DOCTYPE html><html><head><title>Offer</title><style>p{color:red}</style>"
            b"<script>var secret = 'do not show';</script></head><body>"
            b"<h1>Price &amp; terms</h1><p>Caf&eacute;   and\n tea.</p><ul><li>One</li>"
            b"<li>Two</li></ul><table><tr><th>A</th><th>B</th></tr></table>"
            b"<pre>  keep\n    indent</pre><script>alert(1)</script>tail</body></html>"
        )
        result = extract_text(page, "offer.html")
        self.assertEqual(result.kind, "html")
        self.assertNotIn("secret", result.text)
        self.assertNotIn("alert", result.text)
        self.assertNotIn("color", result.text)
        self.assertEqual(
            result.text,
            "Offer\n\n# Price & terms\n\nCafé and tea.\n\n- One\n\n- Two"
            "\n\nA | B\n\n  keep\n    indent\ntail",
        )

    def test_json_xml_and_code_as_is(self):
        for name, source, kind in [
            ("data.json", '{"a": [1, 2]}', "json"),
            ("feed.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', "xml"),
            ("main.py", "def f():\n    return 1", "code"),
            ("README.md", "# Title\n\n- item", "markdown"),
            ("run", "#!/bin/sh\necho hi", "code"),
            ("notes.txt", "MZ is where the notes start.", "text"),
        ]:
            result = extract_text(source.encode(), name)
            self.assertEqual((result.kind, result.text), (kind, source), name)

    def test_binary_files_are_unsupported(self):
        png = io.BytesIO()
        Image.new("RGB", (8, 8), "red").save(png, "PNG")
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + bytes(50) + b"This program cannot be run"
        gz = io.BytesIO()
        with zipfile.ZipFile(gz, "w") as archive:
            archive.writestr("a.txt", "hello")
        for data, name, code, word in [
            (exe, "setup.exe", "executable", "Executable"),
            (b"\x7fELF\x02\x01\x01" + bytes(64), "tool", "executable", "Executable"),
            (png.getvalue(), "photo.png", "image", "Images"),
            (gz.getvalue(), "files.zip", "archive", "Archives"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.doc", "old_office", ".docx"),
            (bytes(range(256)) * 4, "data.txt", "unsupported", "not supported"),
        ]:
            error = self.assertRefused(code, data, name)
            self.assertIn(word, error.message, name)

    def test_empty_files(self):
        self.assertRefused("empty", b"", "empty.txt")
        self.assertRefused("empty", b" \n\t \r\n", "blank.csv")
        self.assertRefused("empty", b"\xef\xbb\xbf  ", "bom.txt")
        self.assertRefused("empty", b"<html><body> </body></html>", "blank.html")

    # Detection and truncation

    def test_detection_order(self):
        self.assertEqual(detect_format(make_pdf(1), "report.txt", "text/plain").kind, "pdf")
        self.assertEqual(detect_format(make_xlsx([["a"]]), "data.bin", None).kind, "xlsx")
        self.assertEqual(detect_format(make_odt(), "x", "application/octet-stream").kind, "odt")
        self.assertEqual(
            detect_format(b"a,b\n1,2", "export", "text/csv; charset=utf-8").kind, "csv"
        )
        self.assertEqual(detect_format(b"<!DOCTYPE html><p>x", "page", None).kind, "html")
        self.assertEqual(detect_format(b"plain", "C:\\Users\\me\\Makefile", None).kind, "code")

    def test_truncation_prefers_a_line_break(self):
        source = "".join(f"line {i:04}\n" for i in range(1000))
        result = extract_text(source.encode(), "log.txt", max_chars=100)
        self.assertTrue(result.truncated)
        self.assertEqual(result.total_chars, len(source.strip()))
        self.assertEqual(result.text, source[:99])  # 10 whole lines of 10 characters
        one_line = extract_text(b"x" * 500, "x.txt", max_chars=120)
        self.assertEqual((len(one_line.text), one_line.total_chars), (120, 500))
        whole = extract_text(source.encode(), "log.txt", max_chars=len(source))
        self.assertFalse(whole.truncated)


def peak_bytes(function):
    """The most memory Python allocated while function ran."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def timed(function):
    """(CPU seconds of this thread, result or the ExtractionError raised): other processes and
    threads taking the cores do not count."""
    start = time.thread_time()
    try:
        result = function()
    except ExtractionError as error:
        result = error
    return time.thread_time() - start, result


def fastest(function, runs=3):
    return min(timed(function)[0] for _ in range(runs))


class TestExtractBombs(TestCase):
    """Small files that ask for much work: the readers stop at what they may keep, so each costs
    about what an honest file that fills the budget costs (timed in the same run)."""

    def assertLinear(self, make, filename, size=100_000):
        """Ten times the input costs about ten times the time (a hundred if quadratic)."""
        small, big = make(size // 10), make(size)
        ratio = timed(lambda: extract_text(big, filename))[0] / fastest(
            lambda: extract_text(small, filename)
        )
        self.assertLess(ratio, 30)

    def test_runs_of_blanks_cost_linear_time(self):
        self.assertLinear(make_blank_run_docx, "blanks.docx")
        self.assertLinear(make_blank_run_html, "blanks.html")
        self.assertEqual(
            extract_text(make_blank_run_docx(10), "b.docx").text, "x\n\n| Head |\n| --- |\n| x |"
        )

    def assertCostsLike(self, honest, bomb, filename, ratio=10):
        """The bomb costs at most `ratio` times the honest file; returns the bomb's result."""
        baseline = fastest(lambda: extract_text(honest, filename))
        elapsed, result = timed(lambda: extract_text(bomb, filename))
        self.assertLess(elapsed, ratio * baseline)
        return result

    def test_pdf_forms_showing_much_text_are_cut(self):
        # Each of 900 forms shows 10,000 characters: 9 MB of text from a 2 KB file.
        bomb = make_nested_form_pdf(3, 30, pdf_text(b"A" * 10_000), intro=b"Intro")
        result = self.assertCostsLike(make_pdf(40), bomb, "forms.pdf")
        self.assertEqual(
            (result.text, result.pages, result.truncated), ("## Page 1\nIntro", 2, True)
        )
        error = self.assertCostsLike(
            make_pdf(40), make_nested_form_pdf(3, 30, pdf_text(b"A" * 10_000)), "forms.pdf"
        )
        self.assertEqual(error.code, "memory")

    def test_pdf_deadline_holds_inside_a_page(self):
        baseline = fastest(lambda: extract_text(make_pdf(40), "forms.pdf"))
        bomb = make_nested_form_pdf(7, 8)  # 262,144 forms drawn on one page
        with patch.object(pdf, "PDF_MAX_SECONDS", 2 * baseline):
            elapsed, error = timed(lambda: extract_text(bomb, "forms.pdf"))
        self.assertEqual(error.code, "timeout")
        self.assertLess(elapsed, 6 * baseline)

    def test_pdf_form_drawing_itself_stops_at_the_nesting_limit(self):
        result = self.assertCostsLike(make_pdf(40), make_self_drawing_form_pdf(2), "loop.pdf")
        self.assertEqual(result.text, "## Page 1\nBefore\nAfter")

    def test_pdf_nested_and_font_streams_are_measured(self):
        spaces = b" " * (64 * 1024 * 1024)
        font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /ToUnicode 5 0 R >>"
        for bomb in (make_nested_form_pdf(3, 1, spaces), make_font_pdf(font, spaces)):
            error = self.assertCostsLike(make_pdf(40), bomb, "bomb.pdf", ratio=2)
            self.assertEqual(error.code, "too_large")

    def test_pptx_slide_listed_many_times(self):
        honest = make_repeated_slide_pptx(1, 20_000)  # 100,000 characters
        result = self.assertCostsLike(honest, make_repeated_slide_pptx(400, 20_000), "deck.pptx")
        self.assertEqual((len(result.text), result.pages, result.truncated), (100_000, 400, True))
        self.assertGreater(result.total_chars, 390 * 100_000)  # estimated from the slides read
        with patch.object(package, "ZIP_MAX_UNCOMPRESSED", 20 * 1024 * 1024):  # 40 MB listed
            with self.assertRaises(ExtractionError) as caught:
                extract_text(make_repeated_slide_pptx(400, 20_000), "deck.pptx")
        self.assertEqual(caught.exception.code, "too_large")

    def test_xlsx_shared_string_used_everywhere(self):
        honest = make_shared_string_xlsx(2000, 20, 5)  # the same sheet of short strings
        result = self.assertCostsLike(honest, make_shared_string_xlsx(2000, 20, 20_000), "s.xlsx")
        self.assertLessEqual(len(result.text), extract.DEFAULT_MAX_CHARS)
        self.assertTrue(result.text.startswith("## Sheet: Data\n| " + "x" * 20_000 + " | x"))

    def test_ods_cell_repeated_across_and_down(self):
        honest = make_repeated_ods(5, 1000, 1_000_000)
        result = self.assertCostsLike(honest, make_repeated_ods(20_000, 1000, 1_000_000), "r.ods")
        self.assertLessEqual(len(result.text), extract.DEFAULT_MAX_CHARS)
        self.assertTrue(result.text.startswith("## Sheet: Big\n| " + "x" * 20_000 + " | x"))

    def test_running_out_of_memory_is_its_own_error(self):
        def hungry(data, max_chars):
            raise MemoryError

        row = dataclasses.replace(detect_format(b"text", "a.txt", None), read=hungry)
        with patch.object(extract, "detect_format", lambda *_args: row):
            with self.assertRaises(ExtractionError) as caught:
                extract_text(b"text", "a.txt")
        self.assertEqual(caught.exception.code, "memory")
