"""Server-Sent Events framing (https://html.spec.whatwg.org/multipage/server-sent-events.html)."""

import json

HEADERS = [
    ("Content-Type", "text/event-stream; charset=utf-8"),
    ("Cache-Control", "no-cache"),
    # nginx buffers proxied responses unless told not to, which would hold tokens back.
    ("X-Accel-Buffering", "no"),
]

PING = b": ping\n\n"


class EventEncoder:
    """Numbers events so a client can tell what it has seen (`id:` increases by one, from the
    last id a resuming client saw)."""

    def __init__(self, last_id=0):
        self.last_id = last_id

    def encode(self, event, data):
        self.last_id += 1
        # json.dumps never emits a raw newline, so one `data:` line always suffices.
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return f"id: {self.last_id}\nevent: {event}\ndata: {payload}\n\n".encode()
