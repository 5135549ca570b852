"""Text extraction (lib/extract.py) on real files generated here; no database needed."""
import io
import random
import time
import zipfile
import zlib
from datetime import date, datetime
from unittest import TestCase
from unittest.mock import patch

import openpyxl
import xlwt
from PIL import Image
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.pdfgen import canvas

from odoo.addons.ai_stream_chat.lib import extract
from odoo.addons.ai_stream_chat.lib.extract import ExtractionError, detect_kind, extract_text

# --- file builders ---------------------------------------------------------------------------


def make_pdf(pages, lines_per_page=40, encrypt=None):
    """A text PDF: line i of page p reads 'Page p line i: ...'."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for page in range(1, pages + 1):
        for line in range(1, lines_per_page + 1):
            pdf.drawString(50, 800 - 19 * line, f"Page {page} line {line}: café, Zürich and "
                                                 f"the quick brown fox.")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scanned_pdf(pages=2):
    """Only drawn shapes, as a scan without OCR has no text either."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for _page in range(pages):
        pdf.rect(50, 50, 400, 600, fill=1)
        pdf.circle(300, 400, 80)
        pdf.line(0, 0, 500, 700)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_raw_pdf(content_stream, layers=1):
    """A one-page PDF written by hand around a content stream Flate-compressed `layers` times."""
    compressed = content_stream
    for _ in range(layers):
        compressed = zlib.compress(compressed, 9)
    filters = b" ".join([b"/FlateDecode"] * layers)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources "
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(compressed), filters)
        + compressed + b"\nendstream",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def _package(parts):
    """A zip package; an ODF `mimetype` entry is stored first and uncompressed, as ODF says."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in parts.items():
            package.writestr(name, content, zipfile.ZIP_STORED if name == "mimetype" else None)
    return buffer.getvalue()


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_PML = "http://schemas.openxmlformats.org/presentationml/2006/main"
_DML = "http://schemas.openxmlformats.org/drawingml/2006/main"
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(overrides):
    items = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>'
                    for name, kind in overrides.items())
    return (f'{_XML}<Types xmlns="{_CT}">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>')


def _relationships(targets):
    items = "".join(f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
                    for rid, (kind, target) in targets.items())
    return f'{_XML}<Relationships xmlns="{_RELS}">{items}</Relationships>'


def _w_paragraph(text, style=None):
    props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    return f'<w:p>{props}<w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>'


def _w_row(*texts):
    return "<w:tr>" + "".join(f"<w:tc>{_w_paragraph(text)}</w:tc>" for text in texts) + "</w:tr>"


def make_docx(body_xml=None):
    if body_xml is None:
        body_xml = (
            _w_paragraph("Service contract", "Heading1")
            + '<w:p><w:r><w:t xml:space="preserve">The supplier delivers </w:t></w:r>'
              '<w:r><w:rPr><w:b/></w:rPr><w:t>12 units</w:t></w:r>'
              '<w:r><w:tab/><w:t>per month.</w:t></w:r></w:p>'
            + '<w:p><w:del w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
              '<w:delText>Removed clause.</w:delText></w:r></w:del></w:p>'
            + f"<w:tbl>{_w_row('Item', 'Price')}{_w_row('Widget', 'a|b')}</w:tbl>"
            + _w_paragraph("Signed in Zürich.")
        )
    document = (f'{_XML}<w:document xmlns:w="{_W}">'
                f'<w:body>{body_xml}<w:sectPr/></w:body></w:document>')
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _package({
        "[Content_Types].xml": _content_types({"word/document.xml": main}),
        "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "word/document.xml")}),
        "word/document.xml": document,
    })


def _pptx_slide(*paragraphs):
    shapes = "".join(
        f'<p:sp><p:nvSpPr><p:cNvPr id="{i}" name="Text {i}"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
        f'<p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>'
        for i, text in enumerate(paragraphs, 2))
    return (f'{_XML}<p:sld xmlns:a="{_DML}" xmlns:r="{_R}" xmlns:p="{_PML}"><p:cSld><p:spTree>'
            '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
            f'<p:grpSpPr/>{shapes}</p:spTree></p:cSld></p:sld>')


def make_pptx():
    """Two slides whose file names are in the reverse of the presentation order."""
    slide_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
    presentation = (
        f'{_XML}<p:presentation xmlns:a="{_DML}" xmlns:r="{_R}" xmlns:p="{_PML}">'
        '<p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst>'
        '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
        '</p:presentation>')
    pml = "application/vnd.openxmlformats-officedocument.presentationml"
    return _package({
        "[Content_Types].xml": _content_types({
            "ppt/presentation.xml": f"{pml}.presentation.main+xml",
            "ppt/slides/slide1.xml": f"{pml}.slide+xml",
            "ppt/slides/slide2.xml": f"{pml}.slide+xml",
        }),
        "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "ppt/presentation.xml")}),
        "ppt/presentation.xml": presentation,
        "ppt/_rels/presentation.xml.rels": _relationships({
            "rId2": (slide_type, "slides/slide1.xml"), "rId3": (slide_type, "slides/slide2.xml"),
        }),
        "ppt/slides/slide1.xml": _pptx_slide("Next steps", "Hire two engineers"),
        "ppt/slides/slide2.xml": _pptx_slide("Quarterly results", "Revenue up 12 %"),
    })


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)


def _odf(mimetype, body):
    manifest = (f'{_XML}<manifest:manifest {_ODF_NS} manifest:version="1.2">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" '
                'manifest:media-type="text/xml"/></manifest:manifest>')
    content = (f'{_XML}<office:document-content {_ODF_NS} office:version="1.2">'
               f'<office:body>{body}</office:body></office:document-content>')
    return _package({"mimetype": mimetype, "META-INF/manifest.xml": manifest,
                     "content.xml": content})


def make_odt():
    return _odf("application/vnd.oasis.opendocument.text", (
        '<office:text>'
        '<text:h text:outline-level="2">Meeting notes</text:h>'
        '<text:p>Budget<text:s text:c="2"/>approved<text:tab/>by <text:span>all</text:span>'
        '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
        '<text:note-body><text:p>A footnote.</text:p></text:note-body></text:note>.</text:p>'
        '<text:list><text:list-item><text:p>First point</text:p><text:list><text:list-item>'
        '<text:p>Nested point</text:p></text:list-item></text:list></text:list-item></text:list>'
        '<table:table table:name="Prices"><table:table-column table:number-columns-repeated="2"/>'
        '<table:table-row><table:table-cell><text:p>Item</text:p></table:table-cell>'
        '<table:table-cell><text:p>Price</text:p></table:table-cell></table:table-row>'
        '<table:table-row><table:table-cell><text:p>Chair</text:p></table:table-cell>'
        '<table:table-cell><text:p>40</text:p></table:table-cell></table:table-row></table:table>'
        '</office:text>'))


def _ods_cell(value=None, kind="string", shown=None, repeat=1):
    attributes = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{attributes}/>"
    typed = ""
    if kind != "string":
        typed = f' {"office:date-value" if kind == "date" else "office:value"}="{value}"'
    return (f'<table:table-cell office:value-type="{kind}"{typed}{attributes}>'
            f'<text:p>{value if shown is None else shown}</text:p></table:table-cell>')


def _ods_row(*cells, repeat=1):
    return (f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}'
            '</table:table-row>')


def make_ods():
    return _odf("application/vnd.oasis.opendocument.spreadsheet", (
        '<office:spreadsheet><table:table table:name="Budget">'
        + _ods_row(_ods_cell("Item"), _ods_cell("Amount"), _ods_cell("Due"))
        + _ods_row(_ods_cell("Paper"), _ods_cell("12.5", "float", "12.50"),
                   _ods_cell("2024-03-01", "date", "01/03/24"))
        + _ods_row(_ods_cell("Ink"), _ods_cell("3", "float", "3.00"), repeat=3)
        # What a saved sheet ends with: a huge run of empty rows and cells.
        + _ods_row(_ods_cell(repeat=16384), repeat=1048000)
        + '</table:table><table:table table:name="Empty"/></office:spreadsheet>'))


def make_xlsx(rows, sheet="Sales"):
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.create_sheet("Notes").append(["Checked by Zoë"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def make_zip_bomb(size):
    """A .docx whose document part is `size` bytes of zeros (compressed about 1000:1)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _content_types({}))
        with package.open("word/document.xml", "w", force_zip64=True) as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(size // len(chunk)):
                entry.write(chunk)
    return buffer.getvalue()


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
        full = extract_text(make_pdf(20), "long.pdf", max_chars=10 ** 6)
        # Estimated from the pages read; the pages are alike here, so it is close.
        self.assertAlmostEqual(result.total_chars, full.total_chars, delta=full.total_chars / 10)

    def test_pdf_stops_reading_when_out_of_time_or_content_budget(self):
        pdf = make_pdf(20)
        with patch.object(extract, "PDF_MAX_SECONDS", 0):
            result = extract_text(pdf, "slow.pdf")
        self.assertEqual((result.pages, result.truncated), (20, True))
        self.assertIn("## Page 1\n", result.text)
        self.assertNotIn("## Page 2\n", result.text)  # at least one page, then time is up
        self.assertGreater(result.total_chars, 15 * len(result.text))
        # reportlab encodes content as ASCII85 then Flate: both are decoded to measure it.
        with patch.object(extract, "PDF_MAX_DECODED", 10_000):  # about two pages of content
            result = extract_text(pdf, "big.pdf")
        self.assertTrue(result.truncated)
        self.assertEqual(result.text.count("## Page "), 2)

    def test_scanned_pdf_has_no_text(self):
        error = self.assertRefused("no_text", make_scanned_pdf(), "scan.pdf")
        self.assertIn("OCR", error.message)

    def test_broken_pdfs_are_corrupt(self):
        noise = random.Random(4).randbytes(20_000)
        self.assertRefused("corrupt", b"%PDF-1.4\n" + noise, "broken.pdf")
        self.assertRefused("corrupt", make_pdf(2)[:1500], "cut.pdf")

    def test_encrypted_pdf(self):
        error = self.assertRefused("corrupt", make_pdf(1, encrypt="secret"), "locked.pdf")
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
            start = time.perf_counter()
            self.assertRefused("too_large", data, "bomb.pdf")
            self.assertLess(time.perf_counter() - start, 1)

    # Office packages

    def test_docx_paragraphs_and_tables(self):
        result = extract_text(make_docx(), "contract.docx")
        self.assertEqual(result.kind, "docx")
        self.assertEqual(result.text, (
            "# Service contract\nThe supplier delivers 12 units\tper month.\n\n"
            "| Item | Price |\n| --- | --- |\n| Widget | a\\|b |\n\nSigned in Zürich."))

    def test_docx_without_text_is_empty(self):
        self.assertRefused("empty", make_docx(body_xml="<w:p/>"), "blank.docx")

    def test_pptx_slides_in_presentation_order(self):
        result = extract_text(make_pptx(), "deck.pptx")
        self.assertEqual((result.kind, result.pages), ("pptx", 2))
        self.assertEqual(result.text, "## Slide 1\nQuarterly results\nRevenue up 12 %\n\n"
                                      "## Slide 2\nNext steps\nHire two engineers")

    def test_odt(self):
        result = extract_text(make_odt(), "notes.odt")
        self.assertEqual(result.kind, "odt")
        self.assertEqual(result.text, (
            "## Meeting notes\nBudget  approved\tby all.\n- First point\n  - Nested point\n\n"
            "| Item | Price |\n| --- | --- |\n| Chair | 40 |"))

    def test_broken_package_is_corrupt(self):
        self.assertRefused("corrupt", make_docx()[:300], "cut.docx")
        self.assertRefused("corrupt", make_docx(body_xml="<w:p><w:r>"), "bad.docx")

    def test_zip_bomb_is_refused_quickly(self):
        bomb = make_zip_bomb(200 * 1024 * 1024)
        self.assertLess(len(bomb), 1024 * 1024)
        start = time.perf_counter()
        self.assertRefused("too_large", bomb, "bomb.docx")
        self.assertLess(time.perf_counter() - start, 1)

    def test_package_over_the_size_limit_is_refused(self):
        with patch.object(extract, "ZIP_MAX_UNCOMPRESSED", 500):
            self.assertRefused("too_large", make_docx(), "contract.docx")
            self.assertRefused("too_large", make_xlsx([["a"]]), "book.xlsx")

    def test_xml_entities_are_not_expanded(self):
        document = make_docx().replace(
            b'<w:document', b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]><w:document'
        ).replace(b"Signed in", b"&e;Signed in")
        self.assertNotIn("root:", extract_text(document, "x.docx").text)

    # Spreadsheets

    def test_xlsx_sheets_as_markdown_tables(self):
        rows = [["Date", "Item", "Amount", "Note"],
                [date(2024, 1, 15), "Pens", 3.0, "a|b"],
                [datetime(2024, 1, 16, 10, 30), "Paper", 2.5, None],
                [None, None, None, None]]  # an empty row: skipped
        rows += [[None, f"Item {i}", i, None] for i in range(extract.SHEET_MAX_ROWS + 22)]
        result = extract_text(make_xlsx(rows), "sales.xlsx")
        self.assertEqual((result.kind, result.pages), ("xlsx", 2))
        self.assertTrue(result.text.startswith(
            "## Sheet: Sales\n| Date | Item | Amount | Note |\n| --- | --- | --- | --- |\n"
            "| 2024-01-15 | Pens | 3 | a\\|b |\n| 2024-01-16 10:30:00 | Paper | 2.5 |  |\n"
            "|  | Item 0 | 0 |  |\n"))
        # Header + 2 + (limit + 22) non-empty rows, the limit shown: 25 left out.
        self.assertIn(f"| Item {extract.SHEET_MAX_ROWS - 4} |", result.text)
        self.assertNotIn(f"| Item {extract.SHEET_MAX_ROWS - 3} |", result.text)
        # Estimated from the sheet's declared size, without reading the rest.
        self.assertIn("… about 25 more rows not shown\n\n## Sheet: Notes\n| Checked by Zoë |",
                      result.text)

    def test_rows_past_the_limit_are_counted_without_a_declared_size(self):
        workbook = openpyxl.Workbook(write_only=True)  # writes no <dimension>
        sheet = workbook.create_sheet("Log")
        for i in range(extract.SHEET_MAX_ROWS + 5):
            sheet.append([i])
            sheet.append([])
        buffer = io.BytesIO()
        workbook.save(buffer)
        result = extract_text(buffer.getvalue(), "log.xlsx", max_chars=10 ** 6)
        self.assertTrue(result.text.endswith(f"| {extract.SHEET_MAX_ROWS - 1} |\n"
                                             "… 5 more rows not shown"))

    def test_xlsx_wide_sheet_notes_the_cut_columns(self):
        result = extract_text(make_xlsx([list(range(60))]), "wide.xlsx")
        self.assertIn("| 49 |\n", result.text)
        self.assertNotIn("| 50 |", result.text)
        self.assertIn(f"columns after the first {extract.SHEET_MAX_COLS} not shown", result.text)

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
        self.assertEqual(result.text, "## Sheet: Stock\n| Item | Count | Since |\n"
                                      "| --- | --- | --- |\n| Bolts \\| nuts | 250 | 2023-05-04 |")

    def test_ods_with_repeated_rows_and_cells(self):
        start = time.perf_counter()
        result = extract_text(make_ods(), "budget.ods")
        self.assertLess(time.perf_counter() - start, 1)
        self.assertEqual((result.kind, result.pages), ("ods", 2))
        self.assertEqual(result.text, (
            "## Sheet: Budget\n| Item | Amount | Due |\n| --- | --- | --- |\n"
            "| Paper | 12.5 | 2024-03-01 |\n" + "| Ink | 3 |  |\n" * 3
            + "\n## Sheet: Empty\n(empty sheet)"))

    def test_cell_formatting(self):
        cases = [(None, ""), (True, "TRUE"), (3.0, "3"), (0.1 + 0.2, "0.3"), (1e20, "1e+20"),
                 (datetime(2024, 2, 29, 0, 0), "2024-02-29"), (7, "7"), (" x ", "x")]
        for value, expected in cases:
            self.assertEqual(extract._format_cell(value), expected)

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
        result = extract_text("\ufeffname;city\nZoë;Brno".encode("utf-8"), "b.csv")
        self.assertEqual(result.text, "name;city\nZoë;Brno")
        self.assertEqual(extract_text("Zoë\r\nok".encode("utf-16"), "u.txt").text, "Zoë\nok")

    def test_html_is_stripped_to_text(self):
        page = (b"<!DOCTYPE html><html><head><title>Offer</title><style>p{color:red}</style>"
                b"<script>var secret = 'do not show';</script></head><body>"
                b"<h1>Price &amp; terms</h1><p>Caf&eacute;   and\n tea.</p><ul><li>One</li>"
                b"<li>Two</li></ul><table><tr><th>A</th><th>B</th></tr></table>"
                b"<pre>  keep\n    indent</pre><script>alert(1)</script>tail</body></html>")
        result = extract_text(page, "offer.html")
        self.assertEqual(result.kind, "html")
        self.assertNotIn("secret", result.text)
        self.assertNotIn("alert", result.text)
        self.assertNotIn("color", result.text)
        self.assertEqual(result.text, "Offer\n\n# Price & terms\n\nCafé and tea.\n\n- One\n\n- Two"
                                      "\n\nA | B\n\n  keep\n    indent\ntail")

    def test_json_xml_and_code_as_is(self):
        for name, source, kind in [
            ("data.json", '{"a": [1, 2]}', "json"),
            ("feed.xml", '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>',
             "xml"),
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
        for data, name, word in [
            (exe, "setup.exe", "Executable"),
            (b"\x7fELF\x02\x01\x01" + bytes(64), "tool", "Executable"),
            (png.getvalue(), "photo.png", "Images"), (gz.getvalue(), "files.zip", "Archives"),
            (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), "old.doc", ".docx"),
            (bytes(range(256)) * 4, "data.txt", "not supported"),
        ]:
            error = self.assertRefused("unsupported", data, name)
            self.assertIn(word, error.message, name)

    def test_empty_files(self):
        self.assertRefused("empty", b"", "empty.txt")
        self.assertRefused("empty", b" \n\t \r\n", "blank.csv")
        self.assertRefused("empty", b"\xef\xbb\xbf  ", "bom.txt")
        self.assertRefused("empty", b"<html><body> </body></html>", "blank.html")

    # Detection and truncation

    def test_detection_order(self):
        self.assertEqual(detect_kind(make_pdf(1), "report.txt", "text/plain"), "pdf")
        self.assertEqual(detect_kind(make_xlsx([["a"]]), "data.bin", None), "xlsx")
        self.assertEqual(detect_kind(make_odt(), "x", "application/octet-stream"), "odt")
        self.assertEqual(detect_kind(b"a,b\n1,2", "export", "text/csv; charset=utf-8"), "csv")
        self.assertEqual(detect_kind(b"<!DOCTYPE html><p>x", "page", None), "html")
        self.assertEqual(detect_kind(b"plain", "C:\\Users\\me\\Makefile", None), "code")

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
