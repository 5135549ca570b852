"""Tool calls joined from stream fragments, and the rounds of an answer: no database, no server."""

import json
from unittest import TestCase

from ..lib.tool_calls import MAX_ARGUMENT_CHARS, MAX_CALLS, ToolCallCollector
from ..lib.tool_loop import MAX_CALLS_PER_ANSWER, MAX_CALLS_PER_ROUND, ToolLoop, ToolResult


class TestToolCallCollector(TestCase):
    def collect(self, *fragments):
        collector = ToolCallCollector()
        for fragment in fragments:
            collector.add(fragment)
        return [(call.id, call.name, call.arguments) for call in collector.calls]

    def test_fragments_are_joined_per_index(self):
        calls = self.collect(
            {"index": 0, "id": "a", "function": {"name": "count_records", "arguments": '{"mo'}},
            {"index": 1, "id": "b", "function": {"name": "find_models", "arguments": "{}"}},
            {"index": 0, "function": {"arguments": 'del": "res.partner"}'}},
        )
        self.assertEqual(
            calls,
            [("a", "count_records", '{"model": "res.partner"}'), ("b", "find_models", "{}")],
        )

    def test_parallel_calls_at_one_index_are_told_apart_by_id(self):
        # Ollama: every call of a round at index 0, each whole, with its own id.
        calls = self.collect(
            {"index": 0, "id": "x", "function": {"name": "a", "arguments": {"q": 1}}},
            {"index": 0, "id": "y", "function": {"name": "b", "arguments": {}}},
        )
        self.assertEqual(calls, [("x", "a", '{"q": 1}'), ("y", "b", "{}")])

    def test_a_flood_of_calls_or_arguments_stays_bounded(self):
        collector = ToolCallCollector()
        for i in range(MAX_CALLS * 10):
            collector.add({"index": i, "id": f"c{i}", "function": {"name": "a", "arguments": "{"}})
        for _ in range(100):
            collector.add({"index": 0, "function": {"arguments": "x" * 10_000}})
        self.assertEqual(len(collector.calls), MAX_CALLS)
        self.assertEqual(len(collector.calls[0].arguments), MAX_ARGUMENT_CHARS + 1)
        self.assertIn("longer than", collector.calls[0].parsed()[1])

    def test_missing_ids_are_made_up(self):
        calls = self.collect({"function": {"name": "a"}}, {"function": {"name": "b"}})
        self.assertEqual([call_id for call_id, _, _ in calls], ["call_1", "call_2"])


class FakeStream:
    def __init__(self, events):
        self.events, self.closed = events, False

    def __iter__(self):
        yield from self.events

    def close(self):
        self.closed = True


def call(call_id, name, arguments):
    return (
        "tool_call",
        {"index": 0, "id": call_id, "function": {"name": name, "arguments": arguments}},
    )


class TestToolLoop(TestCase):
    def run_loop(self, rounds, run_tool=None, max_rounds=6):
        requests = []

        def open_stream(messages, tools):
            requests.append((json.loads(json.dumps(messages)), tools))
            return FakeStream(rounds[len(requests) - 1])

        loop = ToolLoop(
            open_stream,
            [{"role": "user", "content": "How many?"}],
            run_tool or (lambda name, arguments: ToolResult('{"count": 3}', "Counted: 3")),
            max_rounds,
            tools=[{"type": "function", "function": {"name": "count_records"}}],
        )
        return list(loop), requests

    def test_results_go_back_and_the_answer_follows(self):
        events, requests = self.run_loop(
            [
                [
                    ("delta", "Let me count."),
                    call("c1", "count_records", '{"model": "x"}'),
                    ("usage", {"prompt_tokens": 10, "completion_tokens": 2}),
                    ("finish", "tool_calls"),
                ],
                [
                    ("delta", "There are 3."),
                    ("usage", {"prompt_tokens": 30, "completion_tokens": 4}),
                    ("finish", "stop"),
                ],
            ]
        )
        names = [name for name, _ in events]
        self.assertEqual(
            names,
            ["delta", "tool", "tool", "usage", "delta", "round", "delta", "usage", "finish"],
        )
        self.assertEqual(events[-1], ("finish", "stop"))  # the first round's is not the end
        self.assertEqual(events[-2][1], {"prompt_tokens": 40, "completion_tokens": 6})
        self.assertEqual([events[1][1]["state"], events[2][1]["state"]], ["running", "done"])
        self.assertGreater(events[5][1], 0)  # the second request's prompt, estimated
        second = requests[1][0]
        self.assertEqual(second[1]["tool_calls"][0]["id"], "c1")
        self.assertEqual(second[1]["content"], "Let me count.")
        self.assertEqual(
            second[2], {"role": "tool", "tool_call_id": "c1", "content": '{"count": 3}'}
        )

    def test_bad_arguments_get_an_error_result_and_every_call_an_answer(self):
        many = [call(f"c{i}", "count_records", "{}") for i in range(MAX_CALLS_PER_ROUND + 2)]
        for event in many:
            event[1]["index"] = int(event[1]["id"][1:])
        events, requests = self.run_loop(
            [
                [call("bad", "count_records", '{"model": '), *many],
                [("delta", "Done."), ("finish", "stop")],
            ]
        )
        results = [m for m in requests[1][0] if m["role"] == "tool"]
        self.assertEqual(len(results), MAX_CALLS_PER_ROUND + 3)
        self.assertIn("not valid JSON", results[0]["content"])
        self.assertIn("At most", results[-1]["content"])
        ended = [
            data["state"] for name, data in events if name == "tool" and data["state"] != "running"
        ]
        self.assertEqual(ended.count("error"), 4)  # the bad JSON, the three past the cap

    def test_calls_past_the_answer_cap_are_refused(self):
        ran = []

        def run_tool(name, arguments):
            ran.append(name)
            return ToolResult("{}", "ok")

        round_of_calls = [call(f"c{i}", "count_records", "{}") for i in range(5)]
        for index, event in enumerate(round_of_calls):
            event[1]["index"] = index
        events, requests = self.run_loop(
            [round_of_calls] * 5 + [[("delta", "Enough."), ("finish", "stop")]],
            run_tool=run_tool,
            max_rounds=6,
        )
        self.assertEqual(len(ran), MAX_CALLS_PER_ANSWER)
        refused = [
            m for m in requests[-1][0] if m["role"] == "tool" and "per answer" in m["content"]
        ]
        self.assertEqual(len(refused), 25 - MAX_CALLS_PER_ANSWER)

    def test_call_ids_are_unique_over_the_answer(self):
        again = [call("call_1", "count_records", "{}"), ("finish", "tool_calls")]
        events, requests = self.run_loop([again, again, [("delta", "Done."), ("finish", "stop")]])
        ids = [data["id"] for name, data in events if name == "tool" and data["state"] == "done"]
        self.assertEqual(ids, ["call_1", "call_1_2"])
        last = requests[-1][0]
        self.assertEqual(
            [m["tool_call_id"] for m in last if m["role"] == "tool"], ["call_1", "call_1_2"]
        )
        self.assertEqual(last[-2]["tool_calls"][0]["id"], "call_1_2")

    def test_the_last_round_is_asked_without_tools(self):
        calling = [call("c", "count_records", "{}"), ("finish", "tool_calls")]
        events, requests = self.run_loop(
            [calling, calling, [("delta", "I stop here."), ("finish", "stop")]], max_rounds=3
        )
        self.assertEqual([tools is None for _, tools in requests], [False, False, True])
        self.assertEqual(events[-1], ("finish", "stop"))

    def test_stopping_runs_no_further_call(self):
        ran = []
        loop = ToolLoop(
            lambda messages, tools: FakeStream(
                [call("a", "count_records", "{}"), call("b", "count_records", "{}")]
            ),
            [],
            lambda name, arguments: ran.append(name) or ToolResult("{}", "ok"),
            6,
            tools=[],
        )
        for name, data in loop:
            if name == "tool" and data["state"] == "done":
                loop.close()
        self.assertEqual(ran, ["count_records"])


class TestProposedChanges(TestCase):
    """A call that proposes a change waits for the user's decision, whatever the model does."""

    def loop(self, await_decision):
        self.requests = []
        rounds = [
            [call("r", "count_records", "{}"), call("w", "archive_record", '{"id": 1}')],
            [("delta", "Archived."), ("finish", "stop")],
        ]
        for index, event in enumerate(rounds[0]):
            event[1]["index"] = index

        def run_tool(name, arguments):
            if name == "archive_record":
                return ToolResult("{}", "Archive it", "needs_approval", {"id": 7})
            return ToolResult('{"count": 3}', "Counted: 3")

        def open_stream(messages, tools):
            self.requests.append(json.loads(json.dumps(messages)))
            return FakeStream(rounds[len(self.requests) - 1])

        return ToolLoop(open_stream, [], run_tool, 6, [], await_decision=await_decision)

    def test_the_decision_is_the_result_the_model_reads(self):
        decided = ToolResult('{"status": "done"}', "Archived", "done", {"id": 7, "state": "done"})
        asked = []
        loop = self.loop(lambda proposal_id, stopped: asked.append(proposal_id) or decided)
        steps = [data for name, data in loop if name == "tool" and data["id"] == "w"]
        self.assertEqual([s["state"] for s in steps], ["running", "needs_approval", "done"])
        self.assertEqual(steps[1]["proposal"], {"id": 7})
        self.assertEqual(asked, [7])
        results = [m["content"] for m in self.requests[1] if m["role"] == "tool"]
        self.assertEqual(results, ['{"count": 3}', '{"status": "done"}'])  # in call order

    def test_stopped_while_waiting_the_answer_ends_without_asking_again(self):
        loop = self.loop(None)
        loop.await_decision = lambda proposal_id, stopped: loop.close() or None
        list(loop)
        self.assertEqual(len(self.requests), 1)

    def test_without_a_way_to_wait_no_change_can_be_proposed(self):
        list(self.loop(None))
        results = [m["content"] for m in self.requests[1] if m["role"] == "tool"]
        self.assertIn("cannot be proposed", results[1])

    def test_a_decision_made_as_the_answer_stopped_is_kept(self):
        decided = ToolResult('{"status": "done"}', "Archived", "done", {"id": 7, "state": "done"})
        loop = self.loop(None)
        loop.await_decision = lambda proposal_id, stopped: loop.close() or decided
        states = [data["state"] for name, data in loop if name == "tool" and data["id"] == "w"]
        self.assertEqual(states[-1], "done")  # the answer keeps what was done
        self.assertEqual(len(self.requests), 1)  # and asks nothing more
