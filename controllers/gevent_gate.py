# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""In Odoo's gevent process, requests that use the database wait in line for a slot (half the
gevent connection pool, as the threaded server sizes its threads) instead of failing with a
full pool. A streaming answer holds its slot only until its response starts; websocket
messages and this addon's writer borrow connections outside requests, from the other half.
"""
import logging

from werkzeug.wrappers import Response

import odoo
from odoo import http
from odoo.tools import config

from ..lib.request_gate import GateFull, RequestGate

_logger = logging.getLogger(__name__)

WAIT_SECONDS = 20  # in line; then 503, well before a proxy's read timeout
RETRY_AFTER_SECONDS = 5


def _pool_size():
    return config["db_maxconn_gevent"] or config["db_maxconn"]


def install():
    serve_db = http.Request._serve_db
    if not odoo.evented or getattr(serve_db, "request_gate", None):
        return
    gate = RequestGate(_pool_size() // 2, WAIT_SECONDS)

    def _serve_db(self):
        try:
            with gate.entered():
                return serve_db(self)
        except GateFull:
            _logger.warning("%s requests use the database already: %s refused",
                            gate.slots, self.httprequest.path)
            return Response("The server is busy. Try again in a few seconds.", status=503,
                            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                            content_type="text/plain; charset=utf-8")

    _serve_db.request_gate = gate
    http.Request._serve_db = _serve_db
    _logger.info("Requests that use the database: at most %s at once in this process", gate.slots)


install()
