"""The generator behind one SSE answer: upstream events in, SSE bytes out, progress saved.

The upstream is read in a helper thread and handed over through a queue, so the generator can
send heartbeats, keep its deadline and notice a departed client even while the upstream is
silent. The generator never touches `request`: saving goes through the `save` callable, which
opens its own cursor.
"""
import logging
import queue
import threading
import time

from . import sse
from .render import IncrementalRenderer
from .upstream import UpstreamError

_logger = logging.getLogger(__name__)

PING_INTERVAL = 15.0  # seconds; proxies close idle streams after 30-100 s
SAVE_INTERVAL = 0.25  # seconds between writes of the growing answer
RENDER_INTERVAL = 0.08  # seconds between renders of the open tail block
MAX_BATCH = 512  # queued upstream events merged into one write to the client
MAX_ANSWER_CHARS = 200_000  # a runaway model must not fill the database: answers are cut here

# Error codes of our own, next to UpstreamError's.
DEADLINE, TOO_LONG, DELETED, INTERNAL, CUT = "deadline", "too_long", "deleted", "internal", "cut"


class Relay:
    """Iterate to get the SSE body (bytes).

    job: dict with conversation_id, message_id, user_message_id, llm_model, deadline (a
    time.monotonic() value), max_answer_chars and error_messages ({code: text for a person}).
    chat_stream: an iterable of upstream events with close().
    save(values) -> bool: writes the assistant message; False when the row is gone.
    """

    def __init__(self, job, chat_stream, save, clock=time.monotonic):
        self.job = job
        self.chat_stream = chat_stream
        self.save = save
        self.clock = clock
        self.encoder = sse.EventEncoder()
        self.renderer = IncrementalRenderer()
        self.events = queue.Queue()
        self.content = []
        self.reasoning = []
        self.content_chars = 0
        self.reasoning_chars = 0
        self.usage = None
        self.finish_reason = None
        self.error = None  # (code, detail)
        self.finished = False
        self.renderer_dirty = False
        self.saves = 0
        self._saved_chars = (0, 0)
        self._final_saved = False

    # -- upstream side -------------------------------------------------------------------

    def _pump(self):
        try:
            for event in self.chat_stream:
                self.events.put(event)
            self.events.put(("end", None))
        except UpstreamError as exc:
            self.events.put(("upstream_error", exc))
        except Exception as exc:  # a bug must still end the stream, not hang it
            _logger.exception("Upstream reader failed")
            self.events.put(("upstream_error", UpstreamError(INTERNAL, repr(exc))))

    # -- client side ---------------------------------------------------------------------

    def __iter__(self):
        job = self.job
        reader = threading.Thread(target=self._pump, name="ai_stream_chat upstream", daemon=True)
        try:
            yield self.encoder.encode("start", {
                "conversation_id": job["conversation_id"],
                "message_id": job["message_id"],
                "user_message_id": job["user_message_id"],
                "model": job["llm_model"],
                "attachments": job.get("attachments", []),
            })
            # Started after `start` is out: building the upstream request holds the GIL for a
            # few ms, which would otherwise delay the first byte the user sees.
            reader.start()
            yield from self._relay()
            yield self._finalize("error" if self.error else "done")
        except Exception:  # not GeneratorExit (client gone): nothing may be yielded for that
            _logger.exception("Stream relay failed for message %s", job["message_id"])
            self.error = self.error or (INTERNAL, "")
            yield self._finalize("error")
        finally:
            self.chat_stream.close()
            if not self._final_saved:
                # Client gone (or a failure while finalizing): keep what we have.
                self._save_final("stopped")

    def _relay(self):
        clock = self.clock
        now = clock()
        last_write = last_save = last_render = now
        while not self.finished and not self.error:
            timeout = min(last_write + PING_INTERVAL, self.job["deadline"]) - now
            if self.renderer_dirty:
                timeout = min(timeout, last_render + RENDER_INTERVAL - now)
            batch = []
            try:
                batch.append(self.events.get(timeout=max(timeout, 0)))
                while len(batch) < MAX_BATCH:
                    batch.append(self.events.get_nowait())
            except queue.Empty:
                pass
            out = self._handle(batch)
            now = clock()
            if now >= self.job["deadline"] and not self.finished:
                self.error = (DEADLINE, "")
            if self.renderer_dirty and now - last_render >= RENDER_INTERVAL:
                out.append(self._render_event())
                last_render = now
            if out:
                yield b"".join(out)
                last_write = now
            elif now - last_write >= PING_INTERVAL:
                yield sse.PING
                last_write = now
            if now - last_save >= SAVE_INTERVAL and self._unsaved():
                self._save_progress()
                last_save = now

    def _handle(self, batch):
        """Apply upstream events; consecutive text pieces of one kind leave as one event."""
        out, kind, pieces = [], None, []

        def flush():
            if pieces:
                out.append(self.encoder.encode(kind, {"content": "".join(pieces)}))

        for name, value in batch:
            if name in ("delta", "reasoning"):
                if name != kind:
                    flush()
                    kind, pieces = name, []
                if name == "delta":
                    value = self._add_content(value)
                else:
                    value = self._add_reasoning(value)
                pieces.append(value)
                continue
            flush()
            kind, pieces = None, []
            if name == "usage":
                self.usage = value
                out.append(self.encoder.encode("usage", value))
            elif name == "finish":
                self.finish_reason = value
            elif name == "end":
                self.finished = True
                if not self.finish_reason:  # no finish_reason: the server cut the answer short
                    self.error = (CUT, "stream ended without finish_reason")
            elif name == "upstream_error":
                _logger.warning("Upstream failed for message %s: %s %s",
                                self.job["message_id"], value.code, value.detail)
                self.error = (value.code, value.detail)
        flush()
        return out

    def _cut(self, text, chars):
        """text, cut where it would take `chars` past the answer limit (then an error)."""
        limit = self.job["max_answer_chars"]
        if limit and chars + len(text) > limit:
            self.error = self.error or (TOO_LONG, "")
            return text[: max(limit - chars, 0)]
        return text

    def _add_content(self, text):
        text = self._cut(text, self.content_chars)
        self.content.append(text)
        self.content_chars += len(text)
        self.renderer.feed(text)
        self.renderer_dirty = True
        return text

    def _add_reasoning(self, text):
        text = self._cut(text, self.reasoning_chars)
        self.reasoning.append(text)
        self.reasoning_chars += len(text)
        return text

    def _render_event(self):
        self.renderer_dirty = False
        update = self.renderer.update()
        return self.encoder.encode("render", update) if update else b""

    # -- persistence ---------------------------------------------------------------------

    def _unsaved(self):
        return (self.content_chars, len(self.reasoning)) != self._saved_chars

    def _write(self, values):
        self.saves += 1
        if not self.save(values):
            self.error = self.error or (DELETED, "")

    def _save_progress(self):
        self._saved_chars = (self.content_chars, len(self.reasoning))
        self._write({"content": "".join(self.content), "reasoning": "".join(self.reasoning)})

    def _save_final(self, state):
        self._final_saved = True
        values = {
            "state": state,
            "content": "".join(self.content),
            "reasoning": "".join(self.reasoning),
            "content_html": self.renderer.finish(),
            "finish_reason": self.finish_reason or False,
        }
        if self.usage:
            values["prompt_tokens"] = self.usage["prompt_tokens"]
            values["completion_tokens"] = self.usage["completion_tokens"]
        if state == "error":
            values["error_message"] = self._error_text()
        try:
            self._write(values)
        except Exception:
            _logger.exception("Could not save the final state of message %s", self.job["message_id"])
            try:  # the row must not stay `streaming`: at least its end, without the text
                self._write({"state": "error", "error_message": self.job["error_messages"][INTERNAL]})
            except Exception:
                _logger.exception("Could not mark message %s as failed", self.job["message_id"])

    def _error_text(self):
        messages = self.job["error_messages"]
        return messages.get(self.error[0]) or messages[INTERNAL]

    def _finalize(self, state):
        """Save once, then the closing events (nothing is yielded after the final save)."""
        self._save_final(state)
        out = [self._render_event()]
        if state == "error":
            out.append(self.encoder.encode("error", {"code": self.error[0], "message": self._error_text()}))
        out.append(self.encoder.encode("done", {
            "message_id": self.job["message_id"],
            "state": state,
            "html": self.renderer.html,
        }))
        return b"".join(out)
