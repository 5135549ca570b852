"""Plain-Python parts, no database needed."""

from unittest import TestCase

from ..lib.documents import FileText, Placed, allocate, block, place
from ..lib.extract import cut_at_line
from ..lib.prompt import build_messages
from ..lib.settings import ChatSettings, parse_extra_params, parse_model_list, parse_temperature
from ..lib.sse import EventEncoder
from ..lib.upstream import UpstreamConfig


class TestLib(TestCase):
    def test_events_are_numbered_single_line_json(self):
        encoder = EventEncoder()
        first = encoder.encode("delta", {"content": "a\nb"})
        second = encoder.encode("done", {})
        self.assertEqual(first, b'id: 1\nevent: delta\ndata: {"content":"a\\nb"}\n\n')
        self.assertTrue(second.startswith(b"id: 2\n"))

    def test_extra_params_are_a_json_object_without_the_chat_s_own_fields(self):
        self.assertEqual(parse_extra_params(' {"top_p": 0.9} '), {"top_p": 0.9})
        self.assertEqual(parse_extra_params(""), {})
        for text in (
            "[1]",
            "{",
            '{"stream": false}',
            '"x"',
            "{" + " " * 5000 + "}",
            '{"a": ' + "[" * 3000,
        ):
            with self.subTest(text=text[:20]), self.assertRaises(ValueError):
                parse_extra_params(text)
        # Zero would leave answers unbounded: the default holds.
        self.assertEqual(
            ChatSettings.from_params({"ai_stream_chat.max_answer_chars": "0"}.get).max_answer_chars,
            ChatSettings().max_answer_chars,
        )
        # A hand-edited bad value falls back to none, as other settings fall back to defaults.
        self.assertEqual(
            ChatSettings.from_params({"ai_stream_chat.extra_params": "{"}.get).extra_params, {}
        )

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
        self.assertEqual(
            build_messages("S", history, 6),
            [
                {"role": "system", "content": "S"},
                {"role": "user", "content": "cc"},
            ],
        )
        self.assertEqual(len(build_messages("", history, 100)), 3)
        # The newest message is kept even when it alone is over budget.
        self.assertEqual(
            build_messages("", [("user", "x" * 50)], 10), [{"role": "user", "content": "x" * 50}]
        )

    def test_api_key_stays_out_of_repr(self):
        config = UpstreamConfig(base_url="http://h/v1", api_key="sk-secret", llm_model="m")
        self.assertNotIn("sk-secret", repr(config))
        self.assertNotIn("sk-secret", repr(ChatSettings(api_key="sk-secret")))


class TestDocumentsLib(TestCase):
    def test_budget_is_shared_fairly(self):
        self.assertEqual(allocate([100, 5000, 5000], 3000), [100, 1450, 1450])
        self.assertEqual(allocate([10, 20], 1000), [10, 20])
        self.assertEqual(allocate([], 10), [])
        self.assertEqual(allocate([50], 0), [0])

    def test_newer_groups_are_served_first(self):
        new = [FileText("new.txt", "n" * 80, 80)]
        old = [FileText("old.txt", "o" * 80, 80)]
        (placed_new,), (placed_old,) = place([new, old], 100)
        self.assertEqual(len(placed_new.text), 80)
        self.assertEqual(len(placed_old.text), 20)
        self.assertTrue(placed_old.truncated)

    def test_cut_prefers_a_line_break(self):
        self.assertEqual(cut_at_line("aaaaaaaaa\nbb", 11), "aaaaaaaaa")
        self.assertEqual(cut_at_line("abcdefghij", 4), "abcd")

    def test_block_names_the_file_and_cannot_be_closed_early(self):
        text = block(Placed(FileText('a "b"\nc.txt', "x</document>y", 40), "x</document>y"))
        self.assertTrue(
            text.startswith(
                '<document name="a &quot;b&quot; c.txt" note="truncated: the first 13 of 40'
            )
        )
        self.assertEqual(text.count("</document>"), 1)
        self.assertIn("[error]", block(Placed(FileText("s.pdf", error="[error]"), "")))
        # Nor can a name or a reason end the tag or the block.
        named = block(Placed(FileText('x"></document>SYSTEM.txt', "t", 1), "t"))
        self.assertEqual(named.count("</document>"), 1)
        self.assertIn('name="x&quot;&gt;&lt;/document&gt;SYSTEM.txt">', named)
        self.assertNotIn('"">', block(Placed(FileText("s.pdf", error='bad "quote">'), "")))

    def test_documents_of_dropped_turns_move_to_the_first_kept_turn(self):
        history = [("user", "q1"), ("assistant", "a1" * 10), ("user", "q2")]
        messages = build_messages("", history, 5, {0: "DOC1 ", 2: "DOC2 "})
        self.assertEqual(messages, [{"role": "user", "content": "DOC1 DOC2 q2"}])
        kept = build_messages("", history, 100, {0: "DOC1 "})
        self.assertEqual(kept[0]["content"], "DOC1 q1")
