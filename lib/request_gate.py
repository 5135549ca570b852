"""A bound on requests that hold a database cursor at once, in one process.

Odoo's threaded server keeps its HTTP threads to half its connection pool, so a burst of
requests waits for a thread instead of failing. Its gevent process starts a greenlet per
connection with no such bound: a burst of a few hundred questions borrows every pooled
connection and the rest fail with `PoolError` (HTTP 500). The gate brings the threaded
server's rule there: past `slots` requests, the next ones wait in line, then get 503.
"""

import threading
from contextlib import contextmanager


class GateFull(Exception):
    """No slot came free within the wait."""


class RequestGate:
    def __init__(self, slots, wait):
        self.slots = max(int(slots), 1)
        self.wait = wait  # seconds a request waits for a slot before it is refused
        self._free = threading.BoundedSemaphore(self.slots)  # cooperative under gevent

    @contextmanager
    def entered(self):
        if not self._free.acquire(timeout=self.wait):
            raise GateFull()
        try:
            yield
        finally:
            self._free.release()
