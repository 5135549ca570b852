"""The rounds of one answer when the model may call tools: a completion; the tools it called
run; their results sent back with the next request; until it answers without calling one.

ToolLoop is iterated like a ChatStream (the generation does not know the difference): the
completions' events, with a ("tool", step) event when a call starts and when it ends, one
("usage", totals) over all rounds, and the last round's ("finish", reason). The last allowed
round is sent without tools, so the model has to answer in words. Stopping closes the open
completion, and no further call starts.
"""

import json
import time
from dataclasses import dataclass

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
    ok: bool = True


class ToolLoop:
    def __init__(
        self, open_stream, messages, run_tool, max_rounds, tools, refused_summary=REFUSED_SUMMARY
    ):
        """open_stream(messages, tools or None) -> a ChatStream; run_tool(name, arguments) ->
        ToolResult, never raising for bad arguments; tools: the schemas offered;
        refused_summary: what the user reads when the AI service refuses the tools."""
        self.open_stream = open_stream
        self.messages = list(messages)
        self.run_tool = run_tool
        self.max_rounds = max(1, max_rounds)
        self.tools = tools
        self.refused_summary = refused_summary
        self.stream = None
        self.closed = False
        self.usage = None
        self.calls_run = 0  # over all rounds, against MAX_CALLS_PER_ANSWER

    def close(self):
        self.closed = True
        if self.stream is not None:
            self.stream.close()

    def __iter__(self):
        for number in range(1, self.max_rounds + 1):
            last = number == self.max_rounds
            self.stream = self.open_stream(self.messages, None if last else self.tools)
            calls, text, reasoning, finish = ToolCallCollector(), [], [], None
            for name, value in self.stream:
                if name == "tool_call":
                    calls.add(value)
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
                    yield name, self._add_usage(value)
                else:
                    (text if name == "delta" else reasoning).append(value)
                    yield name, value
            if self.closed:
                return
            if not calls.calls or last:
                if finish:
                    yield "finish", finish
                return
            yield from self._run(calls.calls, "".join(text), "".join(reasoning))
            if self.closed:
                return
            if text:
                yield "delta", "\n\n"  # the next round's words start a paragraph of their own

    def _add_usage(self, usage):
        if self.usage is None:
            self.usage = dict(usage)
        else:
            for key, value in usage.items():
                self.usage[key] = self.usage.get(key, 0) + value
        return dict(self.usage)

    def _run(self, calls, text, reasoning):
        """Runs the round's calls in order (past MAX_CALLS_PER_ROUND each gets an error result:
        every call must be answered) and adds them and their results to the conversation."""
        assistant = {"role": "assistant", "content": text or None}
        assistant["tool_calls"] = [call.message() for call in calls]
        if reasoning:  # DeepSeek's thinking mode refuses a tool round without it
            assistant["reasoning_content"] = reasoning
        self.messages.append(assistant)
        for position, call in enumerate(calls):
            arguments, problem = call.parsed()
            step = {"id": call.id, "name": call.name, "arguments": arguments or call.arguments}
            yield "tool", {**step, "state": "running", "summary": ""}
            started = time.monotonic()
            if self.closed:
                result = ToolResult('{"error": "The answer was stopped."}', "Stopped", ok=False)
            elif position >= MAX_CALLS_PER_ROUND:
                result = _refused(f"At most {MAX_CALLS_PER_ROUND} tool calls per round.")
            elif self.calls_run >= MAX_CALLS_PER_ANSWER:
                result = _refused(
                    f"At most {MAX_CALLS_PER_ANSWER} tool calls per answer: answer with what "
                    "you found."
                )
            elif problem:
                result = _refused(problem)
            else:
                self.calls_run += 1
                result = self.run_tool(call.name, arguments)
            yield (
                "tool",
                {
                    **step,
                    "state": "done" if result.ok else "error",
                    "summary": result.summary[:MAX_SUMMARY_CHARS],
                    "result": result.content[:STEP_RESULT_CHARS],
                    "ms": round((time.monotonic() - started) * 1000),
                },
            )
            self.messages.append(
                {"role": "tool", "tool_call_id": call.id, "content": result.content}
            )


def _refused(reason):
    return ToolResult(json.dumps({"error": reason}), reason, ok=False)


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
