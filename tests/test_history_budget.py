"""A prompt reads only the history that fits its budget, not the whole conversation."""

from unittest.mock import patch

from odoo.tests import tagged

from .common import AiStreamChatCase

TURN_CHARS = 1000


@tagged("post_install", "-at_install")
class TestHistoryBudget(AiStreamChatCase):
    def setUp(self):
        super().setUp()
        Message = self.env["ai.chat.message"]
        self.conversation = self.env["ai.chat.conversation"].create(
            {"user_id": self.user_a.id, "name": "Long"}
        )
        rows = []
        for turn in range(20):
            for role in ("user", "assistant"):
                rows.append(
                    {
                        "conversation_id": self.conversation.id,
                        "role": role,
                        "content": f"{role} {turn} ".ljust(TURN_CHARS, "x"),
                    }
                )
        self.messages = Message.create(rows)
        self.file = (
            self.env["ir.attachment"]
            .with_user(self.user_a)
            .create(
                {
                    "name": "plan.txt",
                    "raw": b"Budget 2026: 42 kEUR.",
                    "res_model": "ai.chat.conversation",
                    "res_id": self.conversation.id,
                }
            )
        )
        self.messages[0].attachment_ids = self.file
        self.set_param("history_chars", str(4 * TURN_CHARS + 500))

    def prompt(self):
        """The messages the upstream would receive, the answer left unstarted."""
        self.env.invalidate_all()
        Conversation = self.env["ai.chat.conversation"].with_user(self.user_a)
        with patch.object(
            type(Conversation),
            "_stream_relay",
            lambda self, _settings, _q, _a, messages, _c: messages,
        ):
            messages = Conversation._stream_prepare(
                "Newest?", conversation_id=str(self.conversation.id)
            )
        self.env["ai.chat.message"]._answer_hub().release()  # its place: never started
        return messages

    def test_only_turns_that_fit_are_read(self):
        messages = self.prompt()
        turns = [m["content"] for m in messages[1:]]
        self.assertEqual(
            [t.split(" x")[0].split("</document>")[-1].strip()[:12] for t in turns],
            ["user 18", "assistant 18", "user 19", "assistant 19", "Newest?"],
        )
        self.assertIn("42 kEUR", turns[0], "a dropped question's file moves forward")
        content = self.env["ai.chat.message"]._fields["content"]
        read = [m for m in self.messages if self.env.cache.contains(m, content)]
        self.assertEqual(read, list(self.messages[-4:]))

    def test_the_newest_turn_alone_may_exceed_the_budget(self):
        self.set_param("history_chars", "10")
        messages = self.prompt()
        self.assertEqual(len(messages), 2)
        self.assertTrue(messages[1]["content"].endswith("Newest?"))
