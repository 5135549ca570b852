"""One answer's generation and its viewers, driven directly: a scripted upstream, a fake clock,
no database and no threads."""

from unittest import TestCase

from ..lib import error_codes as codes
from ..lib import sse
from ..lib.answers import Answer, AnswerJob, follow
from ..lib.generation import generate
from ..lib.hub import Hub
from ..lib.upstream import UpstreamError

WORDS = {code: f"words for {code}" for code in codes.ALL}


def job(message_id=7, max_answer_chars=1000, deadline=1e9):
    return AnswerJob(
        message_id=message_id,
        conversation_id=1,
        user_message_id=message_id - 1,
        uid=2,
        llm_model="m",
        deadline=deadline,
        max_answer_chars=max_answer_chars,
        error_messages=WORDS,
    )


class ScriptedStream:
    """An upstream that yields `events`, then raises `error` if given."""

    def __init__(self, events, error=None):
        self.events, self.error, self.closed = events, error, False

    def __iter__(self):
        yield from self.events
        if self.error:
            raise self.error

    def close(self):
        self.closed = True


class Clock:
    """Advances by `step` seconds each time it is read."""

    def __init__(self, step=0.0):
        self.now, self.step = 1000.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def generated(events, error=None, answer=None):
    answer = answer or Answer(job())
    stream, ended = ScriptedStream(events, error), []
    generate(answer, stream, lambda: 0.08, ended.append, clock=Clock())
    return answer, stream, ended


class TestGeneration(TestCase):
    def test_a_finished_stream_is_done_and_its_end_announced(self):
        answer, stream, ended = generated(
            [("delta", "Hello "), ("delta", "world"), ("finish", "stop")]
        )
        self.assertEqual((answer.state, answer.final["content"]), ("done", "Hello world"))
        self.assertEqual(
            (answer.final["finish_reason"], answer.final["error_code"]), ("stop", False)
        )
        self.assertEqual(ended, [answer])
        self.assertTrue(stream.closed)

    def test_each_upstream_failure_ends_the_answer_with_its_code_and_its_words(self):
        for code in (
            codes.AUTH,
            codes.FORBIDDEN,
            codes.NOT_FOUND,
            codes.RATE_LIMIT,
            codes.BAD_REQUEST,
            codes.REDIRECT,
            codes.SERVER,
            codes.TIMEOUT,
            codes.CONNECTION,
            codes.MALFORMED,
        ):
            with self.subTest(code=code):
                answer, stream, _ended = generated(
                    [("delta", "Half")], UpstreamError(code, "detail")
                )
                self.assertEqual(answer.state, "error")
                self.assertEqual(answer.final["error_code"], code)
                self.assertEqual(answer.final["error_message"], f"words for {code}")
                self.assertEqual(answer.final["content"], "Half", "the text so far is kept")
                self.assertTrue(stream.closed)

    def test_a_stream_that_ends_without_a_finish_reason_is_cut(self):
        answer, _stream, _ended = generated([("delta", "Half")])
        self.assertEqual(answer.final["error_code"], codes.CUT)

    def test_a_bug_still_ends_the_answer_as_internal(self):
        answer, stream, ended = generated([("delta", "Half")], RuntimeError("a bug"))
        self.assertEqual((answer.final["error_code"], ended), (codes.INTERNAL, [answer]))
        self.assertTrue(stream.closed)

    def test_a_runaway_answer_is_cut_at_its_limit_and_the_upstream_closed(self):
        answer = Answer(job(max_answer_chars=10))
        answer, stream, _ended = generated(
            [("delta", "0123456"), ("delta", "789abc"), ("delta", "never")], answer=answer
        )
        self.assertEqual(
            (answer.final["content"], answer.final["error_code"]), ("0123456789", codes.TOO_LONG)
        )
        self.assertTrue(stream.closed)

    def test_a_stop_before_the_first_event_reads_nothing(self):
        answer = Answer(job())
        answer.cancel(codes.STOPPED)
        answer, _stream, _ended = generated([("delta", "never")], answer=answer)
        self.assertEqual((answer.state, answer.final["content"]), ("stopped", ""))


class TestDeadline(TestCase):
    def test_the_hub_cuts_an_answer_at_its_deadline(self):
        hub = Hub(store=None, owner="test", clock=lambda: 0.0)
        late, early = Answer(job(1, deadline=10.0)), Answer(job(2, deadline=30.0))
        hub.answers = {1: late, 2: early}
        hub._tick_answers(20.0)
        self.assertEqual((late.stop_reason, early.stop_reason), (codes.DEADLINE, None))


class TestTickerRenders(TestCase):
    def test_only_answers_whose_upstream_paused_are_rendered_by_the_ticker(self):
        hub = Hub(store=None, owner="test", clock=lambda: 0.0)
        paused, streaming = Answer(job(1, deadline=1e9)), Answer(job(2, deadline=1e9))
        for answer in (paused, streaming):
            answer.apply("delta", "Some *text*")
        now = paused.fed_at + 1.0
        streaming.fed_at = now  # its text keeps coming: it renders in its own thread
        hub.answers = {1: paused, 2: streaming}
        hub._tick_answers(now)
        self.assertEqual((paused.rendered_version, streaming.rendered_version), (paused.version, 0))


class TestViewer(TestCase):
    def test_a_silent_answer_gets_a_ping_each_interval_and_the_viewer_its_end(self):
        answer, clock = Answer(job()), Clock(step=20.0)  # a ping interval passes at each look
        viewer = follow(answer, sse.EventEncoder(), clock=clock, ping=15)
        self.assertEqual([next(viewer) for _ in range(2)], [sse.PING, sse.PING])
        answer.apply("delta", "Hi")
        self.assertIn(b"event: delta", next(viewer))
        answer.fail(codes.TIMEOUT)
        answer.end(stream_finished=False)
        answer.mark_saved()
        rest = b"".join(viewer)
        self.assertIn(b'event: error\ndata: {"code":"timeout","message":"words for timeout"}', rest)
        self.assertIn(
            b'event: done\ndata: {"message_id":7,"state":"error"', rest.rsplit(b"\n\nid: ", 1)[-1]
        )

    def test_a_viewer_whose_request_must_end_leaves_before_the_answer_does(self):
        answer, clock = Answer(job()), Clock(step=10.0)
        viewer = follow(answer, sse.EventEncoder(), clock=clock, ping=15, ends_at=clock.now + 5)
        out = b"".join(viewer)  # ends, though the answer goes on
        self.assertNotIn(b"event: done", out, "no done: the client resumes")
        self.assertFalse(answer.ended)
