"""Extraction in a child process (lib/extract_sandbox.py) on real files and bombs; no database."""

import os
import resource
import tempfile
import time
from unittest import TestCase
from unittest.mock import patch

from odoo.addons.ai_stream_chat.lib import extract, extract_sandbox
from odoo.addons.ai_stream_chat.lib.extract import ExtractionError
from odoo.addons.ai_stream_chat.lib.extract_sandbox import ExtractionBusy, extract_text

from .files import (
    make_blank_run_docx,
    make_blank_run_html,
    make_docx,
    make_nested_form_pdf,
    make_ods,
    make_pdf,
    make_pptx,
    make_repeated_ods,
    make_repeated_slide_pptx,
    make_shared_string_xlsx,
    make_widths_pdf,
    make_xlsx,
    make_zip_bomb,
    pdf_text,
)

WIDTHS_BOMB = make_widths_pdf(30_000_000)  # gigabytes in PyPDF2 before any text is read
FORMS_BOMB = make_nested_form_pdf(7, 8)  # 262,144 forms drawn on one page
SMALL_MEMORY = 256 * 1024 * 1024  # enough for the child, soon reached by the bomb


def peak_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class TestExtractSandbox(TestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        start = time.perf_counter()
        extract_text(make_pdf(3), "small.pdf")
        cls.baseline = time.perf_counter() - start  # mostly the child's start

    def refused(self, data, filename, **limits):
        """(error code, seconds) of a file the child cannot read within the limits."""
        start = time.perf_counter()
        with self.assertRaises(ExtractionError) as caught:
            extract_text(data, filename, **limits)
        return caught.exception.code, time.perf_counter() - start

    def test_same_result_as_in_process(self):
        files = {
            "a.pdf": make_pdf(3),
            "a.docx": make_docx(),
            "a.pptx": make_pptx(),
            "a.ods": make_ods(),
            "a.xlsx": make_xlsx([["Zoë", 1.5], ["x", None]]),
            "a.csv": "nom;ville\nJosé;Zürich\n".encode("latin-1"),
        }
        for name, data in files.items():
            self.assertEqual(
                extract_text(data, name, max_chars=2000),
                extract.extract_text(data, name, max_chars=2000),
                name,
            )
        self.assertEqual(self.refused(make_zip_bomb(60 * 1024 * 1024), "bomb.docx")[0], "bomb")

    def test_bombs_stay_in_the_child(self):
        bombs = [
            (WIDTHS_BOMB, "fonts.pdf", "memory"),
            (make_nested_form_pdf(3, 30, pdf_text(b"A" * 10_000)), "forms.pdf", "memory"),
            (make_repeated_slide_pptx(400, 20_000), "deck.pptx", None),
            (make_shared_string_xlsx(2000, 20, 20_000), "shared.xlsx", None),
            (make_repeated_ods(20_000, 1000, 1_000_000), "repeated.ods", None),
            (make_blank_run_docx(100_000), "blanks.docx", None),
            (make_blank_run_html(100_000), "blanks.html", None),
        ]
        before = peak_kb()
        for data, name, code in bombs:
            start = time.perf_counter()
            try:
                result = extract_text(data, name, memory_bytes=SMALL_MEMORY)
                self.assertLessEqual(len(result.text), extract.DEFAULT_MAX_CHARS, name)
                self.assertIsNone(code, name)
            except ExtractionError as error:
                self.assertEqual(error.code, code, name)
            self.assertLess(time.perf_counter() - start, 20 * self.baseline, name)
            self.assertLess(peak_kb() - before, 5 * 1024, name)  # the work was the child's

    def test_cpu_and_wall_limits(self):
        code, seconds = self.refused(FORMS_BOMB, "forms.pdf", cpu_seconds=1)  # SIGXCPU
        self.assertEqual(code, "timeout")
        self.assertLess(seconds, 1 + 10 * self.baseline)
        code, seconds = self.refused(FORMS_BOMB, "forms.pdf", wall_seconds=1)  # killed
        self.assertEqual(code, "timeout")
        self.assertLess(seconds, 1 + 10 * self.baseline)

    def test_a_child_that_fails_otherwise(self):
        cases = {
            "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)": "corrupt",
            "print('not json')": "corrupt",
            "raise SystemExit(3)": "corrupt",
            # Killed before it could use its CPU time: the kernel's out-of-memory killer.
            "import os, signal; os.kill(os.getpid(), signal.SIGKILL)": "memory",
        }
        with tempfile.TemporaryDirectory() as folder:
            for source, code in cases.items():
                child = os.path.join(folder, "child.py")
                with open(child, "w") as script:
                    script.write(source)
                with patch.object(extract_sandbox, "CHILD", child):
                    self.assertEqual(self.refused(b"text", "a.txt")[0], code, source)

    def test_running_extractions_are_capped(self):
        for _ in range(extract_sandbox.MAX_RUNNING):
            self.assertTrue(extract_sandbox._SLOTS.acquire(blocking=False))
        try:
            with self.assertRaises(ExtractionBusy) as caught:
                extract_text(b"text", "a.txt")
            self.assertIn("Try again", caught.exception.message)
        finally:
            for _ in range(extract_sandbox.MAX_RUNNING):
                extract_sandbox._SLOTS.release()
        self.assertEqual(extract_text(b"text", "a.txt").text, "text")
