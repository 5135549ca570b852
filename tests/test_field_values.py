"""Values the model proposes for fields, checked and made what the ORM writes: no database."""

from odoo.tests import BaseCase

from ..lib.field_values import MANY_MAX_IDS, TEXT_MAX_CHARS, coerce


class TestFieldValues(BaseCase):
    def refused(self, kind, value, *args):
        with self.assertRaises(ValueError) as caught:
            coerce(kind, value, *args)
        return str(caught.exception)

    def test_each_type_takes_its_own_values(self):
        self.assertEqual(coerce("char", "Bruges"), "Bruges")
        self.assertIs(coerce("char", ""), False)  # the ORM holds an empty text as False
        self.assertIs(coerce("char", None), False)  # clears the field
        self.assertEqual(coerce("integer", 3.0), 3)
        self.assertEqual(coerce("monetary", 12.5), 12.5)
        self.assertIs(coerce("boolean", False), False)
        self.assertEqual(coerce("date", "2026-12-07"), "2026-12-07")
        self.assertEqual(coerce("selection", "sale", ["draft", "sale"]), "sale")
        self.assertEqual(coerce("many2one", [7, "Azure Interior"]), 7)  # as the read tools show it
        self.assertEqual(coerce("many2many", [3, 1, 3]), [1, 3])
        self.assertEqual(coerce("many2many", False), [])

    def test_a_date_and_time_is_read_in_the_users_time_zone(self):
        self.assertEqual(
            coerce("datetime", "2026-07-01 14:30", (), "Europe/Brussels"), "2026-07-01 12:30:00"
        )
        self.assertEqual(
            coerce("datetime", "2026-07-01T14:30:00+00:00", (), "Europe/Brussels"),
            "2026-07-01 14:30:00",
        )

    def test_wrong_values_say_what_is_expected(self):
        self.assertIn("a text", self.refused("char", 5))
        self.assertIn(str(TEXT_MAX_CHARS), self.refused("text", "x" * (TEXT_MAX_CHARS + 1)))
        self.assertIn("whole number", self.refused("integer", 1.5))
        self.assertIn("whole number", self.refused("integer", True))
        self.assertIn("too large", self.refused("integer", 2**40))
        self.assertIn("too large", self.refused("integer", float("inf")))
        self.assertIn("too large", self.refused("float", 10**400))
        self.assertIn("a number", self.refused("float", float("nan")))
        self.assertIn("true or false", self.refused("boolean", "yes"))
        self.assertIn("YYYY-MM-DD", self.refused("date", "07/12/2026"))
        self.assertIn("YYYY-MM-DD HH:MM:SS", self.refused("datetime", "tomorrow"))
        self.assertIn("'draft'", self.refused("selection", "nope", ["draft", "sale"]))
        self.assertIn("id of a record", self.refused("many2one", -1))
        self.assertIn("list of record ids", self.refused("many2many", [1, "two"]))
        self.assertIn(str(MANY_MAX_IDS), self.refused("many2many", list(range(1, 200))))
        self.assertIn("cannot be written", self.refused("binary", "AAAA"))
        self.assertIn("cannot be written", self.refused("one2many", []))
