import json
import time
from contextlib import contextmanager

from odoo import http
from odoo.tests import HttpCase, new_test_user

from .fake_llm import FakeLLM

STREAM_URL = "/ai/stream_chat"


def parse_sse(lines):
    """Yield (id, event, data) from an iterator of decoded lines; comments as (None, ':', text)."""
    fields = {}
    for line in lines:
        if line == "":
            if fields:
                yield int(fields["id"]), fields["event"], json.loads(fields["data"])
                fields = {}
        elif line.startswith(":"):
            yield None, ":", line[1:].strip()
        else:
            name, _, value = line.partition(":")
            fields[name] = value[1:] if value.startswith(" ") else value


class AiStreamChatCase(HttpCase):
    """Users, a fake upstream and helpers to talk to the stream route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fake = FakeLLM().start()
        cls.addClassCleanup(cls.fake.stop)
        cls.user_a = new_test_user(cls.env, login="chat_a", groups="base.group_user", name="Ann")
        cls.user_b = new_test_user(cls.env, login="chat_b", groups="base.group_user", name="Bob")
        params = cls.env["ir.config_parameter"].sudo()
        for key, value in {
            "api_url": cls.fake.url,
            "api_key": "sk-test-secret-key",
            "model": "fake-model",
            "models": "other-model",
            "system_prompt": "You are a test.",
        }.items():
            params.set_param(f"ai_stream_chat.{key}", value)

    def setUp(self):
        super().setUp()
        self.fake.reset()
        # Answers run in threads of their own: none may outlive its test.
        self.addCleanup(self.wait_for_answers)

    def wait_for_answers(self):
        self.fake.release()
        self.assertTrue(
            self.env["ai.chat.message"]._answer_hub().wait_idle(20), "an answer kept running"
        )

    def set_param(self, key, value):
        self.env["ir.config_parameter"].sudo().set_param(f"ai_stream_chat.{key}", value)

    def open_stream(self, login="chat_a", csrf=True, timeout=20, cookies=None, **fields):
        """POST to the stream route as `login` (with `cookies` besides the session's);
        returns the streaming requests.Response."""
        if login:
            self.authenticate(login, login)
        else:
            self.authenticate(None, None)
        for name, value in (cookies or {}).items():
            self.opener.cookies.set(name, value)
        data = {key: value for key, value in fields.items() if value is not None}
        if csrf:
            data["csrf_token"] = http.Request.csrf_token(self)
        return self.opener.post(
            self.base_url() + STREAM_URL,
            data=data,
            stream=True,
            timeout=timeout,
            allow_redirects=False,
        )

    def events(self, response):
        return parse_sse(response.iter_lines(decode_unicode=True))

    def chat(self, message="Hi", **kwargs):
        """Send and read the whole stream: (events without comments, response)."""
        response = self.open_stream(message=message, **kwargs)
        self.assertEqual(
            response.status_code, 200, response.text if response.status_code != 200 else ""
        )
        events = [e for e in self.events(response) if e[1] != ":"]
        self.env.invalidate_all()
        return events, response

    def authenticate(self, user, password, **kwargs):
        # It reads the user on the test's connection, which an answer may be using.
        with self.held_db():
            return super().authenticate(user, password, **kwargs)

    @contextmanager
    def held_db(self):
        """The test's connection, kept from server threads while the test uses it mid-answer.

        Server threads reach that connection through test cursors, which hold the registry's test
        lock; a read of the test's own between their execute and fetch gets "no results to fetch".
        """
        with self.registry.test_lock:
            yield

    def wait_for(self, predicate, timeout=10, message="condition"):
        """Poll the database, written by the server thread, until predicate() holds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.held_db():
                self.env.invalidate_all()
                if predicate():
                    return
            time.sleep(0.05)
        self.fail(f"timed out waiting for {message}")

    @staticmethod
    def of(events, name):
        return [data for _id, event, data in events if event == name]
