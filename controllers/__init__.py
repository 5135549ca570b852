from . import ai_stream_chat
from . import gevent_gate
