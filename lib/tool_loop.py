"""The rounds of one answer when the model may call tools: a completion; the tools it called
run; their results sent back with the next request; until it answers without calling one.

ToolLoop is iterated like a ChatStream (the generation does not know the difference): the
completions' events, with a ("tool", step) event when a call starts and when it ends, one
("usage", totals) over all rounds, ("round", estimated prompt tokens) before each further
request (the answer may stop there), and the last round's ("finish", reason). The last allowed
round is sent without tools, so the model has to answer in words. Stopping closes the open
completion, and no further call starts.

A call that would change something is never run by the model: it comes back as a proposal
(state `needs_approval`, with the card the user decides on). Once every call of the round has
run or been proposed, the loop waits for the user's decision on each proposal; what was done,
or that the user said no, is the call's result, and the model goes on.
"""

import json
import time
from dataclasses import dataclass

from . import pricing
from .tool_calls import ToolCallCollector

MAX_CALLS_PER_ROUND = 8
MAX_CALLS_PER_ANSWER = 20  # over all its rounds
MAX_SUMMARY_CHARS = 200
STEP_RESULT_CHARS = 2000  # of a result kept with its step: shown, audited, sent again later
REFUSED_SUMMARY = "This AI model cannot look things up in Odoo: it answers without."


@dataclass(frozen=True)
class ToolResult:
    content: str  # what the model reads (JSON text), already cut to the result budget
    summary: str  # what the user reads: "Searched Sales Orders: 12 found"
    state: str = "done"  # done, error, rejected; needs_approval with a proposal
    proposal: dict | None = None  # the change the user approves or rejects: {id, ...card}


class ToolLoop:
    def __init__(
        self,
        open_stream,
        messages,
        run_tool,
        max_rounds,
        tools,
        refused_summary=REFUSED_SUMMARY,
        await_decision=None,
    ):
        """open_stream(messages, tools or None) -> a ChatStream; run_tool(name, arguments) ->
        ToolResult, never raising for bad arguments; tools: the schemas offered;
        refused_summary: what the user reads when the AI service refuses the tools;
        await_decision(proposal id, stopped) -> the ToolResult of the user's decision, or None
        when stopped() (a callable) turned true first: it waits as long as the user does."""
        self.open_stream = open_stream
        self.messages = list(messages)
        self.run_tool = run_tool
        self.await_decision = await_decision
        self.max_rounds = max(1, max_rounds)
        self.tools = tools
        self.refused_summary = refused_summary
        self.stream = None
        self.closed = False
        self.usage = None
        self.calls_run = 0  # over all rounds, against MAX_CALLS_PER_ANSWER
        self.streams = []  # of the rounds so far
        self.ids_seen = set()  # call ids of the earlier rounds and this one

    @property
    def sent_tokens(self):
        """About how many tokens the prompts of all rounds make (no usage from the service)."""
        return sum(stream.sent_tokens for stream in self.streams)

    def close(self):
        self.closed = True
        if self.stream is not None:
            self.stream.close()

    def __iter__(self):
        for number in range(1, self.max_rounds + 1):
            last = number == self.max_rounds
            tools = None if last else self.tools
            if number > 1:  # what the next request will cost, before it is sent
                yield "round", pricing.request_tokens(self.messages, tools)
                if self.closed:
                    return
            self.stream = self.open_stream(list(self.messages), tools)
            self.streams.append(self.stream)
            calls, text, reasoning, finish, usage = yield from self._read(self.stream)
            if self.closed:
                return
            if calls and not last:
                self._unique_ids(calls)
                yield from self._run(calls, text, reasoning)
            if usage:  # after the calls the model wrote: they are in the service's count
                yield "usage", self._add_usage(usage)
            if not calls or last:
                if finish:
                    yield "finish", finish
                return
            if self.closed:
                return
            if text:
                yield "delta", "\n\n"  # the next round's words start a paragraph of their own

    def _read(self, stream):
        """Yields a completion's text and reasoning as they come; returns (calls, text,
        reasoning, finish reason, usage) once it ended."""
        collector, text, reasoning, finish, usage = ToolCallCollector(), [], [], None, None
        for name, value in stream:
            if name == "tool_call":
                collector.add(value)
            elif name == "tools_refused":  # shown once: later requests do not offer them
                yield (
                    "tool",
                    {
                        "id": "tools",
                        "name": "tools",
                        "arguments": {},
                        "state": "error",
                        "summary": self.refused_summary,
                    },
                )
            elif name == "finish":
                finish = value
            elif name == "usage":
                usage = value
            else:
                (text if name == "delta" else reasoning).append(value)
                yield name, value
        return collector.calls, "".join(text), "".join(reasoning), finish, usage

    def _unique_ids(self, calls):
        """Call ids unique over the answer: steps are known by them, and servers reuse ids
        (made-up ones start again each round). A renamed call is sent back under its new id."""
        for call in calls:
            base, n = call.id, 1
            while call.id in self.ids_seen:
                n += 1
                call.id = f"{base}_{n}"
            self.ids_seen.add(call.id)

    def _add_usage(self, usage):
        if self.usage is None:
            self.usage = dict(usage)
        else:
            for key, value in usage.items():
                self.usage[key] = self.usage.get(key, 0) + value
        return dict(self.usage)

    def _run(self, calls, text, reasoning):
        """Runs the round's calls in order (past MAX_CALLS_PER_ROUND each gets an error result:
        every call must be answered), waits for the user's decision on those that propose a
        change, and adds the calls and their results to the conversation."""
        assistant = {"role": "assistant", "content": text or None}
        assistant["tool_calls"] = [call.message() for call in calls]
        if reasoning:  # DeepSeek's thinking mode refuses a tool round without it
            assistant["reasoning_content"] = reasoning
        done = []  # (step, result, started) in call order
        for position, call in enumerate(calls):
            arguments, problem = call.parsed()
            step = {"id": call.id, "name": call.name, "arguments": arguments or call.arguments}
            yield "tool", {**step, "state": "running", "summary": ""}
            started = time.monotonic()
            result = self._result(position, call.name, arguments, problem)
            yield "tool", _step(step, result, started)
            done.append((step, result, started))
        for index, (step, result, started) in enumerate(done):
            if result.proposal is None:
                continue
            decided = self.await_decision(result.proposal["id"], lambda: self.closed)
            if decided is None:  # stopped while waiting: the proposal expired with the answer
                return
            done[index] = (step, decided, started)
            yield "tool", _step(step, decided, started)  # kept, even if stopped meanwhile
            if self.closed:
                return
        self.messages.append(assistant)
        self.messages.extend(
            {"role": "tool", "tool_call_id": step["id"], "content": result.content}
            for step, result, _started in done
        )

    def _result(self, position, name, arguments, problem):
        if self.closed:
            return ToolResult('{"error": "The answer was stopped."}', "Stopped", state="error")
        if position >= MAX_CALLS_PER_ROUND:
            return _refused(f"At most {MAX_CALLS_PER_ROUND} tool calls per round.")
        if self.calls_run >= MAX_CALLS_PER_ANSWER:
            return _refused(
                f"At most {MAX_CALLS_PER_ANSWER} tool calls per answer: answer with what you found."
            )
        if problem:
            return _refused(problem)
        self.calls_run += 1
        result = self.run_tool(name, arguments)
        if result.proposal is not None and self.await_decision is None:
            return _refused("Changes cannot be proposed here.")
        return result


def _step(step, result, started):
    """The `tool` event of a call that ran, or was proposed, or was decided."""
    ended = {
        **step,
        "state": result.state,
        "summary": result.summary[:MAX_SUMMARY_CHARS],
        "result": result.content[:STEP_RESULT_CHARS],
        "ms": round((time.monotonic() - started) * 1000),
    }
    if result.proposal is not None:
        ended["proposal"] = result.proposal
    return ended


def _refused(reason):
    return ToolResult(json.dumps({"error": reason}), reason, state="error")


def replayed(steps):
    """The assistant and tool messages that repeat an answer's stored steps to the model in a
    later request, so that a follow-up question can use what was looked up (steps without a
    result, and the notice that tools were refused, are left out)."""
    calls = [step for step in steps or () if step.get("result") and step.get("id") != "tools"]
    if not calls:
        return []
    assistant = {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": step["id"],
                "type": "function",
                "function": {
                    "name": step["name"],
                    "arguments": step["arguments"]
                    if isinstance(step["arguments"], str)
                    else json.dumps(step["arguments"]),
                },
            }
            for step in calls
        ],
    }
    results = [
        {"role": "tool", "tool_call_id": step["id"], "content": step["result"]} for step in calls
    ]
    return [assistant, *results]
