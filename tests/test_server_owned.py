"""Answers belong to the server: they outlive their viewers, stop on request, and any tab can
follow them from where they are (resume), in this process or from the database."""

import threading
import time
from unittest.mock import patch

from odoo import http
from odoo.tests import tagged

from ..lib.hub import Hub
from ..models import ai_chat_conversation
from ..models import ai_chat_message_progress as progress
from .common import STREAM_URL, AiStreamChatCase
from .fake_llm import Reply

RESUME_URL, STOP_URL = STREAM_URL + "/resume", STREAM_URL + "/stop"


def viewer_blocks(events):
    """The HTML a viewer shows: blocks replaced by `sync`, then changed by each `render`."""
    blocks = []
    for _id, event, data in events:
        if event == "sync":
            blocks = list(data["blocks"])
        elif event == "render":
            del blocks[data["from_block"] :]
            blocks.extend(data["blocks"])
    return "".join(blocks)


def viewer_text(events, text=""):
    """The text a viewer shows: replaced by `sync`, extended by each `delta`."""
    for _id, event, data in events:
        if event == "sync":
            text = data["content"]
        elif event == "delta":
            text += data["content"]
    return text


@tagged("post_install", "-at_install")
class TestServerOwned(AiStreamChatCase):
    def resume(self, message_id, login="chat_a", **params):
        self.authenticate(login, login)
        return self.opener.get(
            self.base_url() + RESUME_URL,
            params={"message_id": message_id, **params},
            stream=True,
            timeout=20,
            allow_redirects=False,
        )

    def stop(self, message_id, login="chat_a", csrf=True):
        self.authenticate(login, login)
        data = {"message_id": message_id}
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.opener.post(self.base_url() + STOP_URL, data=data, timeout=20)

    def start(self, reply, message="Tell me"):
        """(start data, the asker's event iterator), the answer under way."""
        self.fake.script(reply)
        events = self.events(self.open_stream(message=message))
        return next(events)[2], events

    def answer(self, message_id):
        """The stored answer, read while no server thread uses the connection."""
        with self.held_db():
            self.env.invalidate_all()
            answer = self.env["ai.chat.message"].browse(message_id)
            answer.fetch(["state", "content", "content_html", "reasoning"])
        return answer

    def take(self, events, count):
        """The next `count` events (fewer at the end), comments left out."""
        taken = []
        for event in events:
            if event[1] != ":":
                taken.append(event)
            if len(taken) == count or event[1] == "done":
                break
        return taken

    # -- stop --------------------------------------------------------------------------------

    def test_stop_from_another_connection_ends_the_answer_at_once(self):
        start, events = self.start(Reply(chunks=[f"w{i} " for i in range(300)], delay=0.02))
        seen = self.take(events, 3)
        began = time.monotonic()
        response = self.stop(start["message_id"])
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(response.json(), {"message_id": start["message_id"], "stopping": True})
        rest = list(events)
        self.assertLess(time.monotonic() - began, 1.0)
        self.assertEqual((rest[-1][1], rest[-1][2]["state"]), ("done", "stopped"))
        self.assertTrue(self.fake.client_closed.wait(1), "the upstream request stayed open")
        answer = self.answer(start["message_id"])
        self.assertEqual(answer.state, "stopped")
        self.assertEqual(answer.content, viewer_text(seen + rest))
        self.assertEqual(self.stop(start["message_id"]).json()["stopping"], False)

    def test_only_ones_own_answers_can_be_stopped(self):
        self.fake.script(Reply(hang=True))
        events = self.events(self.open_stream(message="Wait"))
        start = next(events)[2]
        for login, message_id in (
            ("chat_b", start["message_id"]),
            ("chat_a", start["user_message_id"]),
            ("chat_a", 999999999),
            ("chat_a", "abc"),
            ("admin", start["message_id"]),
        ):
            with self.subTest(login=login, message_id=message_id):
                self.assertEqual(self.stop(message_id, login=login).status_code, 404)
        self.assertEqual(self.stop(start["message_id"], csrf=False).status_code, 400)
        self.assertEqual(self.answer(start["message_id"]).state, "streaming")
        self.fake.release()
        self.assertEqual(list(events)[-1][1], "done")

    def test_a_stop_asked_through_the_database_reaches_the_owner(self):
        """What a stop from another process or server does: flag the row; the owner sees it."""
        start, events = self.start(Reply(chunks=[f"w{i} " for i in range(300)], delay=0.02))
        self.take(events, 2)
        began = time.monotonic()
        with self.held_db():
            self.assertTrue(
                self.env["ai.chat.message"].browse(start["message_id"])._answer_request_stop()
            )
        rest = list(events)
        self.assertLess(time.monotonic() - began, 2.0)
        self.assertEqual(rest[-1][2]["state"], "stopped")

    # -- resume ------------------------------------------------------------------------------

    def test_resume_brings_the_viewer_up_to_date_then_follows(self):
        start, events = self.start(Reply(chunks=[f"w{i} " for i in range(40)], delay=0.02))
        first = self.take(events, 4)
        resumed = list(self.events(self.resume(start["message_id"])))
        sync = resumed[0]
        self.assertEqual(sync[1], "sync")
        self.assertEqual(
            set(sync[2])
            >= {"message_id", "conversation_id", "state", "content", "reasoning", "html"},
            True,
        )
        self.assertEqual(
            (sync[2]["message_id"], sync[2]["conversation_id"]),
            (start["message_id"], start["conversation_id"]),
        )
        self.assertTrue(
            viewer_text(first) in sync[2]["content"]
            or sync[2]["content"].startswith(viewer_text(first))
        )
        self.assertEqual(resumed[-1][1], "done")
        ids = [event_id for event_id, event, _data in resumed if event != ":"]
        self.assertEqual(ids, sorted(set(ids)), "event ids must increase")
        answer = self.answer(start["message_id"])
        self.assertEqual(viewer_text(resumed), answer.content)
        self.assertEqual(resumed[-1][2]["html"], answer.content_html)
        self.assertEqual(viewer_blocks(resumed), answer.content_html)

    def test_nothing_is_lost_or_doubled_whenever_the_viewer_leaves(self):
        chunks = [f"w{i} " for i in range(30)]
        for pattern in ((1,), (2, 1), (3, 5, 2), (6, 1, 1, 1), (1, 1, 1, 1, 1, 1)):
            with self.subTest(pattern=pattern):
                start, events = self.start(Reply(chunks=chunks, delay=0.01))
                segments = [[("start",)] + self.take(events, pattern[0])]
                for count in pattern[1:]:
                    segments.append(self.take(self.events(self.resume(start["message_id"])), count))
                segments.append(list(self.events(self.resume(start["message_id"]))))
                last = segments[-1]
                self.assertEqual(last[-1][1], "done")
                self.assertEqual(viewer_text(last), "".join(chunks))
                self.assertEqual(self.answer(start["message_id"]).content, "".join(chunks))

    def test_several_viewers_follow_one_answer(self):
        start, events = self.start(Reply(chunks=[f"w{i} " for i in range(40)], delay=0.02))
        texts = {}

        def follow(index):
            response = self.opener.get(
                self.base_url() + RESUME_URL,
                params={"message_id": start["message_id"]},
                stream=True,
                timeout=20,
            )
            texts[index] = viewer_text(self.events(response))

        self.authenticate("chat_a", "chat_a")
        viewers = [threading.Thread(target=follow, args=(i,)) for i in range(3)]
        for viewer in viewers:
            viewer.start()
        asker = viewer_text(events)
        for viewer in viewers:
            viewer.join(20)
        content = self.answer(start["message_id"]).content
        self.assertEqual(texts, {0: content, 1: content, 2: content})
        self.assertEqual(asker, content)

    def test_viewers_of_one_answer_are_bounded(self):
        self.fake.script(Reply(hang=True))
        events = self.events(self.open_stream(message="Wait"))
        message_id = next(events)[2]["message_id"]
        with patch.object(progress, "MAX_VIEWERS", 1):  # the asker is the one viewer allowed
            response = self.resume(message_id)
            self.assertEqual(response.status_code, 429, response.text)
            self.assertIn("already shown", response.text)
        self.fake.release()
        self.assertEqual(list(events)[-1][1], "done")

    def test_an_ended_answer_resumes_with_sync_then_done(self):
        events, _response = self.chat("Hi")
        message_id = events[0][2]["message_id"]
        resumed = list(self.events(self.resume(message_id, last_event_id=7)))
        self.assertEqual([event for _id, event, _data in resumed], ["sync", "done"])
        self.assertEqual([event_id for event_id, _event, _data in resumed], [8, 9])
        self.assertEqual(resumed[0][2]["content"], "Hello world")
        self.assertEqual(resumed[1][2]["state"], "done")

    def test_resume_reads_the_database_for_an_answer_generated_elsewhere(self):
        chunks = [f"w{i} " for i in range(60)]
        start, events = self.start(Reply(chunks=chunks, delay=0.03))
        self.take(events, 3)
        # Hidden from this process's hub, as from a viewer in another process.
        with patch.object(Hub, "get", return_value=None):
            resumed = list(self.events(self.resume(start["message_id"])))
        self.assertEqual(resumed[0][1], "sync")
        self.assertEqual(resumed[-1][1], "done")
        self.assertGreater(len(self.of(resumed, "delta")), 1, "the viewer was not live")
        self.assertEqual(viewer_text(resumed), "".join(chunks))
        self.assertEqual(resumed[-1][2]["html"], self.answer(start["message_id"]).content_html)
        self.assertEqual(viewer_blocks(resumed), self.answer(start["message_id"]).content_html)

    def test_others_answers_cannot_be_resumed(self):
        events, _response = self.chat("Mine")
        message_id = events[0][2]["message_id"]
        for login, value in (
            ("chat_b", message_id),
            ("admin", message_id),
            ("chat_a", "x"),
            ("chat_a", -1),
        ):
            with self.subTest(login=login, value=value):
                self.assertEqual(self.resume(value, login=login).status_code, 404)

    # -- admission and dead processes ------------------------------------------------------

    def test_a_full_process_refuses_new_questions_before_any_row(self):
        self.set_param("max_running_answers", "1")
        self.fake.script(Reply(hang=True))
        events = self.events(self.open_stream(message="First"))
        next(events)
        with self.held_db():
            counts = self.env["ai.chat.message"].sudo().search_count([])
        response = self.open_stream(login="chat_b", message="Second")
        self.assertEqual(response.status_code, 503, response.text)
        self.assertEqual(response.headers["Retry-After"], "5")
        self.assertIn("too many questions", response.text)
        with self.held_db():
            self.env.invalidate_all()
            self.assertEqual(self.env["ai.chat.message"].sudo().search_count([]), counts)
        self.fake.release()
        list(events)

    def test_a_question_odoo_retries_after_a_conflict_gives_its_place_back(self):
        self.set_param("max_running_answers", "1")
        relay, calls = ai_chat_conversation.AiChatConversation._stream_relay, []

        def conflict_once(conversation, *args):
            """The first try fails when its transaction is flushed, after the question was
            admitted, as PostgreSQL says it (with the code Odoo retries on)."""
            calls.append(1)
            body = relay(conversation, *args)
            if len(calls) == 1:
                cr = conversation.env.cr
                cr.precommit.add(
                    lambda: cr.execute(
                        "DO $$ BEGIN RAISE EXCEPTION 'conflict'"
                        " USING ERRCODE = 'serialization_failure'; END $$"
                    )
                )
            return body

        with (
            patch.object(ai_chat_conversation.AiChatConversation, "_stream_relay", conflict_once),
            patch("odoo.service.model.random.uniform", return_value=0),
        ):
            events, response = self.chat("Again")
        self.assertEqual((len(calls), response.status_code), (2, 200))
        self.assertEqual(events[-1][2]["state"], "done")
        self.assertEqual(self.env["ai.chat.message"]._answer_hub().reservations, [])

    def test_the_answer_of_a_dead_process_is_interrupted_with_its_saved_text(self):
        conversation = self.env["ai.chat.conversation"].create(
            {"user_id": self.user_a.id, "name": "c"}
        )
        answer = self.env["ai.chat.message"].create(
            {
                "conversation_id": conversation.id,
                "role": "assistant",
                "state": "streaming",
            }
        )
        answer._answer_open("gone-host:1:1")
        self.env.cr.execute(
            "UPDATE ai_chat_answer_progress SET content = 'Half an ans', "
            "lease_until = now() AT TIME ZONE 'UTC' - interval '1 second' WHERE message_id = %s",
            (answer.id,),
        )
        self.assertEqual(self.env["ai.chat.message"]._answers_running(self.user_a.id), 0)
        self.env.ref("ai_stream_chat.ai_chat_message_cron_mark_interrupted").method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual((answer.state, answer.content), ("interrupted", "Half an ans"))
        resumed = list(self.events(self.resume(answer.id)))
        self.assertEqual([event for _id, event, _data in resumed], ["sync", "done"])
        self.assertEqual(resumed[-1][2]["state"], "interrupted")
