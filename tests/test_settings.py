from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models.ai_chat_conversation import AiChatConversation
from .common import AiStreamChatCase


@tagged("post_install", "-at_install")
class TestSettings(AiStreamChatCase):
    def test_api_key_is_for_administrators_only(self):
        Settings = self.env["res.config.settings"]
        field = Settings._fields["ai_stream_chat_api_key"]
        self.assertEqual(field.groups, "base.group_system")
        with self.assertRaises(AccessError):
            self.env["ir.config_parameter"].with_user(self.user_a).search(
                [("key", "like", "ai_stream_chat")]
            ).read(["value"])
        with self.assertRaises(AccessError):
            Settings.with_user(self.user_a).create({}).read(["ai_stream_chat_api_url"])
        admin = self.env.ref("base.user_admin")
        values = Settings.with_user(admin).create({}).read(["ai_stream_chat_api_key"])[0]
        self.assertEqual(values["ai_stream_chat_api_key"], "sk-test-secret-key")

    def test_settings_are_saved_as_system_parameters(self):
        admin = self.env.ref("base.user_admin")
        settings = (
            self.env["res.config.settings"]
            .with_user(admin)
            .create(
                {
                    "ai_stream_chat_model": " deepseek-chat ",
                    "ai_stream_chat_models": "deepseek-reasoner, gpt-4o",
                    "ai_stream_chat_temperature": "0",
                    "ai_stream_chat_max_streams": 5,
                }
            )
        )
        settings.execute()
        chat = self.env["ai.chat.conversation"]._get_chat_settings()
        self.assertEqual(chat.model, "deepseek-chat")
        self.assertEqual(chat.allowed_models, ["deepseek-chat", "deepseek-reasoner", "gpt-4o"])
        self.assertEqual(chat.temperature, 0.0)
        self.assertEqual(chat.max_streams, 5)
        bad = (
            self.env["res.config.settings"]
            .with_user(admin)
            .create({"ai_stream_chat_temperature": "hot"})
        )
        with self.assertRaises(UserError):
            bad.execute()

    def test_extra_request_parameters_reach_the_ai_service(self):
        admin = self.env.ref("base.user_admin")
        self.env["res.config.settings"].with_user(admin).create(
            {
                "ai_stream_chat_extra_params": '{"top_p": 0.5, "provider": {"order": ["A", "B"]}}',
            }
        ).execute()
        self.chat("Hi")
        body = self.fake.requests[-1]["json"]
        self.assertEqual((body["top_p"], body["provider"]), (0.5, {"order": ["A", "B"]}))
        self.assertEqual(body["model"], "fake-model")
        for text, problem in (
            ("[1, 2]", "not a JSON object"),
            ('{"top_p": ', "not JSON"),
            ('{"model": "other"}', "set by the chat itself: model"),
        ):
            with self.subTest(text=text):
                settings = (
                    self.env["res.config.settings"]
                    .with_user(admin)
                    .create(
                        {
                            "ai_stream_chat_extra_params": text,
                        }
                    )
                )
                with self.assertRaisesRegex(UserError, problem):
                    settings.execute()
        self.assertEqual(
            self.env["ai.chat.conversation"]._get_chat_settings().extra_params["top_p"], 0.5
        )

    def test_another_addon_adds_provider_options_by_overriding_one_method(self):
        options = AiChatConversation._stream_request_options

        def with_gateway(conversation, settings, llm_model):
            body, headers = options(conversation, settings, llm_model)
            return {**body, "reasoning_effort": "low"}, {**headers, "X-Gateway-Team": "sales"}

        with patch.object(AiChatConversation, "_stream_request_options", with_gateway):
            self.chat("Hi")
        request = self.fake.requests[-1]
        self.assertEqual(request["json"]["reasoning_effort"], "low")
        self.assertEqual(request["headers"]["x-gateway-team"], "sales")

    def test_connection_check_lists_models_or_explains(self):
        admin = self.env.ref("base.user_admin")
        settings = self.env["res.config.settings"].with_user(admin).create({})
        action = settings.action_ai_stream_chat_test_connection()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("fake-model, other-model", action["params"]["message"])
        self.assertEqual(
            self.fake.requests[-1]["headers"]["authorization"], "Bearer sk-test-secret-key"
        )

        self.fake.models_status = 401
        with self.assertRaisesRegex(UserError, "rejected the API key"):
            settings.action_ai_stream_chat_test_connection()
        settings.ai_stream_chat_api_url = "http://127.0.0.1:9/v1"
        with self.assertRaisesRegex(UserError, "could not be reached"):
            settings.action_ai_stream_chat_test_connection()
        settings.ai_stream_chat_api_url = "not a url"
        with self.assertRaises(UserError):
            settings.action_ai_stream_chat_test_connection()
