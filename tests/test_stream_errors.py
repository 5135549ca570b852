from pathlib import Path
from unittest.mock import patch

from odoo.tests import tagged

from ..lib import answers, error_codes
from .common import AiStreamChatCase
from .fake_llm import Reply


@tagged("post_install", "-at_install")
class TestStreamErrors(AiStreamChatCase):
    def test_every_error_code_has_words_and_is_in_the_wire_contract(self):
        messages = self.env["ai.chat.conversation"]._stream_error_messages()
        self.assertEqual(set(messages), set(error_codes.ALL))
        contract = (
            Path(__file__).resolve().parent.parent / "docs" / "wire-contract.md"
        ).read_text()
        listed = contract[contract.index("- `error.code`") :].split("\n- ")[0]
        self.assertEqual(
            {code for code in error_codes.ALL if f"`{code}`" in listed}, set(error_codes.ALL)
        )

    def assert_error(self, events, code):
        errors = self.of(events, "error")
        self.assertEqual(len(errors), 1, events)
        self.assertEqual(errors[0]["code"], code)
        done = events[-1]
        self.assertEqual(done[1], "done")
        self.assertEqual(done[2]["state"], "error")
        answer = self.env["ai.chat.message"].browse(done[2]["message_id"])
        self.assertEqual(answer.state, "error")
        self.assertEqual(answer.error_message, errors[0]["message"])
        for text in (errors[0]["message"], answer.error_message):
            self.assertNotIn("sk-test-secret-key", text)
            self.assertNotIn("Traceback", text)
        return answer

    def test_http_errors_become_error_events(self):
        for status, code in (
            (401, "auth"),
            (403, "forbidden"),
            (404, "not_found"),
            (429, "rate_limit"),
            (500, "server"),
            (503, "server"),
        ):
            with self.subTest(status=status):
                body = {"error": {"message": "Incorrect API key provided: sk-test-secret-key"}}
                self.fake.script(Reply(status=status, error_body=body))
                with self.assertLogs(
                    "odoo.addons.ai_stream_chat.lib.generation", "WARNING"
                ) as logs:
                    events, _response = self.chat("Hi")
                answer = self.assert_error(events, code)
                self.assertFalse(answer.content)
                self.assertNotIn("sk-test-secret-key", "\n".join(logs.output))

    def test_a_redirect_is_not_followed(self):
        self.fake.script(Reply(redirect=True))
        events, _response = self.chat("Hi")
        self.assert_error(events, "redirect")
        self.assertEqual([r["path"] for r in self.fake.requests], ["/v1/chat/completions"])

    def test_error_details_are_scrubbed_and_cut_in_the_log(self):
        echo = "the prompt echoed back " * 500
        for reply in (
            Reply(status=400, error_body={"error": {"message": "sk-test-secret-key " + echo}}),
            Reply(chunks=["Hal"], error_chunk={"message": "sk-test-secret-key " + echo}),
        ):
            with (
                self.subTest(reply=reply.status),
                self.assertLogs("odoo.addons.ai_stream_chat.lib.generation", "WARNING") as logs,
            ):
                self.fake.script(reply)
                self.chat("Hi")
            output = "\n".join(logs.output)
            self.assertNotIn("sk-test-secret-key", output)
            self.assertLess(len(output), 1000)

    def test_reasoning_is_cut_like_the_answer(self):
        self.fake.script(Reply(reasoning=["think " * 10] * 5, chunks=["Done."]))
        self.set_param("max_answer_chars", "120")
        events, _response = self.chat("Hi")
        answer = self.assert_error(events, "too_long")
        self.assertEqual(len(answer.reasoning), 120)
        self.assertEqual(
            "".join(d["content"] for d in self.of(events, "reasoning")), answer.reasoning
        )

    def test_dropped_connection_keeps_partial_answer(self):
        self.fake.script(Reply(chunks=["one ", "two ", "three"], drop_after=2))
        events, _response = self.chat("Hi")
        answer = self.assert_error(events, "connection")
        self.assertEqual(answer.content, "one two ")
        self.assertEqual("".join(d["content"] for d in self.of(events, "delta")), "one two ")

    def test_malformed_chunk(self):
        self.fake.script(Reply(chunks=["fine ", "then"], malformed_after=1))
        events, _response = self.chat("Hi")
        answer = self.assert_error(events, "malformed")
        self.assertEqual(answer.content, "fine ")

    def test_silent_upstream_times_out(self):
        self.set_param("timeout", "1")
        self.fake.script(Reply(hang=True))
        events, _response = self.chat("Hi")
        self.assert_error(events, "timeout")

    def test_unreachable_upstream(self):
        self.set_param("api_url", "http://127.0.0.1:9/v1")
        events, _response = self.chat("Hi")
        self.assert_error(events, "connection")

    def test_stream_ends_itself_before_its_deadline_with_heartbeats(self):
        self.set_param("max_stream_seconds", "2")
        self.fake.script(Reply(hang=True))
        with patch.object(answers, "PING_INTERVAL", 0.3):
            response = self.open_stream(message="Hi")
            events = list(self.events(response))
        self.env.invalidate_all()
        self.assertGreaterEqual(
            len([e for e in events if e[1] == ":"]), 3, "no heartbeat while silent"
        )
        self.assert_error([e for e in events if e[1] != ":"], "deadline")
