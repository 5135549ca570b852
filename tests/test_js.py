# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Run this addon's Hoot tests (static/tests/**/*.test.js) in headless Chromium.

Odoo skips browser tests silently when Chromium or websocket-client is missing; here that is a
failure, and so is a run in which no test passed (a wrong suite id selects nothing and Hoot
still reports success; Hoot drops an id it does not know and runs every suite instead).
"""

import logging
import re
import unittest
from pathlib import Path

from odoo.tests import common, no_retry, tagged

from odoo.addons.web.tests import (
    test_js as web_test_js,
)  # a module: pytest collects none of its classes

ADDON = "ai_stream_chat"
TESTS_DIR = Path(__file__).resolve().parent.parent / "static" / "tests"
SUCCESS_SIGNAL = "[HOOT] Test suite succeeded"
PASSED_RE = re.compile(r"\[HOOT\] Passed (\d+) tests")
UNKNOWN_ID = "did not find job with ID"
FOCUSED_RE = re.compile(r"\b(?:test|describe)(?:\.\w+)*\.(?:only|debug)\b")


class _ConsoleRecorder(logging.Filter):
    """Keeps every browser console line; lets through only those the logger would show anyway."""

    def __init__(self, shown_level):
        super().__init__()
        self.shown_level = shown_level
        self.messages = []

    def filter(self, record):
        self.messages.append(record.getMessage())
        return record.levelno >= self.shown_level


@tagged("post_install", "-at_install")
class TestJs(web_test_js.HOOTCommon):
    """Odoo's Hoot helpers (suite ids, and its own tests of them), run for this addon's suite."""

    _test_params = []  # set by Odoo's own test runner from --test-tags; pytest has none

    def test_no_focused_test(self):
        """`only`/`debug` would silently restrict the run to one test."""
        files = sorted(TESTS_DIR.glob("**/*.test.js"))
        self.assertTrue(files, f"no Hoot test file found in {TESTS_DIR}")
        for path in files:
            match = FOCUSED_RE.search(path.read_text(encoding="utf-8"))
            self.assertFalse(match, f"{path.name} uses {match and match[0]}")

    @no_retry
    def test_hoot(self):
        self._check_browser_available()
        self._check_test_bundle()
        # Test files are Odoo modules "@ai_stream_chat/../tests/<file>.test"; Hoot puts them in
        # suites "@ai_stream_chat/<file>", so "@ai_stream_chat" is the suite of them all.
        suite_id = self._generate_hash(f"@{ADDON}")
        logger = self._logger.getChild("browser")  # where ChromeBrowser logs the console
        own_level, shown_level = logger.level, logger.getEffectiveLevel()
        recorder = _ConsoleRecorder(shown_level)
        # Hoot reports its counts with console.dir, logged at RUNBOT level: let it reach us.
        logger.setLevel(min(shown_level, logging.RUNBOT))
        logger.addFilter(recorder)
        try:
            self.browser_js(
                f"/web/tests?headless&loglevel=2&preset=desktop&timeout=15000&id={suite_id}",
                "",
                "",
                login="admin",
                timeout=300,
                success_signal=SUCCESS_SIGNAL,
                error_checker=web_test_js.unit_test_error_checker,  # [HOOT] lines go on
            )
        except unittest.SkipTest as exc:
            self.fail(f"The Hoot tests could not run in the browser: {exc}")
        finally:
            logger.removeFilter(recorder)
            logger.setLevel(own_level)
        unknown = [message for message in recorder.messages if UNKNOWN_ID in message]
        self.assertFalse(unknown, f"Hoot does not know the suite @{ADDON}: {unknown}")
        counts = [int(m[1]) for m in map(PASSED_RE.search, recorder.messages) if m]
        self.assertTrue(counts, "Hoot did not report how many tests passed")
        self.assertGreater(counts[-1], 0, f"no Hoot test ran for suite @{ADDON} (id {suite_id})")

    def _check_test_bundle(self):
        """Our test files must be in the bundle, or the suite id would select nothing."""
        asset = self.env["ir.asset"]
        bundle = asset._get_asset_paths("web.assets_unit_tests", asset._get_asset_params())
        paths = [
            path
            for path, *_rest in bundle
            if path.startswith(f"/{ADDON}/static/tests/") and path.endswith(".test.js")
        ]
        self.assertTrue(paths, f"no {ADDON} test file in the web.assets_unit_tests bundle")

    def _check_browser_available(self):
        if common.websocket is None:
            self.fail(
                "The websocket-client Python package is needed for browser tests: "
                "pip install websocket-client"
            )
        try:
            # Odoo's own lookup (chromium, google-chrome, ... on PATH); it raises SkipTest.
            common.ChromeBrowser.executable.fget(None)
        except unittest.SkipTest:
            self.fail(
                "No Chrome/Chromium found on PATH for the browser tests "
                "(Debian: apt-get install chromium)"
            )
