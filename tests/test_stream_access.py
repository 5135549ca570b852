from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import STREAM_URL, AiStreamChatCase
from .fake_llm import Reply


@tagged("post_install", "-at_install")
class TestStreamAccess(AiStreamChatCase):
    def counts(self):
        self.env.invalidate_all()
        return (
            self.env["ai.chat.conversation"].sudo().search_count([]),
            self.env["ai.chat.message"].sudo().search_count([]),
        )

    def assert_refused(self, status, text, **fields):
        before = self.counts()
        response = self.open_stream(**fields)
        self.assertEqual(response.status_code, status, response.text)
        self.assertIn(text, response.text)
        self.assertEqual(self.counts(), before, "a refused request created rows")
        return response

    def test_bad_input_is_refused_before_streaming(self):
        self.assert_refused(400, "empty", message="   ")
        self.assert_refused(400, "empty")
        self.assert_refused(400, "Unknown model", message="Hi", model="gpt-9")
        self.assert_refused(400, "numbers", message="Hi", attachment_ids="1,x")
        self.assert_refused(
            404, "Attachment not found", message="Hi", attachment_ids="999998,999999"
        )
        self.set_param("max_message_chars", "10")
        self.assert_refused(400, "longer than 10", message="x" * 11)
        events, _response = self.chat("x" * 10)  # read to the end: no request left behind
        self.assertEqual(events[-1][2]["state"], "done")

    def test_conversation_of_another_user_is_not_found(self):
        events, _response = self.chat("Mine", login="chat_a")
        conversation_id = events[0][2]["conversation_id"]
        self.assert_refused(
            404, "not found", login="chat_b", message="Hi", conversation_id=conversation_id
        )
        self.assert_refused(
            404, "not found", login="chat_a", message="Hi", conversation_id="999999999"
        )
        self.assert_refused(404, "not found", login="chat_a", message="Hi", conversation_id="abc")
        # Even an administrator cannot post into someone else's chat.
        self.assert_refused(
            404, "not found", login="admin", message="Hi", conversation_id=conversation_id
        )

    def test_rows_are_private(self):
        events, _response = self.chat("Secret plans", login="chat_a")
        conversation_id = events[0][2]["conversation_id"]
        Conversation = self.env["ai.chat.conversation"]
        Message = self.env["ai.chat.message"]
        self.assertFalse(Conversation.with_user(self.user_b).search([]))
        self.assertFalse(Message.with_user(self.user_b).search([]))
        with self.assertRaises(AccessError):
            Conversation.with_user(self.user_b).browse(conversation_id).read(["name"])
        with self.assertRaises(AccessError):
            Message.with_user(self.user_b).browse(events[0][2]["message_id"]).read(["content"])
        with self.assertRaises(AccessError):
            Conversation.with_user(self.user_b).create({"name": "x", "user_id": self.user_a.id})
        self.assertEqual(Conversation.with_user(self.user_a).search([]).ids, [conversation_id])
        admin = self.env.ref("base.user_admin")
        self.assertIn(conversation_id, Conversation.with_user(admin).search([]).ids)

    def test_csrf_and_session_are_required(self):
        self.assert_refused(400, "CSRF", message="Hi", csrf=False)
        response = self.open_stream(login=None, message="Hi")
        self.assertEqual(response.status_code, 303)
        self.assertIn("/web/login", response.headers["Location"])
        self.authenticate("chat_a", "chat_a")
        response = self.url_open(STREAM_URL, allow_redirects=False)
        self.assertEqual(response.status_code, 405)

    def test_concurrent_streams_are_limited(self):
        self.set_param("max_streams", "1")
        self.fake.script(Reply(hang=True))
        first = self.open_stream(message="One")
        first_events = self.events(first)
        self.assertEqual(next(first_events)[1], "start")
        self.assert_refused(429, "streaming", message="Two")
        self.fake.release()
        self.assertEqual(list(first_events)[-1][1], "done")
