"""Spreadsheets: Excel (xlsx, xls) and OpenDocument (ods), each sheet under `## Sheet: name` as a
markdown table, cut to a number of rows and columns and to the budget, with notes for what was
left out."""

import contextlib
import io
from datetime import date, datetime
from datetime import time as dt_time

from . import office, package
from .base import Format, Read

SHEET_MAX_ROWS = 2000  # rows shown per sheet (empty rows do not count)
SHEET_MAX_COLS = 50  # columns shown per sheet
SHEET_MAX_SCANNED_ROWS = 1_048_576  # rows counted per sheet at most (Excel's own limit)
SHEET_MAX_CELL_CHARS = 32_767  # characters shown per cell (Excel's own limit)
SHEET_MAX_SCANNED_CHARS = 64 * 1024 * 1024  # characters of the cells looked at per workbook

_OFFICE, _TABLE, _TABLE_CELLS = office.ODF_OFFICE, office.ODF_TABLE, office.ODF_TABLE_CELLS


def _read_xlsx(data, max_chars):
    with package.open_zip(data) as zf:
        package.check_total(zf)  # openpyxl may read any part of the package
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        return _read_sheets(_xlsx_sheets(workbook), len(workbook.worksheets), max_chars)
    finally:
        workbook.close()


def _xlsx_sheets(workbook):
    for sheet in workbook.worksheets:
        # max_row/max_column come from the sheet's <dimension>, None when it has none.
        rows = sheet.iter_rows(max_col=SHEET_MAX_COLS + 1, values_only=True)
        yield (
            sheet.title,
            ((row, 1) for row in rows),
            sheet.max_row,
            (sheet.max_column or 0) > SHEET_MAX_COLS,
        )


def _read_ods(data, max_chars):
    spreadsheet = office.read_odf_content(data).find(f"{_OFFICE}body/{_OFFICE}spreadsheet")
    tables = [] if spreadsheet is None else spreadsheet.findall(_TABLE + "table")
    sheets = ((table.get(_TABLE + "name", ""), _ods_rows(table)) for table in tables)
    return _read_sheets(sheets, len(tables), max_chars)


def _ods_rows(table):
    """(values, repeat) per table:table-row; repeats are how ODS stores runs of equal rows and
    columns (a saved sheet often ends with a million repeated empty cells)."""
    for row in table.iter(_TABLE + "table-row"):
        values = []
        for cell in row:
            if cell.tag not in _TABLE_CELLS:
                continue
            repeat = int(cell.get(_TABLE + "number-columns-repeated") or 1)
            values.extend([_ods_value(cell)] * min(repeat, SHEET_MAX_COLS + 1 - len(values)))
            if len(values) > SHEET_MAX_COLS:
                break
        yield values, int(row.get(_TABLE + "number-rows-repeated") or 1)


def _ods_value(cell):
    kind = cell.get(_OFFICE + "value-type")
    # A malformed typed value: the displayed text below is still right.
    with contextlib.suppress(TypeError, ValueError, AttributeError):
        if kind in ("float", "percentage", "currency"):
            return float(cell.get(_OFFICE + "value"))
        if kind == "date":
            return cell.get(_OFFICE + "date-value").replace("T", " ").removesuffix(" 00:00:00")
        if kind == "boolean":
            return cell.get(_OFFICE + "boolean-value") == "true"
    return office.odf_cell_text(cell) or None


def _read_xls(data, max_chars):
    import xlrd

    # xlrd writes its warnings about damaged files to stdout unless given a log file.
    book = xlrd.open_workbook(file_contents=data, on_demand=True, logfile=io.StringIO())
    try:
        return _read_sheets(_xls_sheets(book), book.nsheets, max_chars)
    finally:
        book.release_resources()


def _xls_sheets(book):
    for index in range(book.nsheets):
        sheet = book.sheet_by_index(index)
        rows = (
            [_xls_value(cell, book.datemode) for cell in sheet.row_slice(r, 0, SHEET_MAX_COLS + 1)]
            for r in range(sheet.nrows)
        )
        yield sheet.name, ((row, 1) for row in rows)
        book.unload_sheet(index)


def _xls_value(cell, datemode):
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR")
    return cell.value


class _SheetBudget:
    """What the sheets of a workbook may still keep (characters of their tables) and look at
    (characters of the cells read), each use of a shared string or repeated row counted."""

    def __init__(self, max_chars):
        self.keep, self.scan = max_chars, SHEET_MAX_SCANNED_CHARS

    @property
    def spent(self):
        return self.keep <= 0 or self.scan < 0


def _read_sheets(sheets, count, max_chars):
    """`## Sheet:` sections of the `count` sheets, given as _sheet_markdown's arguments (lazily):
    reading stops after the sheet that spends the budget; the rest is estimated from those."""
    budget, sections, length = _SheetBudget(max_chars), [], 0
    for sheet in sheets:
        sections.append(_sheet_markdown(budget, *sheet))
        length += len(sections[-1]) + 2
        if budget.spent:
            break
    estimate = length * count // len(sections) if len(sections) < count else None
    return Read("\n\n".join(sections), count, estimate)


def _sheet_markdown(budget, name, rows, declared_rows=None, more_columns=False):
    """`## Sheet: name` and a markdown table of the first SHEET_MAX_ROWS non-empty rows that fit
    the budget (first row as header, at most SHEET_MAX_COLS columns), with notes for what was
    left out.

    rows: (values, repeat) pairs; values may be one column wider than the limit, to tell that
    columns were cut. Rows past the limit are counted, unless the sheet declares its row count
    (declared_rows): then reading stops there and the rest is estimated from it, empty rows
    included, since parsing rows only to count them costs most of the time on big sheets.
    """
    kept, more_rows, scanned, estimated = [], 0, 0, False
    for values, repeat in rows:
        scanned += repeat
        budget.scan -= sum(len(value) for value in values if isinstance(value, str))
        if scanned > SHEET_MAX_SCANNED_ROWS or budget.scan < 0:
            break
        if all(map(_is_blank, values)):
            continue
        full = len(kept) == SHEET_MAX_ROWS or budget.keep <= 0
        if full and (declared_rows or 0) >= scanned:
            more_rows, estimated = declared_rows - scanned + 1, True
            break
        more_columns = more_columns or not all(map(_is_blank, values[SHEET_MAX_COLS:]))
        more_rows += repeat - (0 if full else _keep_row(kept, values, repeat, budget))
    return _sheet_section(name, kept, more_rows, estimated, more_columns)


def _keep_row(kept, values, repeat, budget):
    """Adds the row to kept as many times as it repeats, the row limit and the budget allow
    (at least once); returns that number."""
    cells = [_format_cell(value) for value in values[:SHEET_MAX_COLS]]
    width = max((i + 1 for i, cell in enumerate(cells) if cell), default=0)
    cost = sum(len(cell) + 3 for cell in cells[:width]) + 2  # "| " and " |", " | " between
    shown = min(repeat, SHEET_MAX_ROWS - len(kept), -(-budget.keep // cost))
    kept.extend([cells] * shown)
    budget.keep -= shown * cost
    return shown


def _sheet_section(name, kept, more_rows, estimated, more_columns):
    lines = [f"## Sheet: {name}"]
    if kept:
        width = max((i + 1 for row in kept for i, cell in enumerate(row) if cell), default=1)
        lines.append(package.table([row[:width] for row in kept]))
    else:
        lines.append("(empty sheet)")
    if more_rows:
        lines.append(f"… {'about ' if estimated else ''}{more_rows:,} more rows not shown")
    if more_columns:
        lines.append(f"… columns after the first {SHEET_MAX_COLS} not shown")
    return "\n".join(lines)


def _is_blank(value):
    return value is None or isinstance(value, str) and not value.strip()


def _format_cell(value):
    """Compact text: ISO dates, integral floats without '.0', at most 15 significant digits
    (what a spreadsheet shows)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:.15g}"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if isinstance(value, date | dt_time):
        return value.isoformat()
    return str(value)[:SHEET_MAX_CELL_CHARS].strip()


FORMATS = (
    Format(
        "xlsx",
        "Excel workbook",
        _read_xlsx,
        ("xlsx", "xlsm"),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",),
        zip_part="xl/workbook.xml",
    ),
    Format("xls", "Excel workbook", _read_xls, ("xls",), ("application/vnd.ms-excel",), ole=True),
    Format(
        "ods",
        "OpenDocument spreadsheet",
        _read_ods,
        ("ods",),
        ("application/vnd.oasis.opendocument.spreadsheet",),
        zip_type=b"application/vnd.oasis.opendocument.spreadsheet",
    ),
)
