"""A record as prompt text: lib/record_text.py alone, then ai.chat.record.context on records."""

from datetime import date
from unittest import TestCase

from lxml import etree

from odoo.exceptions import AccessError, MissingError
from odoo.tests import TransactionCase, new_test_user, tagged

from ..lib.record_text import cut_text, markdown_table, record_markdown, table_cell


class TestRecordText(TestCase):
    def test_cells_are_escaped_and_stay_on_one_line(self):
        self.assertEqual(table_cell("a | b\nc\\d"), "a \\| b c\\\\d")
        self.assertEqual(table_cell("x" * 10, max_chars=5), "xxxx…")
        table, note = markdown_table(["Name", "Note|x"], [["A|1", "line 1\nline 2"], ["B"]])
        self.assertEqual(
            table.splitlines(),
            [
                "| Name | Note\\|x |",
                "| --- | --- |",
                "| A\\|1 | line 1 line 2 |",
                "| B |  |",
            ],
        )
        self.assertEqual(note, "")

    def test_tables_bound_rows_and_columns_and_say_so(self):
        rows = [[str(i), "x", "y"] for i in range(10)]
        table, note = markdown_table(
            ["A", "B", "C"], rows, total_rows=120, max_columns=2, max_rows=4
        )
        lines = table.splitlines()
        self.assertEqual(lines[0], "| A | B |")
        self.assertEqual(len(lines), 2 + 4)
        self.assertEqual(lines[-1], "| 3 | x |")
        self.assertEqual(note, "showing 4 of 120 lines")
        text = record_markdown("T", "Kind (m, id 1)", tables=[("Lines", ["A"], rows, 120)])
        self.assertIn("## Lines (showing 10 of 120 lines)\n| A |", text)

    def test_layout_fields_tables_messages(self):
        text = record_markdown(
            "Azure\nInterior",
            "Contact (res.partner, id 7)",
            fields=[("Email", "a@b.c"), ("Notes", "one\n\n\ntwo")],
            messages=[("Ann", "01/02/2026", "Hello")],
        )
        self.assertEqual(
            text,
            (
                "# Azure Interior\nContact (res.partner, id 7)\n\n"
                "- **Email:** a@b.c\n- **Notes:** one\n  two\n\n"
                "## Messages (last 1, newest last)\n\n**Ann** — 01/02/2026\nHello"
            ),
        )

    def test_cut_at_a_line_break_with_a_note(self):
        text = "\n".join(f"line {i:03d}" for i in range(200))
        cut = cut_text(text, 300)
        self.assertLessEqual(len(cut), 300)
        self.assertIn("[Cut: the record's text has 1799 characters", cut)
        self.assertRegex(cut, r"line \d{3}\n\n\[Cut")
        self.assertEqual(cut_text("short", 300), "short")
        self.assertEqual(cut_text(text, 10), text[:10])


@tagged("post_install", "-at_install")
class TestRecordContext(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_a = new_test_user(cls.env, login="rec_a", groups="base.group_user", name="Ann")
        cls.user_b = new_test_user(cls.env, login="rec_b", groups="base.group_user", name="Bob")
        cls.category = cls.env["res.partner.category"].create({"name": "Premium Test"})
        cls.company = cls.env["res.partner"].create(
            {
                "name": "Azure Test Co",
                "is_company": True,
                "email": "azure@example.com",
                "city": "Lyon",
                "category_id": [(6, 0, cls.category.ids)],
                "child_ids": [
                    (0, 0, {"name": "Carla | Child", "email": "carla@example.com"}),
                    (0, 0, {"name": "Dan Child", "email": "dan@example.com"}),
                ],
            }
        )
        cls.Context = cls.env["ai.chat.record.context"].with_user(cls.user_a)

    def test_partner_text_has_main_fields_tags_and_children(self):
        title, text = self.Context._record_text("res.partner", self.company.id)
        self.assertEqual(title, "Azure Test Co")
        self.assertTrue(
            text.startswith(f"# Azure Test Co\nContact (res.partner, id {self.company.id})\n"), text
        )
        self.assertIn("azure@example.com", text)
        self.assertIn("Lyon", text)
        self.assertIn("Premium Test", text)
        self.assertNotIn("image_1920", text)
        self.assertNotIn("message_", text)
        self.assertNotIn("Tax ID Label", text)  # in a warning banner
        self.assertNotIn("- **Name:**", text)  # the heading has it
        rows = [line for line in text.splitlines() if line.startswith("| ")]
        self.assertTrue(
            any("Carla \\| Child" in row and "carla@example.com" in row for row in rows), text
        )
        self.assertTrue(any("dan@example.com" in row for row in rows), text)

    def test_one2many_lines_are_bounded(self):
        self.company.write({"child_ids": [(0, 0, {"name": f"Extra {i}"}) for i in range(55)]})
        _title, text = self.Context._record_text("res.partner", self.company.id)
        self.assertIn("(showing 50 of 57 lines)", text)

    def test_form_layout_keeps_shown_readable_fields_in_order(self):
        arch = etree.fromstring("""
            <form>
                <div name="button_box"><button name="x"><field name="color"/></button></div>
                <div class="alert alert-warning"><field name="vat"/></div>
                <field name="email"/>
                <field name="name"/>
                <field name="phone" invisible="1"/>
                <group invisible="True"><field name="website"/></group>
                <group><field name="city" invisible="not is_company"/><field name="email"/></group>
                <field name="image_1920"/>
                <field name="child_ids"><list><field name="name"/></list></field>
                <field name="no_such_field"/>
            </form>""")
        Partner = self.env["res.partner"].with_user(self.user_a)
        layout = self.Context._record_form_layout(arch, Partner.fields_get())
        self.assertEqual([name for name, _node in layout], ["email", "name", "city", "child_ids"])

    def test_values_as_text(self):
        company = self.env.company.with_user(self.user_a)
        text = self.Context._record_value_text
        self.assertEqual(text(company, {"type": "boolean"}, False), "No")
        self.assertEqual(text(company, {"type": "char"}, False), "")
        self.assertEqual(text(company, {"type": "many2one"}, (7, "Seven")), "Seven")
        self.assertEqual(
            text(company, {"type": "selection", "selection": [("a", "Alpha")]}, "a"), "Alpha"
        )
        self.assertEqual(text(company, {"type": "date"}, date(2026, 3, 4)), "03/04/2026")
        self.assertEqual(text(company, {"type": "html"}, "<p>Hi <b>you</b></p>"), "Hi *you*")
        self.assertEqual(text(company, {"type": "float", "digits": (16, 3)}, 1234.5), "1,234.500")
        money = text(company, {"type": "monetary", "currency_field": "currency_id"}, 1234.5)
        self.assertIn("1,234.50", money)
        self.assertIn(company.currency_id.symbol, money)
        categories = self.env["res.partner.category"].create([{"name": f"C{i}"} for i in range(22)])
        tags = text(
            company, {"type": "many2many", "relation": "res.partner.category"}, categories.ids
        )
        self.assertTrue(tags.startswith("C0, C1, "))
        self.assertTrue(tags.endswith("C19 and 2 more"), tags)

    def test_another_users_conversation_is_refused(self):
        conversation = (
            self.env["ai.chat.conversation"].with_user(self.user_b).sudo().create({"name": "x"})
        )
        with self.assertRaises(AccessError):
            self.Context._record_text("ai.chat.conversation", conversation.id)
        title, _text = self.Context.with_user(self.user_b)._record_text(
            "ai.chat.conversation", conversation.id
        )
        self.assertEqual(title, "x")

    def test_unknown_abstract_and_missing_records_are_refused(self):
        for res_model in ("no.such.model", "ai.chat.record.context", "res.config.settings", None):
            with self.subTest(res_model=res_model), self.assertRaises(AccessError):
                self.Context._record_text(res_model, 1)
        # A model the user has no access right on at all.
        with self.assertRaises(AccessError):
            param = self.env["ir.config_parameter"].search([], limit=1)
            self.Context._record_text("ir.config_parameter", param.id)
        for res_id in (0, -1, "abc", 10**9):
            with self.subTest(res_id=res_id), self.assertRaises(MissingError):
                self.Context._record_text("res.partner", res_id)

    def test_secret_holding_models_are_refused_to_administrators_too(self):
        admin = self.env.ref("base.user_admin")
        Context = self.env["ai.chat.record.context"].with_user(admin)
        server = self.env["ir.mail_server"].create(
            {
                "name": "Outgoing",
                "smtp_host": "smtp.example.com",
                "smtp_authentication": "login",
                "smtp_user": "odoo",
                "smtp_pass": "hunter2-secret",
            }
        )
        param = self.env["ir.config_parameter"].search([], limit=1)
        for res_model, res_id in (("ir.mail_server", server.id), ("ir.config_parameter", param.id)):
            with self.subTest(res_model=res_model), self.assertRaises(AccessError):
                Context._record_text(res_model, res_id)
        self.assertEqual(Context._record_text("res.partner", self.company.id)[0], "Azure Test Co")
        self.env["ir.config_parameter"].set_param(
            "ai_stream_chat.denied_models", "res.partner.category, res.partner"
        )
        with self.assertRaises(AccessError):
            Context._record_text("res.partner", self.company.id)

    def test_password_fields_and_fields_hidden_for_the_record_are_left_out(self):
        arch = etree.fromstring("""
            <form>
                <field name="email" password="True"/>
                <field name="name"/>
                <group invisible="not is_company"><field name="website"/></group>
                <field name="city" invisible="is_company"/>
                <field name="phone" invisible="parent_id and not is_company"/>
                <field name="mobile" invisible="no_such_name.get('x')"/>
                <field name="ref" invisible="context.get('hide_ref')"/>
            </form>""")
        Partner = self.env["res.partner"].with_user(self.user_a)
        fields_info = Partner.fields_get()
        person = Partner.browse(self.company.child_ids[0].id)
        layout = self.Context._record_form_layout(arch, fields_info, person)
        self.assertEqual([name for name, _node in layout], ["name", "city", "ref"])
        company = Partner.browse(self.company.id)
        layout = self.Context._record_form_layout(arch, fields_info, company)
        self.assertEqual([name for name, _node in layout], ["name", "website", "phone", "ref"])
        for name in (
            "smtp_pass",
            "password",
            "new_passwd",
            "client_secret",
            "x_api_key",
            "access_token",
        ):
            self.assertFalse(
                self.Context._record_field_wanted(name, {name: {"type": "char"}}), name
            )
        self.assertTrue(self.Context._record_field_wanted("compass", {"compass": {"type": "char"}}))

    def test_max_chars_cuts_with_a_note(self):
        _title, full = self.Context._record_text("res.partner", self.company.id)
        _title, text = self.Context._record_text("res.partner", self.company.id, max_chars=150)
        self.assertLessEqual(len(text), 150)
        self.assertTrue(text.startswith("# Azure Test Co\n"))
        self.assertIn(f"[Cut: the record's text has {len(full)} characters", text)

    def test_messages_are_included_on_request(self):
        if self.env.registry.get("mail.thread") is None:
            self.skipTest("the mail module is not installed")
        self.company.message_post(
            body="Customer asked for a discount.",
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self.company.message_post(
            body="Second message.", message_type="comment", subtype_xmlid="mail.mt_note"
        )
        _title, without = self.Context._record_text("res.partner", self.company.id)
        self.assertNotIn("discount", without)
        _title, text = self.Context._record_text("res.partner", self.company.id, with_messages=True)
        self.assertIn("## Messages (last 2, newest last)", text)
        self.assertLess(text.index("Customer asked for a discount."), text.index("Second message."))
        self.assertIn("(internal note)", text.split("Customer asked")[1])
