"""Real files for the extraction tests and benchmarks, generated here: plain Python, no Odoo."""

import io
import zipfile
import zlib

import openpyxl
from reportlab.pdfgen import canvas


def make_pdf(pages, lines_per_page=40, encrypt=None):
    """A text PDF: line i of page p reads 'Page p line i: ...'."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for page in range(1, pages + 1):
        for line in range(1, lines_per_page + 1):
            pdf.drawString(
                50,
                800 - 19 * line,
                f"Page {page} line {line}: café, Zürich and the quick brown fox.",
            )
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
    return write_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources "
            b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
            b"<< /Length %d /Filter [%s] >>\nstream\n" % (len(compressed), filters)
            + compressed
            + b"\nendstream",
        ]
    )


def write_pdf(objects):
    """A PDF of these object bodies, numbered from 1; the first is the catalog."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
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
    items = "".join(
        f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items()
    )
    return (
        f'{_XML}<Types xmlns="{_CT}">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{items}</Types>'
    )


def _relationships(targets):
    items = "".join(
        f'<Relationship Id="{rid}" Type="{kind}" Target="{target}"/>'
        for rid, (kind, target) in targets.items()
    )
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
            "<w:r><w:rPr><w:b/></w:rPr><w:t>12 units</w:t></w:r>"
            "<w:r><w:tab/><w:t>per month.</w:t></w:r></w:p>"
            + '<w:p><w:del w:id="1" w:author="A" w:date="2024-01-01T00:00:00Z"><w:r>'
            "<w:delText>Removed clause.</w:delText></w:r></w:del></w:p>"
            + f"<w:tbl>{_w_row('Item', 'Price')}{_w_row('Widget', 'a|b')}</w:tbl>"
            + _w_paragraph("Signed in Zürich.")
        )
    body = f"<w:body>{body_xml}<w:sectPr/></w:body>"
    document = f'{_XML}<w:document xmlns:w="{_W}">{body}</w:document>'
    main = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _package(
        {
            "[Content_Types].xml": _content_types({"word/document.xml": main}),
            "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "word/document.xml")}),
            "word/document.xml": document,
        }
    )


def _pptx_slide(*paragraphs):
    shapes = "".join(
        f'<p:sp><p:nvSpPr><p:cNvPr id="{i}" name="Text {i}"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
        f"<p:spPr/><p:txBody><a:bodyPr/><a:p><a:r><a:t>{text}</a:t></a:r></a:p></p:txBody></p:sp>"
        for i, text in enumerate(paragraphs, 2)
    )
    return (
        f'{_XML}<p:sld xmlns:a="{_DML}" xmlns:r="{_R}" xmlns:p="{_PML}"><p:cSld><p:spTree>'
        '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
        f"<p:grpSpPr/>{shapes}</p:spTree></p:cSld></p:sld>"
    )


def make_pptx():
    """Two slides whose file names are in the reverse of the presentation order."""
    slide_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
    presentation = (
        f'{_XML}<p:presentation xmlns:a="{_DML}" xmlns:r="{_R}" xmlns:p="{_PML}">'
        '<p:sldIdLst><p:sldId id="256" r:id="rId3"/><p:sldId id="257" r:id="rId2"/></p:sldIdLst>'
        '<p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
        "</p:presentation>"
    )
    pml = "application/vnd.openxmlformats-officedocument.presentationml"
    return _package(
        {
            "[Content_Types].xml": _content_types(
                {
                    "ppt/presentation.xml": f"{pml}.presentation.main+xml",
                    "ppt/slides/slide1.xml": f"{pml}.slide+xml",
                    "ppt/slides/slide2.xml": f"{pml}.slide+xml",
                }
            ),
            "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "ppt/presentation.xml")}),
            "ppt/presentation.xml": presentation,
            "ppt/_rels/presentation.xml.rels": _relationships(
                {
                    "rId2": (slide_type, "slides/slide1.xml"),
                    "rId3": (slide_type, "slides/slide2.xml"),
                }
            ),
            "ppt/slides/slide1.xml": _pptx_slide("Next steps", "Hire two engineers"),
            "ppt/slides/slide2.xml": _pptx_slide("Quarterly results", "Revenue up 12 %"),
        }
    )


_ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
)


def _odf(mimetype, body):
    manifest = (
        f'{_XML}<manifest:manifest {_ODF_NS} manifest:version="1.2">'
        f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>'
    )
    content = (
        f'{_XML}<office:document-content {_ODF_NS} office:version="1.2">'
        f"<office:body>{body}</office:body></office:document-content>"
    )
    return _package(
        {"mimetype": mimetype, "META-INF/manifest.xml": manifest, "content.xml": content}
    )


def make_odt():
    return _odf(
        "application/vnd.oasis.opendocument.text",
        (
            "<office:text>"
            '<text:h text:outline-level="2">Meeting notes</text:h>'
            '<text:p>Budget<text:s text:c="2"/>approved<text:tab/>by <text:span>all</text:span>'
            '<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation>'
            "<text:note-body><text:p>A footnote.</text:p></text:note-body></text:note>.</text:p>"
            "<text:list><text:list-item><text:p>First point</text:p><text:list><text:list-item>"
            "<text:p>Nested point</text:p></text:list-item></text:list>"
            "</text:list-item></text:list>"
            '<table:table table:name="Prices">'
            '<table:table-column table:number-columns-repeated="2"/>'
            "<table:table-row><table:table-cell><text:p>Item</text:p></table:table-cell>"
            "<table:table-cell><text:p>Price</text:p></table:table-cell></table:table-row>"
            "<table:table-row><table:table-cell><text:p>Chair</text:p></table:table-cell>"
            "<table:table-cell><text:p>40</text:p></table:table-cell></table:table-row></table:table>"
            "</office:text>"
        ),
    )


def _ods_cell(value=None, kind="string", shown=None, repeat=1):
    attributes = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    if value is None:
        return f"<table:table-cell{attributes}/>"
    typed = ""
    if kind != "string":
        typed = f' {"office:date-value" if kind == "date" else "office:value"}="{value}"'
    return (
        f'<table:table-cell office:value-type="{kind}"{typed}{attributes}>'
        f"<text:p>{value if shown is None else shown}</text:p></table:table-cell>"
    )


def _ods_row(*cells, repeat=1):
    return (
        f'<table:table-row table:number-rows-repeated="{repeat}">{"".join(cells)}'
        '</table:table-row>'
    )


def make_ods():
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        (
            '<office:spreadsheet><table:table table:name="Budget">'
            + _ods_row(_ods_cell("Item"), _ods_cell("Amount"), _ods_cell("Due"))
            + _ods_row(
                _ods_cell("Paper"),
                _ods_cell("12.5", "float", "12.50"),
                _ods_cell("2024-03-01", "date", "01/03/24"),
            )
            + _ods_row(_ods_cell("Ink"), _ods_cell("3", "float", "3.00"), repeat=3)
            # What a saved sheet ends with: a huge run of empty rows and cells.
            + _ods_row(_ods_cell(repeat=16384), repeat=1048000)
            + '</table:table><table:table table:name="Empty"/></office:spreadsheet>'
        ),
    )


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


# --- bombs: small files asking for much work or memory -----------------------------------------

_HELVETICA = b"/Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >>"


def _pdf_stream(dictionary, content):
    packed = zlib.compress(content, 9)
    return (
        b"<< %s /Filter /FlateDecode /Length %d >>\nstream\n" % (dictionary, len(packed))
        + packed
        + b"\nendstream"
    )


def pdf_text(text, y=700):
    return b"BT /F1 12 Tf 72 %d Td (%s) Tj ET\n" % (y, text)


def _pdf_form(content, draws=None, fonts=_HELVETICA):
    """A form XObject; draws: the object number it may draw as /X."""
    resources = fonts + (b" /XObject << /X %d 0 R >>" % draws if draws else b"")
    return _pdf_stream(
        b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << %s >>" % resources,
        content,
    )


def _pdf_pages(contents, fonts=_HELVETICA, draws=True):
    """Catalog, page tree and one page per content stream; each page may draw object
    3 + 2 * len(contents), the first after them, as /X (unless draws is false)."""
    after = 3 + 2 * len(contents)
    xobjects = b" /XObject << /X %d 0 R >>" % after if draws else b""
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(len(contents)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(contents)),
    ]
    for i, content in enumerate(contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << %s%s >> >>" % (4 + 2 * i, fonts, xobjects)
        )
        objects.append(_pdf_stream(b"", content))
    return objects


def make_nested_form_pdf(depth, fanout, deepest=None, intro=None):
    """A page (after one showing `intro`, if given) draws a form that draws the next one `fanout`
    times, `depth` forms deep; the deepest runs `deepest` (by default a text showing "Hello"),
    fanout ** (depth - 1) times in all."""
    objects = _pdf_pages(([pdf_text(intro)] if intro else []) + [b"/X Do"])
    first = len(objects) + 1
    objects += [_pdf_form(b"/X Do\n" * fanout, first + level) for level in range(1, depth)]
    return write_pdf(objects + [_pdf_form(deepest or pdf_text(b"Hello"))])


def make_self_drawing_form_pdf(fanout):
    """'Before', a form that draws itself `fanout` times, 'After'."""
    objects = _pdf_pages([pdf_text(b"Before") + b"/X Do\n" + pdf_text(b"After", 600)])
    return write_pdf(objects + [_pdf_form(b"/X Do\n" * fanout, len(objects) + 1)])


def make_font_pdf(font, stream=None):
    """One page showing text in `font`, a font dictionary that may refer to object 5: a
    stream holding `stream`."""
    objects = _pdf_pages([pdf_text(b"Hello")], fonts=b"/Font << /F1 %s >>" % font, draws=False)
    return write_pdf(objects + ([_pdf_stream(b"", stream)] if stream else []))


def make_widths_pdf(entries):
    """A font whose widths array spans `entries` character codes, which PyPDF2 lists one by one
    before it reads any text."""
    return make_font_pdf(
        b"<< /Type /Font /Subtype /Type0 /BaseFont /X /Encoding /Identity-H "
        b"/DescendantFonts [<< /Type /Font /Subtype /CIDFontType2 "
        b"/W [0 %d 500] >>] >>" % entries
    )


def make_repeated_slide_pptx(times, words):
    """A presentation listing its one slide, `words` words long, `times` times."""
    slide_type = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide"
    presentation = (
        f'{_XML}<p:presentation xmlns:a="{_DML}" xmlns:r="{_R}" xmlns:p="{_PML}"><p:sldIdLst>'
        + "".join(f'<p:sldId id="{256 + i}" r:id="rId2"/>' for i in range(times))
        + "</p:sldIdLst></p:presentation>"
    )
    return _package(
        {
            "[Content_Types].xml": _content_types({}),
            "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "ppt/presentation.xml")}),
            "ppt/presentation.xml": presentation,
            "ppt/_rels/presentation.xml.rels": _relationships(
                {
                    "rId2": (slide_type, "slides/slide1.xml"),
                }
            ),
            "ppt/slides/slide1.xml": _pptx_slide("word " * words),
        }
    )


_SML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SML_TYPES = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def make_shared_string_xlsx(rows, cols, chars):
    """A sheet of rows x cols cells that all show the same shared string of `chars` characters."""
    row = "".join('<c t="s"><v>0</v></c>' for _ in range(cols))
    sheet = (
        f'{_XML}<worksheet xmlns="{_SML}"><sheetData>'
        + "".join(f'<row r="{r}">{row}</row>' for r in range(1, rows + 1))
        + "</sheetData></worksheet>"
    )
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return _package(
        {
            "[Content_Types].xml": _content_types(
                {
                    "xl/workbook.xml": f"{sml}.sheet.main+xml",
                    "xl/worksheets/sheet1.xml": f"{sml}.worksheet+xml",
                    "xl/sharedStrings.xml": f"{sml}.sharedStrings+xml",
                }
            ),
            "_rels/.rels": _relationships({"rId1": (_OFFICE_DOC, "xl/workbook.xml")}),
            "xl/workbook.xml": (
                f'{_XML}<workbook xmlns="{_SML}" xmlns:r="{_R}"><sheets>'
                '<sheet name="Data" sheetId="1" r:id="rId1"/></sheets></workbook>'
            ),
            "xl/_rels/workbook.xml.rels": _relationships(
                {
                    "rId1": (f"{_SML_TYPES}/worksheet", "worksheets/sheet1.xml"),
                    "rId2": (f"{_SML_TYPES}/sharedStrings", "sharedStrings.xml"),
                }
            ),
            "xl/sharedStrings.xml": (
                f'{_XML}<sst xmlns="{_SML}" count="1" uniqueCount="1">'
                f'<si><t>{"x" * chars}</t></si></sst>'
            ),
            "xl/worksheets/sheet1.xml": sheet,
        }
    )


def make_repeated_ods(chars, columns, rows):
    """One cell of `chars` characters repeated `columns` times across and `rows` times down."""
    return _odf(
        "application/vnd.oasis.opendocument.spreadsheet",
        (
            '<office:spreadsheet><table:table table:name="Big">'
            + _ods_row(_ods_cell("x" * chars, repeat=columns), repeat=rows)
            + "</table:table></office:spreadsheet>"
        ),
    )


def make_blank_run_docx(blanks):
    """A paragraph and a table cell each holding a run of `blanks` spaces before a letter."""
    run = " " * blanks + "x"
    return make_docx(_w_paragraph(run) + f"<w:tbl>{_w_row('Head')}{_w_row(run)}</w:tbl>")


def make_blank_run_html(blanks):
    """A <pre> block holding a run of `blanks` spaces before a letter."""
    return b"<html><body><pre>" + b" " * blanks + b"x</pre></body></html>"
