"""What every format module shares: the error a refused file raises, the reasons it can give,
what a reader returns, and the registry row that describes a format."""

from collections.abc import Callable
from dataclasses import dataclass

# Why a file is refused, by code. The code is stable (the server says it to the user in their
# language: models/ai_chat_attachment.py has words for each, a test checks none is missing); the
# English sentence is for logs, benchmarks and a caller without translations.
REASONS = {
    "unsupported": "This file type is not supported.",
    "old_office": "Old Office files (.doc, .ppt) are not supported: save them as .docx or .pptx.",
    "image": "Images are not supported: text is not read from pictures (no OCR).",
    "archive": "Archives are not supported: attach the files inside instead.",
    "executable": "Executable files are not supported.",
    "media": "Audio and video files are not supported.",
    "encoding": "The text encoding of this file cannot be read.",
    "corrupt": "This file is damaged and cannot be read.",
    "password": "This PDF is protected by a password: remove the password and attach it again.",
    "encrypted": "This PDF is encrypted in a way that cannot be read.",
    "empty": "The file contains no text.",
    "no_text": "This PDF has no text layer (a scan?); OCR is not supported.",
    "bomb": "This file inflates to an abnormal size (a zip bomb?) and was not read.",
    "too_large": "This document is too large to read once uncompressed.",
    "memory": "This file needs too much memory to read.",
    "timeout": "This file took too long to read.",
    "busy": "The server is reading other files. Try again in a few seconds.",
}


class ExtractionError(Exception):
    """A file refused: `code` is a key of REASONS, `message` its sentence or a more precise one."""

    def __init__(self, code, message=None):
        if code not in REASONS:
            raise ValueError(f"unknown extraction error code {code!r}")
        message = message or REASONS[code]
        super().__init__(message)
        self.code = code
        self.message = message


def over_limit(code):
    """The ExtractionError for a file that needs too much 'memory' or time ('timeout')."""
    return ExtractionError(code)


@dataclass(frozen=True)
class Read:
    """What one format reader returns; estimated_chars is set when it stopped early."""

    text: str
    pages: int | None = None
    estimated_chars: int | None = None


@dataclass(frozen=True)
class Format:
    """One row of the registry: how a format is recognised and read.

    Detection tries magic bytes first (PDF, zip packages told apart by `zip_part` or `zip_type`,
    the old OLE container), then the file's extension, its name, and last the declared mimetype.
    """

    kind: str  # stored with the text: "pdf", "docx", ...
    label: str  # in logs: "This {label} is damaged"
    read: Callable[[bytes, int], Read]  # (data, max_chars); stops keeping text past max_chars
    extensions: tuple[str, ...] = ()
    mimetypes: tuple[str, ...] = ()
    filenames: tuple[str, ...] = ()  # whole lower-case names without extension: "makefile"
    zip_part: str | None = None  # an OOXML package holding this part is of this format
    zip_type: bytes | None = None  # an ODF package whose `mimetype` entry says this
    ole: bool = False  # read from the old binary Office container (xls)

    @property
    def zipped(self):
        return bool(self.zip_part or self.zip_type)
