"""The child process of extract_sandbox: its own limits first, then extract_text on stdin.

    python3 extract_child.py MEMORY_BYTES CPU_SECONDS REQUEST < file

Run by path (lib/ is then sys.path[0]), so Odoo is never imported here. REQUEST is a JSON object
(filename, mimetype, max_chars), stdin the file's bytes; the answer, on stdout, is one JSON
object: the Extraction's fields, or "error" and "message" (an ExtractionError), and "peak_kb"
(this process's maximum resident memory).
"""

import contextlib
import os
import resource
import signal
import sys

# Written without allocating once memory has run out.
_NO_MEMORY = (
    b'{"error": "memory", "message": "This file needs too much memory to read.", '
    b'"peak_kb": null}'
)


def _limit(kind, soft, hard):
    """Sets a limit, never above the hard limit this process inherited (a server worker may
    have its own)."""
    inherited = resource.getrlimit(kind)[1]
    if inherited != resource.RLIM_INFINITY:
        soft, hard = min(soft, inherited), min(hard, inherited)
    resource.setrlimit(kind, (soft, hard))


def main(memory_bytes, cpu_seconds, request):
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _limit(resource.RLIMIT_AS, memory_bytes, memory_bytes)
    # SIGXCPU at the soft limit ends this process; SIGKILL a second later, were it ignored.
    signal.signal(signal.SIGXCPU, signal.SIG_DFL)
    _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    sys.modules["numpy"] = None  # openpyxl imports it when it can, for nothing read here
    import json
    import logging
    import warnings

    # Libraries warn about hostile files at length; the parent reads only the answer.
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    # From the addon's folder lib/ is a package, whose modules import each other relatively.
    sys.path[0] = os.path.dirname(os.path.abspath(sys.path[0]))
    from lib.extract import ExtractionError, extract_text

    request = json.loads(request)
    data = sys.stdin.buffer.read()
    try:
        extraction = extract_text(
            data, request["filename"], request["mimetype"], request["max_chars"]
        )
        answer = vars(extraction)
    except ExtractionError as error:
        answer = {"error": error.code, "message": error.message}
    del data
    answer["peak_kb"] = _peak_kb()
    sys.stdout.buffer.write(json.dumps(answer).encode())


def _peak_kb():
    """Peak resident memory since exec. ru_maxrss would do but for a child started with vfork
    (as subprocess does): it keeps the parent's peak across exec."""
    with contextlib.suppress(OSError), open("/proc/self/status", "rb") as status:
        for line in status:
            if line.startswith(b"VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


if __name__ == "__main__":
    try:
        main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
    except MemoryError:
        sys.stdout.buffer.write(_NO_MEMORY)
