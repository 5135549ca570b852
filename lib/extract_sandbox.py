"""extract_text() in a child process, so that no file can take more than a bounded share of the
server's memory and CPU, whatever the readers' own bounds miss.

The child (extract_child.py, started by path with this Python, so Odoo is never imported there)
sets its own memory and CPU limits before it reads the file from stdin, and answers in JSON on
stdout; the parent kills it when the wall time is up. The limits, which an administrator can
rely on, are these module constants (measured on legitimate files up to the 10 MB upload
limit: a 300-page PDF, a 10 MB spreadsheet and a 10 MB Word document; see benchmarks/extract.py):

- MEMORY_BYTES: the child's address space (RLIMIT_AS). Past it allocations fail: "needs too
  much memory to read".
- CPU_SECONDS: the child's CPU time (RLIMIT_CPU); it is then ended by SIGXCPU: "took too long
  to read". Above the PDF reader's own deadline (extract.pdf.PDF_MAX_SECONDS), which keeps the
  pages read so far.
- WALL_SECONDS: the child's wall time, after which the parent kills it: "took too long".
- MAX_RUNNING: extractions at once in one server process (each may use MEMORY_BYTES and a
  core); over it, ExtractionBusy, which an upload answers with HTTP 429 and Retry-After:
  RETRY_AFTER_SECONDS.
"""

import contextlib
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time

from .extract import DEFAULT_MAX_CHARS, Extraction, ExtractionError, over_limit

MEMORY_BYTES = 1024 * 1024 * 1024
CPU_SECONDS = 30
WALL_SECONDS = 60
MAX_RUNNING = 2
RETRY_AFTER_SECONDS = 5

CHILD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extract_child.py")
FILENAME_MAX_CHARS = 1000  # of the name passed to the child (its end: the extension counts)

_logger = logging.getLogger(__name__)
# Under gevent, threading is monkey-patched: a non-blocking acquire works for greenlets too.
_SLOTS = threading.BoundedSemaphore(MAX_RUNNING)


class ExtractionBusy(ExtractionError):
    """MAX_RUNNING extractions are running in this process already."""

    def __init__(self):
        super().__init__("busy")


def extract_text(
    data,
    filename,
    mimetype=None,
    max_chars=DEFAULT_MAX_CHARS,
    memory_bytes=None,
    cpu_seconds=None,
    wall_seconds=None,
):
    """extract.extract_text in a child process, within the given limits (the module's when
    None): the same Extraction or ExtractionError; ExtractionError 'memory' or 'timeout' past
    a limit, 'corrupt' when the child fails otherwise; ExtractionBusy when MAX_RUNNING
    extractions are running already."""
    if max_chars <= 0:
        raise ValueError("max_chars must be positive")
    if not _SLOTS.acquire(blocking=False):
        raise ExtractionBusy()
    try:
        request = {
            "filename": (filename or "")[-FILENAME_MAX_CHARS:],
            "mimetype": mimetype,
            "max_chars": max_chars,
        }
        return _run(
            data,
            request,
            memory_bytes or MEMORY_BYTES,
            cpu_seconds or CPU_SECONDS,
            wall_seconds or WALL_SECONDS,
        )
    finally:
        _SLOTS.release()


def _run(data, request, memory_bytes, cpu_seconds, wall_seconds):
    # The request goes as an argument, so that the file goes to stdin without a copy.
    command = [sys.executable, CHILD, str(memory_bytes), str(cpu_seconds), json.dumps(request)]
    start = time.monotonic()
    with subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as child:
        try:
            out, err = child.communicate(data, timeout=wall_seconds)
        except subprocess.TimeoutExpired:
            child.kill()
            child.communicate()
            _logger.debug("Reading %r took over %s s: stopped", request["filename"], wall_seconds)
            raise over_limit("timeout") from None
    elapsed = time.monotonic() - start
    answer = _answer(child.returncode, out, err, elapsed, cpu_seconds)
    _logger.debug(
        "Read %r in %.0f ms: %s, child peak %s KB",
        request["filename"],
        elapsed * 1000,
        answer.get("error", "text"),
        answer["peak_kb"],
    )
    if "error" in answer:
        raise ExtractionError(answer["error"], answer["message"])
    return Extraction(
        answer["text"], answer["total_chars"], answer["truncated"], answer["kind"], answer["pages"]
    )


def _answer(returncode, out, err, elapsed, cpu_seconds):
    """The child's answer; raises for a child that was ended or failed."""
    # SIGKILL is the hard CPU limit only once the child may have had that much CPU; before,
    # it is the kernel's out-of-memory killer.
    if returncode == -signal.SIGXCPU or (returncode == -signal.SIGKILL and elapsed >= cpu_seconds):
        raise over_limit("timeout")
    if returncode == -signal.SIGKILL:
        raise over_limit("memory")
    with contextlib.suppress(ValueError):
        answer = json.loads(out)
        if returncode == 0 and isinstance(answer, dict) and "peak_kb" in answer:
            return answer
    _logger.warning(
        "Text extraction failed (exit status %s): %s",
        returncode,
        err[-500:].decode(errors="replace"),
    )
    raise ExtractionError("corrupt", "This file is damaged and cannot be read.")
