"""Plain-Python parts, no database needed."""
from unittest import TestCase

from ..lib.prompt import build_messages
from ..lib.settings import ChatSettings, parse_model_list, parse_temperature
from ..lib.sse import EventEncoder
from ..lib.upstream import UpstreamConfig


class TestLib(TestCase):
    def test_events_are_numbered_single_line_json(self):
        encoder = EventEncoder()
        first = encoder.encode("delta", {"content": "a\nb"})
        second = encoder.encode("done", {})
        self.assertEqual(first, b'id: 1\nevent: delta\ndata: {"content":"a\\nb"}\n\n')
        self.assertTrue(second.startswith(b"id: 2\n"))

    def test_settings_parse_and_fall_back(self):
        params = {
            "ai_stream_chat.models": "a, b\nb,,c",
            "ai_stream_chat.max_streams": "nope",
            "ai_stream_chat.timeout": "30",
        }
        settings = ChatSettings.from_params(params.get)
        self.assertEqual(settings.models, ("a", "b", "c"))
        self.assertEqual(settings.max_streams, 3)
        self.assertEqual(settings.timeout, 30)
        self.assertEqual(parse_model_list(""), [])
        self.assertIsNone(parse_temperature(" "))
        with self.assertRaises(ValueError):
            parse_temperature("3")

    def test_history_keeps_the_newest_within_budget(self):
        history = [("user", "aaaa"), ("assistant", "bbbb"), ("user", "cc")]
        self.assertEqual(build_messages("S", history, 6), [
            {"role": "system", "content": "S"}, {"role": "user", "content": "cc"},
        ])
        self.assertEqual(len(build_messages("", history, 100)), 3)
        # The newest message is kept even when it alone is over budget.
        self.assertEqual(build_messages("", [("user", "x" * 50)], 10), [{"role": "user", "content": "x" * 50}])

    def test_api_key_stays_out_of_repr(self):
        config = UpstreamConfig(base_url="http://h/v1", api_key="sk-secret", llm_model="m")
        self.assertNotIn("sk-secret", repr(config))
        self.assertNotIn("sk-secret", repr(ChatSettings(api_key="sk-secret")))
