# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""In Odoo's gevent process, requests that use the database wait in line for a slot instead
of failing with a full pool. A streaming answer holds its slot only until its response starts;
websocket messages and this addon's writer borrow connections outside requests.

Slots: two by default, never more than half the gevent connection pool (as the threaded server
sizes its threads). A question's start is CPU work on this process's one core, waiting on
PostgreSQL about half the time: two at once keep the core busy, and each one more makes the
running answers wait for their next words (500 streams started within a second: gap p99
about 70 ms with two, 130-150 ms with 4 to 32). A database several milliseconds away wants
more: `ai_stream_chat_gevent_requests = N` in the Odoo configuration file.
"""

import logging

from werkzeug.wrappers import Response

import odoo
from odoo import http
from odoo.tools import config

from ..lib.request_gate import GateFull, RequestGate

_logger = logging.getLogger(__name__)

WAIT_SECONDS = 45  # in line; then 503, before nginx's default read timeout (60 s)
RETRY_AFTER_SECONDS = 5
DEFAULT_SLOTS = 2


def _slots():
    pool = config["db_maxconn_gevent"] or config["db_maxconn"]
    wanted = config.get("ai_stream_chat_gevent_requests") or DEFAULT_SLOTS
    try:
        wanted = int(wanted)
    except ValueError:
        _logger.warning(
            "ai_stream_chat_gevent_requests = %r is not a number: %s used", wanted, DEFAULT_SLOTS
        )
        wanted = DEFAULT_SLOTS
    return max(min(wanted, pool // 2), 1)


def install():
    serve_db = http.Request._serve_db
    if not odoo.evented or getattr(serve_db, "request_gate", None):
        return
    gate = RequestGate(_slots(), WAIT_SECONDS)

    def _serve_db(self):
        try:
            with gate.entered():
                return serve_db(self)
        except GateFull:
            _logger.warning(
                "%s requests use the database and more waited %s s: %s refused",
                gate.slots,
                gate.wait,
                self.httprequest.path,
            )
            return Response(
                "The server is busy. Try again in a few seconds.",
                status=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                content_type="text/plain; charset=utf-8",
            )

    _serve_db.request_gate = gate
    http.Request._serve_db = _serve_db
    _logger.info("Requests that use the database: at most %s at once in this process", gate.slots)


install()
