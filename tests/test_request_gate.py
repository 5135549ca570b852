"""The gate of the gevent process: past its slots, requests wait in line, then are refused."""

import threading
import time
from unittest import TestCase
from unittest.mock import patch

from odoo.tools import config

from ..controllers import gevent_gate
from ..lib.request_gate import GateFull, RequestGate


class TestRequestGate(TestCase):
    def test_no_more_than_its_slots_are_inside_at_once(self):
        gate, lock = RequestGate(3, wait=10), threading.Lock()
        inside, peak = [0], [0]

        def request():
            with gate.entered():
                with lock:
                    inside[0] += 1
                    peak[0] = max(peak[0], inside[0])
                time.sleep(0.02)
                with lock:
                    inside[0] -= 1

        threads = [threading.Thread(target=request) for _ in range(12)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual(peak[0], 3)

    def test_a_request_that_waits_too_long_is_refused_and_frees_nothing(self):
        gate, inside, leave = RequestGate(1, wait=0.05), threading.Event(), threading.Event()

        def holder():
            with gate.entered():
                inside.set()
                leave.wait(5)

        thread = threading.Thread(target=holder)
        thread.start()
        inside.wait(5)
        with self.assertRaises(GateFull):
            with gate.entered():
                pass
        leave.set()
        thread.join(5)
        with gate.entered():  # the refused request did not give back a slot it never had
            with self.assertRaises(GateFull):
                with gate.entered():
                    pass

    def test_an_error_inside_gives_the_slot_back(self):
        gate = RequestGate(1, wait=0.05)
        with self.assertRaises(ValueError):
            with gate.entered():
                raise ValueError("boom")
        with gate.entered():
            pass


class TestGateSize(TestCase):
    def slots(self, **options):
        with patch.dict(config.options, {"db_maxconn": 64, "db_maxconn_gevent": None, **options}):
            return gevent_gate._slots()

    def test_two_by_default_more_from_the_odoo_configuration_never_past_half_the_pool(self):
        self.assertEqual(self.slots(), 2)
        self.assertEqual(self.slots(ai_stream_chat_gevent_requests="6"), 6)
        self.assertEqual(self.slots(ai_stream_chat_gevent_requests="40"), 32)
        self.assertEqual(self.slots(ai_stream_chat_gevent_requests="40", db_maxconn_gevent=10), 5)
        self.assertEqual(self.slots(ai_stream_chat_gevent_requests="many"), 2)
