from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged

from .common import AiStreamChatCase
from .fake_llm import Reply


@tagged("post_install", "-at_install")
class TestChatApi(AiStreamChatCase):
    def test_retry_answers_the_last_question_again_and_can_edit_it(self):
        self.fake.script(Reply(chunks=["A1"]), Reply(chunks=["A2"]), Reply(chunks=["A3"]))
        events, _response = self.chat("Q1")
        start = events[0][2]
        conversation = self.env["ai.chat.conversation"].browse(start["conversation_id"])

        events, _response = self.chat(
            None, conversation_id=conversation.id, retry_of=start["message_id"]
        )
        regenerated = events[0][2]
        self.assertEqual(regenerated["user_message_id"], start["user_message_id"])
        self.assertEqual(
            self.fake.requests[-1]["json"]["messages"][1:], [{"role": "user", "content": "Q1"}]
        )
        self.assertEqual(conversation.message_ids.mapped("content"), ["Q1", "A2"])

        self.chat("Q1 edited", conversation_id=conversation.id, retry_of=regenerated["message_id"])
        self.assertEqual(
            self.fake.requests[-1]["json"]["messages"][1:],
            [{"role": "user", "content": "Q1 edited"}],
        )
        self.assertEqual(conversation.message_ids.mapped("content"), ["Q1 edited", "A3"])

    def test_retry_of_anything_but_the_last_answer_is_refused(self):
        events, _response = self.chat("Q1")
        start = events[0][2]
        for fields in (
            {"conversation_id": start["conversation_id"], "retry_of": start["user_message_id"]},
            {"conversation_id": start["conversation_id"], "retry_of": "999999"},
            {"retry_of": start["message_id"]},
        ):
            with self.subTest(**fields):
                response = self.open_stream(**fields)
                self.assertEqual(response.status_code, 400, response.text)
        response = self.open_stream(
            login="chat_b", conversation_id=start["conversation_id"], retry_of=start["message_id"]
        )
        self.assertEqual(response.status_code, 404)

    def test_web_client_methods(self):
        self.fake.script(Reply(chunks=["Paris is the **capital**."]), Reply(chunks=["Berlin."]))
        events, _response = self.chat("Capital of France?")
        self.chat("Capital of Germany?")
        Conversation = self.env["ai.chat.conversation"].with_user(self.user_a)
        listed = Conversation.chat_list()
        self.assertEqual([c["name"] for c in listed], ["Capital of Germany?", "Capital of France?"])
        self.assertEqual([c["name"] for c in Conversation.chat_list(search="tokyo")], [])
        self.assertEqual(
            [c["name"] for c in Conversation.chat_list(search="paris")], ["Capital of France?"]
        )
        self.assertEqual(self.env["ai.chat.conversation"].with_user(self.user_b).chat_list(), [])

        conversation = Conversation.browse(events[0][2]["conversation_id"])
        question, answer = conversation.chat_messages()
        self.assertEqual((question["role"], question["content"]), ("user", "Capital of France?"))
        self.assertEqual(answer["html"], "<p>Paris is the <strong>capital</strong>.</p>")
        self.assertEqual(answer["state"], "done")
        # A row still streaming shows what was saved so far, rendered.
        self.env["ai.chat.message"].browse(answer["id"]).write(
            {"state": "streaming", "content": "Half *way*", "content_html": False}
        )
        self.assertEqual(conversation.chat_messages()[1]["html"], "<p>Half <em>way</em></p>")

        admin = self.env.ref("base.user_admin")
        with self.assertRaises(AccessError):
            conversation.with_user(admin).chat_messages()
        with self.assertRaises(AccessError):
            conversation.with_user(self.user_b).chat_messages()
        config = Conversation.chat_config()
        self.assertEqual(
            config,
            {
                "models": ["fake-model", "other-model"],
                "default_model": "fake-model",
                "max_message_chars": 32000,
                "max_file_bytes": 10 * 1024 * 1024,
                "max_attachments": 10,
                "document_chars": 60000,
            },
        )

    def test_sizes_written_directly_are_bounded(self):
        Conversation = self.env["ai.chat.conversation"].with_user(self.user_a)
        conversation = Conversation.sudo().create({"name": "ok"}).sudo(False)
        with self.assertRaises(ValidationError):
            conversation.write({"name": "x" * 201})
        with self.assertRaises(ValidationError):
            self.env["ai.chat.message"].with_user(self.user_a).sudo().create(
                {
                    "conversation_id": conversation.id,
                    "role": "user",
                    "content": "x" * 400_001,
                }
            )
        self.assertEqual(Conversation.chat_list(limit=-5, offset=-3)[0]["name"], "ok")
