from odoo.tests import tagged

from .common import AiStreamChatCase
from .fake_llm import Reply
from .test_tools import calls

TABLE_AND_CODE = [
    "Overdue ",
    "invoices:\n\n",
    "| Customer | Amount |\n",
    "|---|---:|\n",
    "| Deco Addict | 4,150.00 |\n",
    "| Azure Interior | 870.00 |\n\n",
    "```python\n",
    "print(",
    "'remind')\n",
    "```\n",
]


@tagged("post_install", "-at_install")
class TestTour(AiStreamChatCase):
    def test_chat_tour(self):
        self.fake.script(
            Reply(chunks=TABLE_AND_CODE, delay=0.05),
            Reply(chunks=[f"Once upon a time {i}. " for i in range(400)], delay=0.05),
            Reply(chunks=["The file gives ", "the code word HERON."]),
        )
        self.start_tour("/odoo/ai-chat", "ai_stream_chat_tour", login="admin", timeout=120)
        self.env.invalidate_all()
        admin = self.env.ref("base.user_admin")
        conversation = self.env["ai.chat.conversation"].search([("user_id", "=", admin.id)])
        self.assertEqual(len(conversation), 1)
        answers = conversation.message_ids.filtered(lambda m: m.role == "assistant")
        self.assertEqual(answers.mapped("state"), ["done", "stopped", "done"])
        self.assertIn("<table>", answers[0].content_html)
        self.assertTrue(answers[1].content.startswith("Once upon a time 0."))
        self.assertLess(
            len(answers[1].content), len("".join(f"Once upon a time {i}. " for i in range(400)))
        )
        question = conversation.message_ids.filtered(lambda m: m.role == "user")[2]
        self.assertEqual(question.attachment_ids.mapped("name"), ["terms.txt"])
        self.assertIn("code word HERON", self.fake.requests[-1]["json"]["messages"][-1]["content"])

    def test_reload_mid_answer(self):
        words = [f"word{i} " for i in range(40)] + ["end"]
        self.fake.script(Reply(chunks=words, delay=0.15))
        self.start_tour("/odoo/ai-chat", "ai_stream_chat_reload_tour", login="admin", timeout=120)
        self.env.invalidate_all()
        answer = self.env["ai.chat.message"].search(
            [("role", "=", "assistant")], order="id desc", limit=1
        )
        self.assertEqual((answer.state, answer.content), ("done", "".join(words)))

    def test_ask_ai_on_a_record(self):
        partner = self.env["res.partner"].create({"name": "Nordwind Traders", "city": "Lübeck"})
        self.fake.script(Reply(chunks=["They are in ", "Lübeck."]))
        url = f"/odoo/action-base.action_partner_form/{partner.id}"
        self.start_tour(url, "ai_stream_chat_ask_record_tour", login="admin", timeout=120)
        prompt = self.fake.requests[-1]["json"]["messages"][-1]["content"]
        self.assertIn('<document name="Nordwind Traders.md">', prompt)
        self.assertIn("Lübeck", prompt)

    def test_a_proposed_change_is_approved_in_the_chat(self):
        partner = self.env["res.partner"].create({"name": "Nordwind Traders", "city": "Lübeck"})
        self.set_param("write_tools", "True")
        update = (
            "update_record",
            {"model": "res.partner", "id": partner.id, "values": {"city": "Bruges"}},
        )
        self.fake.script(
            Reply(chunks=[], tool_calls=calls(update)),
            Reply(chunks=["They are ", "now in Bruges."]),
        )
        self.start_tour("/odoo/ai-chat", "ai_stream_chat_proposal_tour", login="admin", timeout=120)
        self.env.invalidate_all()
        self.assertEqual(partner.city, "Bruges")
        proposal = self.env["ai.chat.proposal"].search([("res_id", "=", partner.id)])
        self.assertEqual(
            (proposal.state, proposal.decided_by), ("done", self.env.ref("base.user_admin"))
        )
        self.assertIn('"status": "done"', self.fake.requests[-1]["json"]["messages"][-1]["content"])
