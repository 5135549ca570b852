"""Portal and public users are refused by every chat route and method before any work."""

import base64
from unittest.mock import patch

from odoo import http
from odoo.tests import JsonRpcException, new_test_user, tagged

from .common import STREAM_URL, AiStreamChatCase

UPLOAD_URL = STREAM_URL + "/upload"


@tagged("post_install", "-at_install")
class TestInternalOnly(AiStreamChatCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal = new_test_user(cls.env, login="chat_portal", groups="base.group_portal")

    def counts(self):
        self.env.invalidate_all()
        return tuple(
            self.env[model].sudo().search_count([])
            for model in ("ai.chat.conversation", "ai.chat.message", "ir.attachment")
        )

    def test_routes_refuse_portal_users_before_any_work(self):
        before = self.counts()
        Conversation = self.registry["ai.chat.conversation"]
        Document = self.registry["ai.chat.attachment"]
        with (
            patch.object(Conversation, "_stream_prepare") as prepare,
            patch.object(Document, "_upload") as upload,
        ):
            response = self.open_stream(login="chat_portal", message="Hi")
            self.assertEqual(response.status_code, 403, response.text)
            self.authenticate("chat_portal", "chat_portal")
            response = self.opener.post(
                self.base_url() + UPLOAD_URL,
                files={
                    "file": ("notes.txt", b"Quarterly numbers", "text/plain"),
                },
                data={"csrf_token": http.Request.csrf_token(self)},
                allow_redirects=False,
            )
            self.assertEqual(response.status_code, 403, response.text)
        prepare.assert_not_called()
        upload.assert_not_called()
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.fake.requests, [])

    def test_methods_refuse_portal_users(self):
        events, _response = self.chat("Mine")
        conversation_id = events[0][2]["conversation_id"]
        attachment = self.env["ir.attachment"].create(
            {
                "name": "x.txt",
                "datas": base64.b64encode(b"x"),
                "res_model": "ai.chat.conversation",
                "res_id": 0,
            }
        )
        self.authenticate("chat_portal", "chat_portal")
        calls = (
            ("chat_config", [], {}),
            ("chat_list", [], {}),
            ("chat_messages", [[conversation_id]], {}),
            ("chat_attach_record", ["res.partner", self.portal.partner_id.id], {}),
            ("chat_discard_attachments", [[attachment.id]], {}),
        )
        for method, args, kwargs in calls:
            with self.subTest(method=method):
                with self.assertRaises(JsonRpcException) as caught:
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw",
                        {
                            "model": "ai.chat.conversation",
                            "method": method,
                            "args": args,
                            "kwargs": kwargs,
                        },
                    )
                self.assertIn("AccessError", str(caught.exception))
        self.assertTrue(attachment.exists())
