"""Production mode: Odoo with prefork workers and the gevent worker, as separate processes.

Answers are generated in the gevent worker; viewers and stops reach other processes, which
learn from PostgreSQL (stored progress, NOTIFY). Nothing here runs in the test's transaction.
"""

import json
import os
import signal
import threading
import time

from odoo.tests import BaseCase, tagged
from odoo.tests.common import get_db_name

from .common import parse_sse
from .fake_llm import FakeLLM, Reply
from .prefork import PreforkOdoo, open_stream
from .test_server_owned import viewer_text

LOGIN = "prod_chat_user"
LEASE = 3  # seconds: a killed process's answers are closed within about this and a sweep
# The gevent process's connection pool, small enough for a burst of questions to exceed it.
GEVENT_POOL = 8
BURST = 18


class Viewer(threading.Thread):
    """Reads one SSE stream's lines in the background, each event with the time it arrived."""

    def __init__(self, lines):
        super().__init__(daemon=True)
        self.lines = lines
        self.events = []  # (seconds, id, event, data)
        self.first = threading.Event()

    def run(self):
        for event_id, event, data in parse_sse(self.lines):
            if event != ":":
                self.events.append((time.monotonic(), event_id, event, data))
                self.first.set()

    def text(self):
        return viewer_text([(i, e, d) for _t, i, e, d in self.events])

    def done(self):
        return next((d for _t, _i, e, d in self.events if e == "done"), None)


@tagged("post_install", "-at_install")
class TestProduction(BaseCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeLLM().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.server = PreforkOdoo(get_db_name(), gevent_pool=GEVENT_POOL).start()
        cls.addClassCleanup(cls.server.stop)
        admin = cls.server.session("admin", "admin")
        for key, value in {
            "api_url": cls.fake.url,
            "model": "fake-model",
            "max_streams": str(BURST + 2),
            "answer_lease_seconds": str(LEASE),
        }.items():
            cls.server.call(
                admin, "ir.config_parameter", "set_param", f"ai_stream_chat.{key}", value
            )
        if not cls.server.call(admin, "res.users", "search", [("login", "=", LOGIN)]):
            groups = [
                cls.server.call(admin, "ir.model.data", "check_object_reference", "base", xmlid)[1]
                for xmlid in ("group_user", "group_partner_manager")
            ]
            cls.server.call(
                admin,
                "res.users",
                "create",
                {
                    "name": "Production Tester",
                    "login": LOGIN,
                    "password": LOGIN,
                    "groups_id": [(6, 0, groups)],
                },
            )
        cls.addClassCleanup(cls.reset_params, admin)
        cls.admin = admin
        cls.user = cls.server.session(LOGIN, LOGIN)

    @classmethod
    def reset_params(cls, admin):
        for key in ("api_url", "model", "max_streams", "answer_lease_seconds", "write_tools"):
            cls.server.call(admin, "ir.config_parameter", "set_param", f"ai_stream_chat.{key}", "")

    def setUp(self):
        super().setUp()
        self.fake.reset()
        self.addCleanup(self.fake.release)

    def ask(self, reply, message="Tell me", then=()):
        """Ask through the gevent port (the upstream answering `reply`, then the replies of
        `then` to the next requests): the asker's Viewer, once `start` is in."""
        self.fake.script(reply, *then)
        status, lines = open_stream(
            self.user,
            "POST",
            self.server.gevent + "/ai/stream_chat",
            {"message": message, "csrf_token": self.user.csrf},
        )
        self.assertEqual(status, 200)
        viewer = Viewer(lines)
        viewer.start()
        self.assertTrue(viewer.first.wait(20))
        return viewer, viewer.events[0][3]

    def resume(self, message_id):
        """Follow an answer through a prefork worker (another process than its owner)."""
        status, lines = open_stream(
            self.user,
            "GET",
            self.server.http + "/ai/stream_chat/resume",
            {"message_id": message_id},
        )
        self.assertEqual(status, 200)
        viewer = Viewer(lines)
        viewer.start()
        return viewer

    def stored(self, message_id, conversation_id):
        messages = self.server.call(
            self.user, "ai.chat.conversation", "chat_messages", [conversation_id]
        )
        return next(m for m in messages if m["id"] == message_id)

    def wait_until(self, predicate, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return False

    def test_an_answer_streams_through_the_gevent_port(self):
        viewer, start = self.ask(Reply(chunks=["Hello", " from", " gevent"]))
        viewer.join(30)
        self.assertEqual(viewer.done()["state"], "done")
        self.assertEqual(viewer.text(), "Hello from gevent")
        stored = self.stored(start["message_id"], start["conversation_id"])
        self.assertEqual((stored["state"], stored["content"]), ("done", "Hello from gevent"))

    def test_tools_run_in_the_gevent_worker(self):
        call = {"name": "count_records", "arguments": '{"model": "res.partner"}', "pieces": 2}
        viewer, start = self.ask(
            Reply(chunks=[], tool_calls=[call]), then=[Reply(chunks=["Counted."])]
        )
        viewer.join(30)
        self.assertEqual(viewer.done()["state"], "done")
        steps = [d for _t, _i, e, d in viewer.events if e == "tool"]
        self.assertEqual([s["state"] for s in steps], ["running", "done"])
        self.assertIn('"count":', self.fake.requests[-1]["json"]["messages"][-1]["content"])
        stored = self.stored(start["message_id"], start["conversation_id"])
        self.assertEqual((stored["content"], stored["tools"][0]["state"]), ("Counted.", "done"))

    def test_a_worker_shows_the_tool_steps_of_an_answer_still_running(self):
        call = {"name": "count_records", "arguments": '{"model": "res.partner"}'}
        slow = Reply(chunks=[f"w{i} " for i in range(60)], delay=0.05)
        asker, start = self.ask(Reply(chunks=[], tool_calls=[call]), then=[slow])
        self.assertTrue(self.wait_until(lambda: "w1 " in asker.text(), 20))
        time.sleep(1.5)  # a progress save of the owner
        viewer = self.resume(start["message_id"])
        self.assertTrue(viewer.first.wait(20))
        sync = viewer.events[0][3]
        self.assertEqual(sync["state"], "streaming")
        self.assertEqual(
            [(s["name"], s["state"]) for s in sync["tools"]], [("count_records", "done")]
        )
        asker.join(30)
        viewer.join(30)
        self.assertEqual(viewer.done()["state"], "done")

    def test_a_change_proposed_in_the_gevent_worker_is_approved_through_another_process(self):
        partner = self.server.call(
            self.admin, "res.partner", "create", {"name": "Prefork Customer", "city": "Ghent"}
        )
        self.server.call(
            self.admin, "ir.config_parameter", "set_param", "ai_stream_chat.write_tools", "True"
        )
        arguments = {"model": "res.partner", "id": partner, "values": {"city": "Bruges"}}
        update = {"name": "update_record", "arguments": json.dumps(arguments)}
        asker, start = self.ask(
            Reply(chunks=[], tool_calls=[update]), then=[Reply(chunks=["Moved."])]
        )

        def waiting():
            steps = [d for _t, _i, e, d in asker.events if e == "tool"]
            return next((s for s in steps if s["state"] == "needs_approval"), None)

        self.assertTrue(self.wait_until(waiting, 20), asker.events)
        response = self.user.post(
            self.server.http + "/ai/stream_chat/decide",  # a prefork worker, not the owner
            timeout=30,
            data={
                "proposal_id": waiting()["proposal"]["id"],
                "decision": "approve",
                "csrf_token": self.user.csrf,
            },
        )
        self.assertEqual(response.json()["state"], "done")
        asker.join(30)
        self.assertEqual((asker.done()["state"], asker.text()), ("done", "Moved."))
        self.assertIn('"status": "done"', self.fake.requests[-1]["json"]["messages"][-1]["content"])
        city = self.server.call(self.admin, "res.partner", "read", [partner], ["city"])[0]["city"]
        self.assertEqual(city, "Bruges")

    def parallel_questions(self, session, count):
        """`count` questions of one user at the same moment through the gevent port: their
        HTTP statuses."""
        gate, statuses = threading.Barrier(count), [None] * count

        def ask(i):
            gate.wait()
            status, lines = open_stream(
                session,
                "POST",
                self.server.gevent + "/ai/stream_chat",
                {"message": f"Parallel {i}", "csrf_token": session.csrf},
            )
            statuses[i] = status
            list(lines)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        return sorted(statuses)

    def budget_user(self, login, **params):
        """A user of its own (a ledger of its own), and settings restored after the test."""
        for key, value in params.items():
            self.server.call(
                self.admin, "ir.config_parameter", "set_param", f"ai_stream_chat.{key}", value
            )
            self.addCleanup(
                self.server.call,
                self.admin,
                "ir.config_parameter",
                "set_param",
                f"ai_stream_chat.{key}",
                "",
            )
        self.server.call(
            self.admin, "res.users", "create", {"login": login, "password": login, "name": login}
        )
        return self.server.session(login, login)

    def spent(self, login):
        rows = self.server.call(
            self.admin,
            "ai.chat.usage",
            "search_read",
            [("user_id.login", "=", login)],
            ["total_tokens", "cost"],
        )
        return sum(r["total_tokens"] for r in rows), sum(r["cost"] for r in rows)

    def test_parallel_questions_cannot_overspend_a_token_budget_by_more_than_one_answer(self):
        session = self.budget_user("prod_budget_tokens", user_monthly_tokens="150")
        self.fake.script(*[Reply(chunks=["x"] * 20, delay=0.03, usage=(60, 40))] * 5)
        self.assertEqual(self.parallel_questions(session, 5), [200, 429, 429, 429, 429])
        self.fake.script(Reply(chunks=["y"], usage=(60, 40)))
        self.assertEqual(self.parallel_questions(session, 1), [200])  # 100 of 150 spent
        self.assertEqual(self.parallel_questions(session, 1), [429])  # 200: spent
        self.assertEqual(self.spent("prod_budget_tokens")[0], 200)  # within one answer of it

    def test_with_a_cap_per_answer_a_money_budget_runs_what_it_can_pay_for_at_once(self):
        session = self.budget_user(
            "prod_budget_money", user_monthly_amount="1000", max_answer_cost="300"
        )
        self.server.call(
            self.admin,
            "ai.chat.price",
            "create",
            {"llm_model": "fake-model", "input_price": 0, "output_price": 1_000_000},
        )
        self.addCleanup(
            lambda: self.server.call(
                self.admin,
                "ai.chat.price",
                "unlink",
                self.server.call(
                    self.admin, "ai.chat.price", "search", [("llm_model", "=", "fake-model")]
                ),
            )
        )
        self.fake.script(*[Reply(chunks=["x"] * 20, delay=0.03, usage=(0, 250))] * 5)
        # 0 + 3 answers of at most 300 fit in 1000; a fourth might not.
        self.assertEqual(self.parallel_questions(session, 5), [200, 200, 200, 429, 429])
        self.assertEqual(self.spent("prod_budget_money")[1], 750)

    def test_a_burst_of_questions_beyond_the_connection_pool_waits_in_line(self):
        """More questions at once than the gevent process has connections: each one waits for
        its turn at the database instead of failing with a full pool."""
        self.fake.script(*[Reply(chunks=[f"a{i}", " done"], delay=0.05) for i in range(BURST)])
        gate, results = threading.Barrier(BURST), [None] * BURST

        def ask(i):
            gate.wait()
            status, lines = open_stream(
                self.user,
                "POST",
                self.server.gevent + "/ai/stream_chat",
                {"message": f"Burst {i}", "csrf_token": self.user.csrf},
            )
            events = list(parse_sse(lines))
            results[i] = (status, next((d["state"] for _i, e, d in events if e == "done"), None))

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(results, [(200, "done")] * BURST)

    def test_a_worker_follows_the_answer_live_and_ends_with_it(self):
        chunks = [f"w{i} " for i in range(60)]
        asker, start = self.ask(Reply(chunks=chunks, delay=0.05))
        follower = self.resume(start["message_id"])
        asker.join(30)
        follower.join(30)
        full = "".join(chunks)
        self.assertEqual((asker.text(), follower.text()), (full, full))
        self.assertGreater(len([e for e in follower.events if e[2] == "delta"]), 1, "not live")
        self.assertEqual(follower.done()["state"], "done")
        self.assertEqual(
            follower.done()["html"],
            self.stored(start["message_id"], start["conversation_id"])["html"],
        )
        # How far behind the worker's viewer is: when it reached each length the asker had.
        reached, lags, text = [], [], ""
        for seconds, _id, event, data in asker.events:
            if event == "delta":
                text += data["content"]
                reached.append((len(text), seconds))
        followed = ""
        for seconds, _id, event, data in follower.events:
            if event in ("sync", "delta"):
                followed = data["content"] if event == "sync" else followed + data["content"]
                lags += [seconds - at for length, at in reached if length == len(followed)]
        self.assertLess(max(lags), 2.0, f"a viewer in another process lagged {max(lags):.2f} s")

    def test_a_stop_from_another_process_ends_the_answer_within_a_second(self):
        asker, start = self.ask(Reply(chunks=[f"w{i} " for i in range(400)], delay=0.02))
        time.sleep(0.3)
        began = time.monotonic()
        response = self.user.post(
            self.server.http + "/ai/stream_chat/stop",
            timeout=30,
            data={"message_id": start["message_id"], "csrf_token": self.user.csrf},
        )
        self.assertEqual(response.json(), {"message_id": start["message_id"], "stopping": True})
        self.assertTrue(self.wait_until(asker.done, 5))
        self.assertLess(asker.events[-1][0] - began, 1.0)
        self.assertEqual(asker.done()["state"], "stopped")
        asker.join(10)
        stored = self.stored(start["message_id"], start["conversation_id"])
        self.assertEqual((stored["state"], stored["content"]), ("stopped", asker.text()))

    def test_a_killed_process_leaves_the_answer_interrupted_and_the_viewer_told(self):
        chunks = [f"w{i} " for i in range(1000)]
        asker, start = self.ask(Reply(chunks=chunks, delay=0.02))
        follower = self.resume(start["message_id"])
        self.assertTrue(follower.first.wait(10))
        time.sleep(1.5)  # some progress saved
        pid = self.server.gevent_pid()
        os.kill(pid, signal.SIGKILL)
        self.assertTrue(self.wait_until(follower.done, 4 * LEASE + 5), "the viewer was never told")
        self.assertEqual(follower.done()["state"], "interrupted")
        stored = self.stored(start["message_id"], start["conversation_id"])
        self.assertEqual(stored["state"], "interrupted")
        self.assertTrue(stored["content"] and "".join(chunks).startswith(stored["content"]))
        self.assertEqual(follower.text(), stored["content"])
