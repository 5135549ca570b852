# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Transactions that must see what other transactions committed meanwhile."""

from contextlib import contextmanager

from odoo import api


@contextmanager
def read_committed(registry, uid, context):
    """An environment on a transaction of its own, READ COMMITTED: each statement sees what others
    committed before it, and an UPDATE that waited for a row lock sees that row as it was
    committed (Odoo's REPEATABLE READ would fail with a serialization error instead). In tests
    every cursor is the test's, which sees everything anyway."""
    with registry.cursor() as cr:
        if not registry.in_test_mode():
            cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
        yield api.Environment(cr, uid, context)
