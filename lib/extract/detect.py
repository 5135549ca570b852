"""Which format a file is: magic bytes first, then its extension, its name, its declared
mimetype, and last a look at its first bytes. What is not text (images, archives, programs,
media) is refused here with its own reason."""

import io
import posixpath
import zipfile
import zlib

from .base import ExtractionError
from .registry import BY_EXTENSION, BY_FILENAME, BY_KIND, BY_MIMETYPE, BY_ZIP_PART, BY_ZIP_TYPE, OLE
from .text import has_text_bom, looks_binary

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
# Checked only on data that looks binary, so a text file starting with "MZ" stays a text file.
_BINARY_SIGNATURES = (
    (
        (
            b"MZ",
            b"\x7fELF",
            b"\xfe\xed\xfa\xce",
            b"\xfe\xed\xfa\xcf",
            b"\xce\xfa\xed\xfe",
            b"\xcf\xfa\xed\xfe",
            b"\xca\xfe\xba\xbe",
            b"\x00asm",
        ),
        "executable",
    ),
    (
        (
            b"\x89PNG",
            b"\xff\xd8\xff",
            b"GIF87a",
            b"GIF89a",
            b"BM",
            b"II*\x00",
            b"MM\x00*",
            b"\x00\x00\x01\x00",
            b"8BPS",
        ),
        "image",
    ),
    (
        (
            b"\x1f\x8b",
            b"BZh",
            b"\xfd7zXZ\x00",
            b"7z\xbc\xaf\x27\x1c",
            b"Rar!\x1a\x07",
            b"\x28\xb5\x2f\xfd",
        ),
        "archive",
    ),
    ((b"ID3", b"OggS", b"fLaC", b"RIFF", b"\x1a\x45\xdf\xa3"), "media"),
)
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
)


def detect_format(data, filename, mimetype):
    """The registry row of the file's format; raises ExtractionError for files that are not
    text, with the reason (an image, an archive, ...) when it is recognised."""
    name = posixpath.basename((filename or "").replace("\\", "/")).lower()
    ext = name.rpartition(".")[2] if "." in name else ""
    mimetype = (mimetype or "").partition(";")[0].strip().lower()
    # PDF readers accept junk before the header; a text file quoting one stays a text file.
    said_pdf = ext == "pdf" or mimetype == "application/pdf"
    if data.startswith(b"%PDF-") or (said_pdf and b"%PDF-" in data[:1024]):
        return BY_KIND["pdf"]
    if data.startswith(_ZIP_MAGICS):
        return _zip_format(data, ext)
    if data.startswith(_OLE_MAGIC):  # the old binary Office formats share this container
        for row in OLE:
            if ext in row.extensions or mimetype in row.mimetypes:
                return row
        raise ExtractionError("old_office")
    if not has_text_bom(data) and looks_binary(data[:4096]):
        for magics, code in _BINARY_SIGNATURES:
            if data.startswith(magics):
                raise ExtractionError(code)
        raise ExtractionError("unsupported")
    found = BY_EXTENSION.get(ext) or BY_FILENAME.get(name) or BY_MIMETYPE.get(mimetype)
    return found or BY_KIND[_sniff_text_kind(data)]


def _zip_format(data, ext):
    """Office packages are zip files told apart by their parts; other zips are refused."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = set(zf.namelist())
            odf_type = b""
            if "mimetype" in names:  # ODF: the package's type, stored first
                with zf.open("mimetype") as member:
                    odf_type = member.read(100).strip()
    except _ZIP_ERRORS:
        said = BY_EXTENSION.get(ext)
        if said and said.zipped:
            return said  # a broken package: its reader reports it as corrupt
        raise ExtractionError("unsupported") from None
    for part, row in BY_ZIP_PART.items():
        if part in names:
            return row
    if odf_type in BY_ZIP_TYPE:
        return BY_ZIP_TYPE[odf_type]
    if odf_type or "[Content_Types].xml" in names:  # another office format (odp, vsdx, ...)
        raise ExtractionError("unsupported")
    raise ExtractionError("archive")


def _sniff_text_kind(data):
    head = data[:512].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    if head.startswith(b"#!"):
        return "code"
    if head.startswith((b"<!doctype html", b"<html")):
        return "html"
    if head.startswith(b"<?xml"):
        return "xml"
    return "text"
