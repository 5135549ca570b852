# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The chat's refusals: what models raise when they turn a request down.

A refusal is a UserError, so over JSON-RPC the user reads its message as it is; the chat's HTTP
routes answer it with its status (and Retry-After), as short text/plain (controllers/).
"""

from odoo.exceptions import UserError


class ChatRefusal(UserError):
    def __init__(self, message, status=400, retry_after=None):
        super().__init__(message)
        self.status = status  # 400 bad input, 404 not the user's, 413 too large, 429, 503
        self.retry_after = retry_after  # seconds, for 429 and 503


def not_found(message):
    return ChatRefusal(message, status=404)


def too_large(message):
    return ChatRefusal(message, status=413)


def too_many(message, retry_after=None):
    return ChatRefusal(message, status=429, retry_after=retry_after)


def unavailable(message, retry_after):
    return ChatRefusal(message, status=503, retry_after=retry_after)
