"""This process's answers for one database: admission, generation threads, one writer.

One ticker thread per process and database does every periodic job for all answers together:
tail renders that fell behind, deadlines, and saving (progress about once a second and every
end, in one transaction each time, on one connection at a time), plus the sweep of answers
whose process died. Under gevent the threads are greenlets and the same code is cooperative.
The store (models/) does the SQL; nothing here knows the ORM.
"""

import gc
import logging
import os
import threading
import time
from contextlib import contextmanager

from .error_codes import DEADLINE, DELETED, STOPPED
from .generation import generate

_logger = logging.getLogger(__name__)

TICK = 0.1  # seconds between looks at deadlines and late renders
PROGRESS_INTERVAL = 1.0  # seconds between progress saves: what a killed process may lose
# The store's lease: an answer whose owner did not renew it for that long is taken for dead.
# Owners renew (even with no new text) and sweep for others' dead answers three times a lease.
DEFAULT_LEASE = 30.0
RETRY_MAX = 5.0  # seconds between save attempts while the database refuses
RETAIN = 30.0  # seconds an ended answer stays in memory for viewers who resume at once
RESERVATION_SECONDS = 30.0  # an admitted question whose stream never started stops counting
RENDER_INTERVAL = 0.08  # seconds between tail renders of one answer, at least
RENDER_SHARE = 0.1  # of a core for all tail renders together: intervals lengthen past it
STATS_INTERVAL = 10.0  # seconds between two DEBUG lines on rendering CPU

REFREEZE_SECONDS = 3600.0  # at most that often, a full collection while no answer runs

_hubs = {}
_hubs_lock = threading.Lock()
_frozen_at = 0.0  # time.monotonic() of the last gc.freeze() in this process


def hub_for(dbname, make_store):
    """This process's hub for `dbname` (a forked worker gets its own)."""
    key = (os.getpid(), dbname)
    with _hubs_lock:
        hub = _hubs.get(key)
        if hub is None:
            if not any(pid == key[0] for pid, _db in _hubs):
                _freeze_heap()
            hub = _hubs[key] = Hub(
                make_store(), owner=f"{os.uname().nodename}:{os.getpid()}:{id(key)}"
            )
        return hub


def _freeze_heap():
    """Once per process, when its first answer starts: what Odoo loaded by then (registries,
    about a million objects that live as long as the process) leaves the cyclic garbage
    collector's care. Otherwise each full collection walks all of it and stops every answer of
    the process for about 0.2 s (measured in the gevent worker under load). Frozen objects are
    still freed when their last reference goes; cycles among them (a registry replaced after a
    module update) wait for _refreeze_heap."""
    global _frozen_at
    gc.freeze()
    _frozen_at = time.monotonic()


def _refreeze_heap(now):
    """When no answer runs here, and at most once in REFREEZE_SECONDS: what was frozen and has
    become garbage since is collected (one full collection), and the rest frozen again."""
    global _frozen_at
    if now - _frozen_at < REFREEZE_SECONDS:
        return
    _frozen_at = now
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Hub:
    def __init__(self, store, owner, clock=time.monotonic):
        self.store = store
        self.owner = owner
        self.clock = clock
        self.lock = threading.Lock()
        self.answers = {}  # message_id -> Answer
        self.ended_at = {}  # message_id -> clock() when its end was saved
        self.renewed_at = {}  # message_id -> clock() of its last lease renewal
        self.reservations = []  # clock() of each admitted question not started yet
        self.watchers = {}  # message_id -> set of threading.Event, viewers of others' answers
        self.wake = threading.Event()
        self.ticker = None
        self.listener = None
        self.lease = float(getattr(store, "lease_seconds", DEFAULT_LEASE))
        self.stream_seconds = 0.0  # seconds of generation, summed over answers
        self.render_seconds = 0.0  # CPU seconds of tail renders of answers no longer here
        self._logged = (0.0, 0.0)  # (render seconds, stream seconds) at the last stats line
        # Seconds between two tail renders of one answer, worked out once a tick: generations
        # read it on every upstream event.
        self.render_every = RENDER_INTERVAL
        self.viewers = {}  # message_id -> viewers following it in this process

    # -- admission and start ---------------------------------------------------------------

    def reserve(self, cap):
        """Take a place for a new answer; False when `cap` answers already run here."""
        with self.lock:
            now = self.clock()
            self.reservations = [t for t in self.reservations if now - t < RESERVATION_SECONDS]
            if self._running() + len(self.reservations) >= cap:
                return False
            self.reservations.append(now)
            return True

    def release(self):
        with self.lock:
            if self.reservations:
                self.reservations.pop()

    def start(self, answer, chat_stream):
        with self.lock:
            if self.reservations:
                self.reservations.pop(0)
            self.answers[answer.message_id] = answer
            self.renewed_at[answer.message_id] = self.clock()
            self._ensure_threads()
        threading.Thread(
            target=generate,
            args=(answer, chat_stream, lambda: self.render_every, self._ended),
            name=f"ai_stream_chat answer {answer.message_id}",
            daemon=True,
        ).start()

    def _running(self):
        return sum(1 for answer in self.answers.values() if not answer.ended)

    def _busy(self):
        with self.lock:
            return bool(self._running() or self.watchers)

    def running(self):
        with self.lock:
            return self._running()

    def get(self, message_id):
        with self.lock:
            return self.answers.get(message_id)

    def cancel(self, message_id, reason=STOPPED):
        """Stop an answer generated here; False when it is not (any more)."""
        answer = self.get(message_id)
        if answer is None or answer.ended:
            return False
        answer.cancel(reason)
        return True

    def _render_interval(self, answers):
        """Seconds between two tail renders of one answer: longer when many answers render."""
        cost = sum(a.render_cost for a in answers if not a.ended)
        return max(RENDER_INTERVAL, cost / RENDER_SHARE)

    def _ended(self, answer):
        self.wake.set()  # save its end now, not at the next interval

    # -- viewers -------------------------------------------------------------------------

    def may_view(self, message_id, cap):
        """Whether one more viewer of `message_id` may follow it here (`cap` at most)."""
        with self.lock:
            return self.viewers.get(message_id, 0) < cap

    @contextmanager
    def viewing(self, message_id):
        with self.lock:
            self.viewers[message_id] = self.viewers.get(message_id, 0) + 1
        try:
            yield
        finally:
            with self.lock:
                self.viewers[message_id] -= 1
                if not self.viewers[message_id]:
                    del self.viewers[message_id]

    def watch(self, message_id):
        """An Event set whenever the owner of `message_id` says it changed (NOTIFY)."""
        event = threading.Event()
        with self.lock:
            self.watchers.setdefault(message_id, set()).add(event)
            self._ensure_threads()
        return event

    def unwatch(self, message_id, event):
        with self.lock:
            events = self.watchers.get(message_id, set())
            events.discard(event)
            if not events:
                self.watchers.pop(message_id, None)

    def notified(self, kind, message_ids):
        """From the listener: `stop` asks the owner to stop; anything else wakes viewers."""
        for message_id in message_ids:
            if kind == "stop":
                self.cancel(message_id, STOPPED)
            with self.lock:
                events = list(self.watchers.get(message_id, ()))
            for event in events:
                event.set()

    def listener_reconnected(self):
        """Notifications may have been missed: every viewer looks again, every owner checks."""
        with self.lock:
            events = [event for events in self.watchers.values() for event in events]
        for event in events:
            event.set()

    # -- the ticker ----------------------------------------------------------------------

    def _ensure_threads(self):
        if self.ticker is None or not self.ticker.is_alive():
            self.ticker = threading.Thread(
                target=self._tick_forever, name="ai_stream_chat writer", daemon=True
            )
            self.ticker.start()
        if self.listener is None and hasattr(self.store, "listen"):
            self.listener = self.store.listen(self.notified, self.listener_reconnected)

    def _tick_forever(self):
        next_save = next_sweep = last = self.clock()
        next_stats = last + STATS_INTERVAL
        delay = PROGRESS_INTERVAL
        while True:
            woken = self.wake.wait(TICK)
            self.wake.clear()
            now = self.clock()
            self.stream_seconds += self.running() * (now - last)
            last = now
            self._tick_answers(now)
            if now >= next_stats:
                self._log_stats()
                next_stats = now + STATS_INTERVAL
            due = now >= next_save
            if woken or due:  # an end is saved at once; others' progress waits for its interval
                saved = self._save(now, with_progress=due)
                if due or not saved:
                    delay = PROGRESS_INTERVAL if saved else min(delay * 2, RETRY_MAX)
                    next_save = now + delay
            if now >= next_sweep:
                if self._busy():  # an idle process leaves the sweep to the cron
                    self._sweep()
                else:
                    _refreeze_heap(time.monotonic())
                next_sweep = now + self.lease / 3

    def _tick_answers(self, now):
        with self.lock:
            answers = list(self.answers.values())
            for message_id, saved in list(self.ended_at.items()):
                if now - saved > RETAIN:
                    self.render_seconds += self.answers[message_id].render_total
                    del self.ended_at[message_id], self.answers[message_id]
        self.render_every = self._render_interval(answers)
        for answer in answers:
            if answer.ended:
                continue
            if now >= answer.job.deadline:
                answer.cancel(DEADLINE)
            elif now - answer.fed_at >= self.render_every and answer.render():
                # Its text came, then the upstream paused: shown rendered. An answer whose
                # text keeps coming renders in its own thread as it comes, spread over time.
                time.sleep(0)  # under gevent, the running answers go on between two renders

    def _unsaved(self, now, with_progress):
        """(progress to save: (answer, content, reasoning, tools, prompt tokens, counts), ended
        answers)."""
        with self.lock:
            answers = [a for a in self.answers.values() if a.message_id not in self.ended_at]
        progress, finals = [], []
        for answer in answers:
            if answer.ended:
                finals.append(answer)
            elif with_progress:
                content, reasoning, tools, prompt, counts = answer.progress()
                if (
                    content
                    or reasoning
                    or tools is not None
                    or now - self.renewed_at.get(answer.message_id, 0) >= self.lease / 3
                ):
                    progress.append((answer, content, reasoning, tools, prompt, counts))
        return progress, finals

    def _save(self, now, with_progress=True):
        """Save ends, and progress if asked; True when the database took them."""
        progress, finals = self._unsaved(now, with_progress)
        if not progress and not finals:
            return True
        try:
            stops, lost = self.store.save(
                self.owner,
                [(answer.message_id, *saved) for answer, *saved, _counts in progress],
                [
                    (answer.job.uid, answer.message_id, answer.final, answer.fallback)
                    for answer in finals
                ],
            )
        except Exception:  # pool full, database restarting: the next attempt saves it all
            _logger.warning(
                "Could not save %s answers, will retry", len(progress) + len(finals), exc_info=True
            )
            return False
        with self.lock:
            for answer, *_saved in progress:
                self.renewed_at[answer.message_id] = now
            for answer in finals:
                self.ended_at[answer.message_id] = now
                self.renewed_at.pop(answer.message_id, None)
        for answer, *_saved, counts in progress:
            with answer.cond:
                answer.saved_pieces = counts
        for answer in finals:
            answer.mark_saved()
        for message_id in stops:
            self.cancel(message_id, STOPPED)
        for message_id in lost:  # deleted, or taken over by a sweep: not ours to write any more
            self.cancel(message_id, DELETED)
        return True

    def _log_stats(self):
        """At DEBUG: tail-render CPU per second of generation, over the last interval."""
        with self.lock:
            rendered = self.render_seconds + sum(a.render_total for a in self.answers.values())
            running = self._running()
        seconds = self.stream_seconds - self._logged[1]
        if seconds > 0:
            _logger.debug(
                "%s answers running; tail renders used %.2f ms of CPU per stream-second "
                "over %.0f stream-seconds",
                running,
                1000 * (rendered - self._logged[0]) / seconds,
                seconds,
            )
        self._logged = (rendered, self.stream_seconds)

    def _sweep(self):
        try:
            self.store.sweep()
        except Exception:
            _logger.warning("Could not sweep interrupted answers", exc_info=True)

    # -- tests ---------------------------------------------------------------------------

    def wait_idle(self, timeout=10.0):
        """Until every answer here has ended and been saved; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                busy = any(a.message_id not in self.ended_at for a in self.answers.values())
            if not busy:
                return True
            self.wake.set()
            time.sleep(0.02)
        return False
