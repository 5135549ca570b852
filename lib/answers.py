"""Answers generated in this process, and the viewers that follow them. No ORM here.

An Answer is the state of one generation in memory: the text so far, the blocks as rendered,
the end state. Its generation thread writes it (lib/generation.py); viewers (the request that
asked, a tab that resumed) follow it under its condition, each from where it stands, so any
number of them can watch one answer and a viewer leaving never stops it.
"""

import json
import math
import threading
import time
from dataclasses import dataclass, field

from . import pricing, sse
from .error_codes import COST_CAP, CUT, INTERNAL, STOPPED, TOO_LONG
from .render import IncrementalRenderer

PING_INTERVAL = 15.0  # seconds; proxies close idle streams after 30-100 s


@dataclass(frozen=True)
class AnswerJob:
    """What a generation needs to know, fixed when the question is accepted."""

    message_id: int
    conversation_id: int
    user_message_id: int
    uid: int  # the user it answers; its final save is in their name
    llm_model: str
    deadline: float  # a time.monotonic() value: the answer is cut there
    max_answer_chars: int  # for the answer and, apart, for its reasoning
    error_messages: dict = field(repr=False)  # {code: words for a person, in their language}
    attachments: tuple = ()  # the question's chips, as `start` shows them
    prompt_tokens: float = 0.0  # estimated, of its first request (its process may die before more)
    price: pricing.Price | None = None  # of its AI model, when the administrator set one
    max_cost: float = 0.0  # the answer is stopped before it costs more (0: no cap)


class Answer:
    """One answer being generated. Every attribute is read and written under `cond`."""

    def __init__(self, job):
        self.job = job
        self.cond = threading.Condition()
        self.version = 0  # bumped on every change a viewer can see
        self.content, self.reasoning = [], []  # pieces as they came
        self.content_chars = self.reasoning_chars = 0
        self.blocks = []  # rendered blocks, as a browser that saw every render shows them
        self.usage = None
        self.tools = {}  # tool steps by call id, in the order the calls began
        self.tools_version = 0  # bumped on every step
        self.finish_reason = None
        self.error = None  # (code, detail)
        self.stop_reason = None  # STOPPED or an error code, set by cancel()
        self.state = "streaming"  # then done, stopped or error
        self.ended = False  # the generation is over and `final` holds what to save
        self.final = self.fallback = None
        self.saved = False  # the end is committed: viewers may say done
        self.saved_pieces = (0, 0, 0)  # content, reasoning pieces and tools_version committed
        self.stream = None  # the upstream, closed by cancel()
        self.renderer = IncrementalRenderer()
        self.rendered_version = 0  # version the blocks were last rendered at
        self.last_render = 0.0
        self.fed_at = 0.0  # time.monotonic() when answer text last came
        self.text_tokens = 0.0  # estimated tokens written: text, reasoning, tool calls
        self.counted_at = (0.0, 0.0)  # (prompt, text) estimates when the service last counted
        self.render_cost = 0.0  # seconds of one tail render, smoothed
        self.render_total = 0.0  # seconds of all its tail renders

    @property
    def message_id(self):
        return self.job.message_id

    # -- written by the generation -------------------------------------------------------

    def apply(self, name, value):
        """One upstream event; False once the answer must not take more."""
        with self.cond:
            next_prompt = 0.0
            if name == "delta":
                self._add("content", value)
                self.fed_at = time.monotonic()
            elif name == "reasoning":
                self._add("reasoning", value)
            elif name == "usage":
                self.usage = value
                self.counted_at = (self._sent_tokens(), self.text_tokens)
            elif name == "tool":
                self._add_step(value)
            elif name == "round":
                next_prompt = value
            elif name == "finish":
                self.finish_reason = value
            if self.job.max_cost and not self.error:
                if pricing.cost(self._usage(next_prompt), self.job.price) > self.job.max_cost:
                    self.error = (COST_CAP, "")
            self._changed()
            return not (self.error or self.stop_reason)

    def _add_step(self, step):
        if step["id"] not in self.tools:  # the model wrote the call: its tokens are the answer's
            arguments = step["arguments"]
            text = arguments if isinstance(arguments, str) else json.dumps(arguments)
            self.text_tokens += pricing.token_weight(step["name"] + text)
        self.tools[step["id"]] = step
        self.tools_version += 1

    def _add(self, kind, text):
        chars = getattr(self, f"{kind}_chars")
        limit = self.job.max_answer_chars
        if limit and chars + len(text) > limit:
            text = text[: max(limit - chars, 0)]
            self.error = self.error or (TOO_LONG, "")
        text = text.replace("\x00", "")  # PostgreSQL text cannot hold it, and it means nothing
        if text:
            getattr(self, kind).append(text)
            setattr(self, f"{kind}_chars", chars + len(text))
            self.text_tokens += pricing.token_weight(text)
            if kind == "content":
                self.renderer.feed(text)

    def _sent_tokens(self):
        """Estimated tokens of the prompts sent so far."""
        return getattr(self.stream, "sent_tokens", 0.0) or self.job.prompt_tokens

    def _usage(self, next_prompt=0.0):
        """Tokens so far: the service's count (it comes at the end of each round, from some
        servers never), plus an estimate of what came since; `next_prompt`: a request about
        to be sent."""
        prompt, text = self._sent_tokens() + next_prompt, self.text_tokens
        if not self.usage:
            return pricing.estimated(prompt, text)
        counted_prompt, counted_text = self.counted_at
        more_prompt, more_text = prompt - counted_prompt, text - counted_text
        return pricing.Usage(
            pricing.tokens(self.usage.get("prompt_tokens")) + math.ceil(max(more_prompt, 0)),
            pricing.tokens(self.usage.get("completion_tokens")) + math.ceil(max(more_text, 0)),
            pricing.tokens(self.usage.get("cached_tokens")),
            estimated=more_prompt >= 1 or more_text >= 1,
        )

    def fail(self, code, detail=""):
        with self.cond:
            self.error = self.error or (code, detail)
            self._changed()

    def render(self, clock=time.perf_counter):
        """Render the open tail if text came since the last render; True when it did."""
        with self.cond:
            if self.rendered_version == self.version or self.ended:
                return False
            started = clock()
            self._apply_render(self.renderer.update())
            spent = clock() - started
            self.render_total += spent
            self.render_cost = (
                spent if not self.render_cost else 0.8 * self.render_cost + 0.2 * spent
            )
            self.last_render = time.monotonic()
            self.rendered_version = self.version
            return True

    def _apply_render(self, change):
        if change:
            del self.blocks[change["from_block"] :]
            self.blocks.extend(change["blocks"])
            self._changed()

    def end(self, stream_finished):
        """The generation is over: settle the end state and what to save."""
        with self.cond:
            if self.stop_reason == STOPPED:
                self.state = STOPPED
            elif self.stop_reason:
                self.error = self.error or (self.stop_reason, "")
            elif stream_finished and not self.finish_reason and not self.error:
                self.error = (CUT, "stream ended without finish_reason")
            if self.state != STOPPED:
                self.state = "error" if self.error else "done"
            html = self.renderer.finish()
            self._apply_render(self.renderer.update())
            self.final = {
                "state": self.state,
                "content": "".join(self.content),
                "reasoning": "".join(self.reasoning),
                "content_html": html,
                "finish_reason": self.finish_reason or False,
                "error_message": self.error_text() if self.state == "error" else False,
                "error_code": self.error[0] if self.state == "error" else False,
                "llm_model": self.job.llm_model,  # to charge it even if its row is gone
            }
            if self.tools:
                self.final["tool_steps"] = [_ended_step(step) for step in self.tools.values()]
            usage = self._usage()
            self.final.update(
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                cached_tokens=usage.cached_tokens,
                tokens_estimated=usage.estimated,
            )
            # What is saved when `final` cannot be (a value the database refuses).
            self.fallback = {"state": "error", "error_message": self.job.error_messages[INTERNAL]}
            self.ended = True
            self._changed()

    def error_text(self):
        messages = self.job.error_messages
        return messages.get(self.error[0]) or messages[INTERNAL]

    # -- written by others ---------------------------------------------------------------

    def cancel(self, reason):
        """Stop the generation (from any thread): STOPPED, or an error code."""
        with self.cond:
            if self.ended or self.stop_reason:
                return
            self.stop_reason = reason
            stream = self.stream
            self._changed()
        if stream is not None:
            stream.close()  # the generation's read returns at once

    def mark_saved(self):
        with self.cond:
            self.saved = True
            self._changed()

    def progress(self):
        """(new content, new reasoning, the tool steps as JSON when they changed else None,
        the estimated prompt tokens so far, what that counts to) not yet committed."""
        with self.cond:
            done_c, done_r, done_t = self.saved_pieces
            counts = (len(self.content), len(self.reasoning), self.tools_version)
            tools = json.dumps(list(self.tools.values())) if self.tools_version != done_t else None
            content, reasoning = "".join(self.content[done_c:]), "".join(self.reasoning[done_r:])
            return content, reasoning, tools, math.ceil(self._sent_tokens()), counts

    def _changed(self):
        self.version += 1
        self.cond.notify_all()


EXPIRED_RESULT = '{"status": "expired", "error": "The answer ended before the user decided."}'


def _ended_step(step):
    """A step as its ended answer keeps it: a change still waiting for the user expired."""
    if step.get("state") != "needs_approval":
        return step
    proposal = {**step["proposal"], "state": "expired"}
    return {**step, "state": "expired", "result": EXPIRED_RESULT, "proposal": proposal}


class _View:
    """What one viewer has been sent of an answer."""

    def __init__(self):
        self.version = -1
        self.content = self.reasoning = 0  # pieces sent
        self.blocks = 0  # blocks sent
        self.last_block = None  # the html of the last block sent (the tail may change)
        self.usage = None  # as last sent
        self.tools = {}  # call id: the state of the step as last sent

    def catch_up(self, answer):
        self.version = answer.version
        self.content, self.reasoning = len(answer.content), len(answer.reasoning)
        self.blocks = len(answer.blocks)
        self.last_block = answer.blocks[-1] if answer.blocks else None
        self.usage = answer.usage
        self.tools = {call_id: step["state"] for call_id, step in answer.tools.items()}

    def take(self, answer, encoder):
        """SSE bytes for what changed since the last call, and whether it was the end."""
        out = []
        if len(answer.reasoning) > self.reasoning:
            out.append(
                encoder.encode(
                    "reasoning", {"content": "".join(answer.reasoning[self.reasoning :])}
                )
            )
        if len(answer.content) > self.content:
            out.append(
                encoder.encode("delta", {"content": "".join(answer.content[self.content :])})
            )
        start = self.blocks
        if start and answer.blocks[start - 1 : start] != [self.last_block]:
            start -= 1  # the tail this viewer has was rendered again
        if start < len(answer.blocks):
            out.append(
                encoder.encode("render", {"from_block": start, "blocks": answer.blocks[start:]})
            )
        out.extend(self._tool_and_usage(answer, encoder))
        self.catch_up(answer)
        if not answer.saved:
            return b"".join(out), False
        if answer.state == "error":
            out.append(
                encoder.encode("error", {"code": answer.error[0], "message": answer.error_text()})
            )
        out.append(
            encoder.encode(
                "done",
                {
                    "message_id": answer.message_id,
                    "state": answer.state,
                    "html": "".join(answer.blocks),
                },
            )
        )
        return b"".join(out), True

    def _tool_and_usage(self, answer, encoder):
        """`tool` events for the steps that started or ended, `usage` when the totals moved."""
        out = [
            encoder.encode("tool", step)
            for call_id, step in answer.tools.items()
            if self.tools.get(call_id) != step["state"]
        ]
        if answer.usage is not None and answer.usage != self.usage:
            out.append(encoder.encode("usage", answer.usage))
        return out


def sync_data(answer):
    """The `sync` event's data: everything so far, for a viewer who arrives late."""
    return {
        "message_id": answer.message_id,
        "conversation_id": answer.job.conversation_id,
        "state": answer.state if answer.saved else "streaming",
        "content": "".join(answer.content),
        "reasoning": "".join(answer.reasoning),
        "html": "".join(answer.blocks),
        "blocks": list(answer.blocks),  # what later `render` events' from_block count from
        "tools": list(answer.tools.values()),
    }


class _Pacer:
    """When a viewer writes: what it has, else a ping once `ping` seconds passed silent; and
    whether its request must end (`ends_at`, a clock value)."""

    def __init__(self, clock, ping, ends_at):
        self.clock, self.ping, self.ends_at = clock, ping or PING_INTERVAL, ends_at
        self.last_write = clock()

    def wait_limit(self):
        """Seconds the viewer may wait for news before it must write or leave."""
        return max(min(self.last_write + self.ping, self.ends_at or float("inf")) - self.clock(), 0)

    def output(self, out):
        """`out`, a ping, or b"" when there is nothing to write yet."""
        now = self.clock()
        if out or now - self.last_write >= self.ping:
            self.last_write = now
            return out or sse.PING
        return b""

    def over(self):
        return self.ends_at is not None and self.clock() >= self.ends_at


def follow(answer, encoder, sync=False, ends_at=None, clock=time.monotonic, ping=None):
    """SSE bytes for one viewer, from now to the answer's end (or `ends_at`, a clock value,
    when the server would kill a longer request: the client then resumes).

    sync: start with a `sync` event holding everything so far; else the viewer is the one
    that asked and has seen nothing.
    """
    view, pacer = _View(), _Pacer(clock, ping, ends_at)
    if sync:
        with answer.cond:
            view.catch_up(answer)
            data = sync_data(answer)
        yield encoder.encode("sync", data)
    while True:
        with answer.cond:
            answer.cond.wait_for(
                lambda: answer.version != view.version or answer.saved, timeout=pacer.wait_limit()
            )
            ready = answer.version != view.version or answer.saved
            out, finished = view.take(answer, encoder) if ready else (b"", False)
        out = pacer.output(out)
        if out:
            yield out
        if finished or pacer.over():
            return


STORED_POLL = 1.0  # seconds between reads of an answer generated in another process


def follow_stored(
    read, changed, encoder, ends_at=None, clock=time.monotonic, ping=None, poll=STORED_POLL
):
    """SSE bytes for a viewer of an answer generated in another process (or already ended):
    `sync`, then what the database shows of it, to its end.

    read(content_from, reasoning_from) -> the stored answer with its text from those offsets
    (ai.chat.message._answer_snapshot), or None once it is gone; changed: a threading.Event
    set when the owner saved more (NOTIFY), read again at least every `poll` seconds anyway.
    """
    snapshot = read(0, 0)
    if snapshot is None:
        return
    renderer = IncrementalRenderer()
    offsets = [len(snapshot["content"]), len(snapshot["reasoning"])]
    ended = snapshot["state"] != "streaming"
    yield encoder.encode("sync", _sync_event(snapshot, renderer, ended))
    sent_tools = {step["id"]: step["state"] for step in snapshot["tools"]}
    pacer = _Pacer(clock, ping, ends_at)
    while not ended:
        changed.wait(min(poll, pacer.wait_limit()))
        changed.clear()
        snapshot = read(*offsets)
        if snapshot is None:
            return
        ended = snapshot["state"] != "streaming"
        out = _stored_events(snapshot, offsets, renderer, encoder, ended)
        out = pacer.output(_tool_events(snapshot, sent_tools, encoder) + out)
        if out:
            yield out
        if pacer.over():
            return
    if snapshot["state"] == "error":
        yield encoder.encode(
            "error", {"code": snapshot["error_code"], "message": snapshot["error_message"]}
        )
    yield encoder.encode(
        "done",
        {
            "message_id": snapshot["message_id"],
            "state": snapshot["state"],
            "html": snapshot["html"],
        },
    )


def _sync_event(snapshot, renderer, ended):
    """The `sync` event's data: the stored answer so far, rendered by renderer (fed here), which
    goes on with the text that follows."""
    renderer.feed(snapshot["content"])
    blocks = (renderer.update() or {"blocks": []})["blocks"]
    data = {
        key: snapshot[key]
        for key in ("message_id", "conversation_id", "state", "content", "reasoning", "tools")
    }
    data["html"] = snapshot["html"] if ended else "".join(blocks)
    data["blocks"] = [snapshot["html"]] if ended else blocks
    return data


def _tool_events(snapshot, sent, encoder):
    """`tool` events for the stored steps that started or ended since `sent` (updated)."""
    out = []
    for step in snapshot["tools"]:
        if sent.get(step["id"]) != step["state"]:
            sent[step["id"]] = step["state"]
            out.append(encoder.encode("tool", step))
    return b"".join(out)


def _stored_events(snapshot, offsets, renderer, encoder, ended):
    """reasoning, delta and render events for the text a snapshot adds; offsets move on."""
    out = []
    if snapshot["reasoning"]:
        out.append(encoder.encode("reasoning", {"content": snapshot["reasoning"]}))
        offsets[1] += len(snapshot["reasoning"])
    if snapshot["content"]:
        out.append(encoder.encode("delta", {"content": snapshot["content"]}))
        offsets[0] += len(snapshot["content"])
        renderer.feed(snapshot["content"])
    if ended:
        renderer.finish()
    change = renderer.update()
    if change:
        out.append(encoder.encode("render", change))
    return b"".join(out)
