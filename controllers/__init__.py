from . import ai_stream_chat
