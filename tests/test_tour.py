from odoo.tests import tagged

from .common import AiStreamChatCase
from .fake_llm import Reply

TABLE_AND_CODE = [
    "Overdue ", "invoices:\n\n", "| Customer | Amount |\n", "|---|---:|\n",
    "| Deco Addict | 4,150.00 |\n", "| Azure Interior | 870.00 |\n\n",
    "```python\n", "print(", "'remind')\n", "```\n",
]


@tagged("post_install", "-at_install")
class TestTour(AiStreamChatCase):
    def test_chat_tour(self):
        self.fake.script(
            Reply(chunks=TABLE_AND_CODE, delay=0.05),
            Reply(chunks=[f"Once upon a time {i}. " for i in range(400)], delay=0.05),
        )
        self.start_tour("/odoo/ai-chat", "ai_stream_chat_tour", login="admin", timeout=120)
        self.env.invalidate_all()
        admin = self.env.ref("base.user_admin")
        conversation = self.env["ai.chat.conversation"].search([("user_id", "=", admin.id)])
        self.assertEqual(len(conversation), 1)
        answers = conversation.message_ids.filtered(lambda m: m.role == "assistant")
        self.assertEqual(answers.mapped("state"), ["done", "stopped"])
        self.assertIn("<table>", answers[0].content_html)
        self.assertTrue(answers[1].content.startswith("Once upon a time 0."))
        self.assertLess(len(answers[1].content), len("".join(f"Once upon a time {i}. " for i in range(400))))
