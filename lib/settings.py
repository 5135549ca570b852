"""The admin's choices, parsed from system parameters (`ai_stream_chat.<key>`) into plain values."""

import json
from dataclasses import dataclass, field, fields

PREFIX = "ai_stream_chat."
DEFAULT_API_URL = "https://api.openai.com/v1"
DEFAULT_SYSTEM_PROMPT = (
    "You are a helpful assistant for the users of an Odoo ERP. Answer concisely and use "
    "markdown (lists, tables, fenced code) when it helps."
)


def parse_model_list(text):
    """'a, b\\nc' -> ['a', 'b', 'c'] without blanks or repeats, order kept."""
    names = (name.strip() for name in (text or "").replace(",", "\n").splitlines())
    return list(dict.fromkeys(name for name in names if name))


def parse_temperature(text):
    """'' -> None (server default); raises ValueError outside 0..2."""
    text = (text or "").strip()
    if not text:
        return None
    value = float(text)
    if not 0 <= value <= 2:
        raise ValueError(text)
    return value


# Where 0 would mean no bound at all (answers without end) or a broken one (every lease over
# at once), 0 falls back to the default.
POSITIVE = frozenset({"max_answer_chars", "answer_lease_seconds"})
# Request fields the chat itself sets: extra parameters cannot replace them.
RESERVED_PARAMS = frozenset({"model", "messages", "stream", "stream_options", "tools"})
MAX_EXTRA_PARAMS_CHARS = 4000


def parse_extra_params(text):
    """'{"top_p": 0.9}' -> {'top_p': 0.9}; '' -> {}. Raises ValueError with what is wrong."""
    text = (text or "").strip()
    if not text:
        return {}
    if len(text) > MAX_EXTRA_PARAMS_CHARS:
        raise ValueError(f"longer than {MAX_EXTRA_PARAMS_CHARS} characters")
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:  # [[[[... within the length limit
        raise ValueError("nested too deeply") from None
    if not isinstance(value, dict):
        raise ValueError("not a JSON object ({...})")
    reserved = sorted(RESERVED_PARAMS & value.keys())
    if reserved:
        raise ValueError(f"set by the chat itself: {', '.join(reserved)}")
    return value


@dataclass(frozen=True)
class ChatSettings:
    api_url: str = DEFAULT_API_URL
    api_key: str = field(default="", repr=False)
    model: str = "gpt-4o-mini"
    models: tuple = ()
    system_prompt: str = DEFAULT_SYSTEM_PROMPT
    temperature: float | None = None
    max_tokens: int = 0
    timeout: int = 120
    max_message_chars: int = 32000
    max_streams: int = 3
    history_chars: int = 48000
    max_stream_seconds: int = 300
    max_running_answers: int = 500  # generated at once by one server process
    answer_lease_seconds: int = 30  # an answer whose process is silent this long is interrupted
    max_answer_chars: int = (
        200000  # a runaway model must not fill the database: answers are cut here
    )
    max_file_mb: int = 10
    max_attachments: int = 10
    document_chars: int = 60000  # all documents of one prompt together; fit it to the model
    denied_models: tuple = ()  # records never given to the AI, besides the built-in list
    tool_rounds: int = 6  # rounds of tool calls in one answer; 0: no tools
    tool_models: tuple = ()  # when set, the only Odoo models the tools may read
    models_without_tools: tuple = ()  # AI models never offered tools (servers without them)
    write_tools: bool = False  # the model may propose changes, each approved by the user
    write_models: tuple = ()  # when set, the only Odoo models changes may be proposed to
    user_monthly_tokens: int = 0  # each user's monthly budget unless theirs is set; 0: none
    user_monthly_amount: float = 0.0  # the same in the company's currency
    max_answer_cost: float = 0.0  # an answer is stopped before it costs more; 0: no cap
    # Added to every request's JSON body (top_p, provider routing, a server's own options).
    extra_params: dict = field(default_factory=dict, hash=False)

    @property
    def max_file_bytes(self):
        return max(self.max_file_mb, 1) * 1024 * 1024

    @classmethod
    def from_params(cls, get_param):
        """get_param(key) -> str or False, e.g. ir.config_parameter.get_param."""
        values = {}
        for f in fields(cls):
            raw = get_param(PREFIX + f.name)
            if raw in (False, None, ""):
                continue
            try:
                if f.type in ("tuple", tuple):
                    values[f.name] = tuple(parse_model_list(raw))
                elif f.type in ("bool", bool):
                    values[f.name] = str(raw).strip().lower() in ("true", "1")
                elif f.name == "temperature":
                    values[f.name] = parse_temperature(raw)
                elif f.name == "extra_params":
                    values[f.name] = parse_extra_params(raw)
                elif f.type in ("float", float):
                    values[f.name] = max(0.0, float(raw))
                elif f.type in ("int", int):
                    number = max(0, int(raw))
                    if f.name in POSITIVE and not number:
                        raise ValueError(raw)
                    values[f.name] = number
                else:
                    values[f.name] = raw
            except ValueError:
                continue  # a hand-edited bad value falls back to the default
        return cls(**values)

    def tools_for(self, llm_model):
        """Whether the answers of this AI model are offered the tools."""
        return self.tool_rounds > 0 and llm_model not in self.models_without_tools

    @property
    def allowed_models(self):
        """The default model is always allowed; the list adds choices."""
        return list(dict.fromkeys((self.model, *self.models)))
