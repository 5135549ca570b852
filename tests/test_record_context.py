"""A record as prompt text: lib/record_text.py alone, then ai.chat.record.context on real records."""
from unittest import TestCase

from ..lib.record_text import cut_text, markdown_table, record_markdown, table_cell


class TestRecordText(TestCase):
    def test_cells_are_escaped_and_stay_on_one_line(self):
        self.assertEqual(table_cell("a | b\nc\\d"), "a \\| b c\\\\d")
        self.assertEqual(table_cell("x" * 10, max_chars=5), "xxxx…")
        table, note = markdown_table(["Name", "Note|x"], [["A|1", "line 1\nline 2"], ["B"]])
        self.assertEqual(table.splitlines(), [
            "| Name | Note\\|x |",
            "| --- | --- |",
            "| A\\|1 | line 1 line 2 |",
            "| B |  |",
        ])
        self.assertEqual(note, "")

    def test_tables_bound_rows_and_columns_and_say_so(self):
        rows = [[str(i), "x", "y"] for i in range(10)]
        table, note = markdown_table(["A", "B", "C"], rows, total_rows=120, max_columns=2, max_rows=4)
        lines = table.splitlines()
        self.assertEqual(lines[0], "| A | B |")
        self.assertEqual(len(lines), 2 + 4)
        self.assertEqual(lines[-1], "| 3 | x |")
        self.assertEqual(note, "showing 4 of 120 lines")
        text = record_markdown("T", "Kind (m, id 1)", tables=[("Lines", ["A"], rows, 120)])
        self.assertIn("## Lines (showing 10 of 120 lines)\n| A |", text)

    def test_layout_fields_tables_messages(self):
        text = record_markdown(
            "Azure\nInterior", "Contact (res.partner, id 7)",
            fields=[("Email", "a@b.c"), ("Notes", "one\n\n\ntwo")],
            messages=[("Ann", "01/02/2026", "Hello")],
        )
        self.assertEqual(text, (
            "# Azure Interior\nContact (res.partner, id 7)\n\n"
            "- **Email:** a@b.c\n- **Notes:** one\n  two\n\n"
            "## Messages (last 1, newest last)\n\n**Ann** — 01/02/2026\nHello"
        ))

    def test_cut_at_a_line_break_with_a_note(self):
        text = "\n".join(f"line {i:03d}" for i in range(200))
        cut = cut_text(text, 300)
        self.assertLessEqual(len(cut), 300)
        self.assertIn("[Cut: the record's text has 1799 characters", cut)
        self.assertRegex(cut, r"line \d{3}\n\n\[Cut")
        self.assertEqual(cut_text("short", 300), "short")
        self.assertEqual(cut_text(text, 10), text[:10])

