"""LISTEN on one PostgreSQL channel in a daemon thread (a greenlet under gevent).

NOTIFY only wakes: the data stays in the tables, so a notification lost while reconnecting
costs a delay, never text (on_reconnect lets everyone look again). The connection is its own,
outside Odoo's pool, in autocommit: a pooled one is reset (DISCARD ALL) on reuse and would go
deaf, and one inside a transaction would hold back the server's notification queue.
"""

import logging
import select
import threading
import time

import psycopg2
from psycopg2 import sql

_logger = logging.getLogger(__name__)

RECONNECT_DELAY = 2.0
POLL_TIMEOUT = 5.0


def parse(payload):
    """'kind 1,2,3' -> ('kind', [1, 2, 3]); None for anything else."""
    kind, _, ids = payload.partition(" ")
    try:
        return kind, [int(i) for i in ids.split(",") if i]
    except ValueError:
        return None


def payloads(kind, ids, max_bytes=7900):
    """'kind 1,2,3' payloads for ids, each within PostgreSQL's NOTIFY payload limit."""
    out, current = [], []
    for message_id in ids:
        if current and len(kind) + 1 + len(",".join(map(str, current + [message_id]))) > max_bytes:
            out.append(f"{kind} {','.join(map(str, current))}")
            current = []
        current.append(message_id)
    if current:
        out.append(f"{kind} {','.join(map(str, current))}")
    return out


class Listener(threading.Thread):
    def __init__(self, connect, channel, on_notify, on_reconnect):
        super().__init__(name=f"ai_stream_chat listener {channel}", daemon=True)
        self.connect = connect  # () -> a new psycopg2 connection
        self.channel = channel
        self.on_notify = on_notify  # (kind, ids)
        self.on_reconnect = on_reconnect  # ()

    def run(self):
        while True:
            try:
                self._listen()
            except Exception:  # database restart, network: listen again shortly
                _logger.warning("Listening on %s failed, reconnecting", self.channel, exc_info=True)
            time.sleep(RECONNECT_DELAY)

    def _listen(self):
        conn = self.connect()
        try:
            conn.autocommit = True
            with conn.cursor() as cr:
                cr.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
            self.on_reconnect()
            while True:
                if select.select([conn], [], [], POLL_TIMEOUT) == ([], [], []):
                    continue
                conn.poll()
                while conn.notifies:
                    parsed = parse(conn.notifies.pop(0).payload)
                    if parsed:
                        self.on_notify(*parsed)
        finally:
            conn.close()


def connect_to(dsn_params):
    return lambda: psycopg2.connect(**dsn_params)
