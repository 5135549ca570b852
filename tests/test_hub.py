"""The hub's saving, with a fake store and a fake clock: no database, no threads."""

import gc
import json
import weakref
from unittest import TestCase
from unittest.mock import patch

from ..lib import hub
from ..lib.answers import Answer
from ..lib.hub import Hub
from .test_generation import job


class FakeStore:
    lease_seconds = 30.0

    def __init__(self):
        self.saves = []

    def save(self, owner, progress, finals):
        self.progress = progress
        self.saves.append(
            ([mid for mid, _c, _r, _t, _p in progress], [mid for _uid, mid, _f, _fb in finals])
        )
        return [], []


class TestHubSaving(TestCase):
    def setUp(self):
        super().setUp()
        self.store = FakeStore()
        self.hub = Hub(self.store, owner="test", clock=lambda: 100.0)
        self.running, self.ending = Answer(job(10)), Answer(job(20))
        for answer in (self.running, self.ending):
            self.hub.answers[answer.message_id] = answer
            answer.apply("delta", "Some text")
        self.ending.end(stream_finished=False)

    def test_an_end_is_saved_alone_between_intervals(self):
        self.assertTrue(self.hub._save(100.0, with_progress=False))
        self.assertEqual(self.store.saves, [([], [20])])
        self.assertTrue(self.ending.saved)
        self.assertEqual(
            self.running.progress()[0], "Some text", "progress must wait for its interval"
        )

    def test_a_tool_step_is_saved_with_the_progress_once(self):
        step = {"id": "c1", "name": "count_records", "arguments": {}, "state": "running"}
        self.running.apply("tool", step)
        self.assertTrue(self.hub._save(100.0))
        saved = {mid: tools for mid, _c, _r, tools, _p in self.store.progress}
        self.assertEqual(json.loads(saved[10]), [step])
        self.running.apply("delta", " more")
        self.assertTrue(self.hub._save(100.0))
        saved = {mid: tools for mid, _c, _r, tools, _p in self.store.progress}
        self.assertIsNone(saved[10])  # unchanged since saved

    def test_at_the_interval_progress_and_ends_go_together_once(self):
        self.assertTrue(self.hub._save(100.0))
        self.running.apply("delta", " more")
        self.assertTrue(self.hub._save(101.0))
        self.assertEqual(self.store.saves, [([10], [20]), ([10], [])])
        self.assertEqual(self.running.progress()[0], "")


class TestFrozenHeap(TestCase):
    def test_what_was_frozen_is_collected_again_at_most_once_an_interval(self):
        class Cycle:
            pass

        self.addCleanup(gc.unfreeze)
        garbage = Cycle()
        garbage.me = garbage  # a cycle: only the cyclic collector frees it
        with patch.object(hub, "_frozen_at", 0.0):
            hub._freeze_heap()
            alive = weakref.ref(garbage)
            del garbage
            hub._refreeze_heap(hub._frozen_at + 1)  # too soon: still frozen, still there
            self.assertIsNotNone(alive())
            hub._refreeze_heap(hub._frozen_at + hub.REFREEZE_SECONDS)
            self.assertIsNone(alive())
            self.assertGreater(gc.get_freeze_count(), 0)
