"""Every code an answer can fail with: `error.code` and `done.error_code` on the wire
(docs/wire-contract.md), stored in `ai_chat_message.error_code`. The words a person reads for
each are the model's (`_stream_error_messages`), in their language."""

# The AI service (lib/upstream.py)
AUTH = "auth"  # the API key was rejected
FORBIDDEN = "forbidden"
NOT_FOUND = "not_found"  # no such model or address
RATE_LIMIT = "rate_limit"
BAD_REQUEST = "bad_request"
REDIRECT = "redirect"  # not followed: the API URL is wrong
SERVER = "server"
TIMEOUT = "timeout"
CONNECTION = "connection"
MALFORMED = "malformed"  # an answer that could not be read
CUT = "cut"  # the stream ended without a finish_reason

# The generation itself (lib/answers.py, lib/hub.py)
DEADLINE = "deadline"  # the answer's maximum duration
TOO_LONG = "too_long"  # the max_answer_chars setting, of text or of reasoning
DELETED = "deleted"  # the conversation was deleted meanwhile
COST_CAP = "cost_cap"  # the answer would cost more than the per-answer cap
INTERNAL = "internal"

ALL = (
    AUTH,
    FORBIDDEN,
    NOT_FOUND,
    RATE_LIMIT,
    BAD_REQUEST,
    REDIRECT,
    SERVER,
    TIMEOUT,
    CONNECTION,
    MALFORMED,
    CUT,
    DEADLINE,
    TOO_LONG,
    DELETED,
    COST_CAP,
    INTERNAL,
)

# Not an error: why an answer stopped on request (a reason next to the codes above).
STOPPED = "stopped"
