"""The generation of one answer: upstream events into its Answer, to the end, whoever watches.

It runs in a thread of its own (a greenlet in the gevent worker), not in the request that asked,
so a viewer leaving changes nothing. Stopping is Answer.cancel(), from any thread: it closes the
upstream, whose read then returns at once.
"""

import logging
import time

from .error_codes import INTERNAL
from .upstream import UpstreamError

_logger = logging.getLogger(__name__)


def generate(answer, chat_stream, render_interval, on_end, clock=time.monotonic):
    """Read `chat_stream` into `answer` until it ends, fails or is cancelled; then end the
    answer and call on_end(answer). render_interval(): seconds between tail renders now."""
    finished = False
    with answer.cond:
        answer.stream = chat_stream
        cancelled = bool(answer.stop_reason)
    try:
        if not cancelled:
            for name, value in chat_stream:
                if not answer.apply(name, value):
                    break
                if clock() - answer.last_render >= render_interval():
                    answer.render()
            else:
                finished = True
    except UpstreamError as exc:
        _logger.warning(
            "Upstream failed for message %s: %s %s", answer.message_id, exc.code, exc.detail
        )
        answer.fail(exc.code, exc.detail)
    except Exception as exc:  # a bug must still end the answer, not leave it running
        _logger.exception("Generation failed for message %s", answer.message_id)
        answer.fail(INTERNAL, repr(exc)[:300])
    finally:
        chat_stream.close()
        answer.end(finished)
        on_end(answer)
