"""Every format read, one row each (see base.Format); a new format is a row in its family's
module, or a new module added here."""

from . import office, pdf, sheets, text

FORMATS = pdf.FORMATS + office.FORMATS + sheets.FORMATS + text.FORMATS


def _index(attribute):
    """{value: Format} over one attribute of the rows; a value claimed twice is a mistake."""
    index = {}
    for row in FORMATS:
        values = getattr(row, attribute)
        for value in values if isinstance(values, tuple) else [values]:
            if value is None:
                continue
            if value in index:
                raise ValueError(
                    f"{attribute} {value!r} claimed by {index[value].kind} and {row.kind}"
                )
            index[value] = row
    return index


BY_KIND = _index("kind")
BY_EXTENSION = _index("extensions")
BY_FILENAME = _index("filenames")
BY_MIMETYPE = _index("mimetypes")
BY_ZIP_PART = _index("zip_part")
BY_ZIP_TYPE = _index("zip_type")
OLE = tuple(row for row in FORMATS if row.ole)
KINDS = tuple(BY_KIND)
