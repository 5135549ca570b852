"""What an answer costs, and when a month of spending starts and renews. Plain Python.

Prices are per million tokens, in the currency of the company (models/ai_chat_price.py). When
the AI service reports no usage, tokens are estimated from the text: about 4 characters a token
in English and most European languages (fewer in code and some scripts), so an estimate is
marked as one.
"""

import json
import math
from datetime import date
from typing import NamedTuple

CHARS_PER_TOKEN = 4
MAX_TOKENS = 2**31 - 1  # what a database integer holds


class Price(NamedTuple):
    """Per million tokens: prompt, prompt read from the service's cache, completion."""

    input: float
    cached_input: float
    output: float


class Usage(NamedTuple):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0  # of the prompt, read from the service's cache
    estimated: bool = False  # counted from the text: the service reported nothing

    @property
    def total_tokens(self):
        return self.prompt_tokens + self.completion_tokens


def tokens(value):
    """A token count as a server sent it, made a plain non-negative integer: a server's odd
    value must not stop the ledger from being written."""
    try:
        return min(max(int(value or 0), 0), MAX_TOKENS)
    except (TypeError, ValueError, OverflowError):
        return 0


def token_weight(text):
    """About how many tokens `text` makes, as a float to add up over pieces: 4 characters a
    token for ASCII, and a token for each character beyond it (CJK scripts take one or more a
    character; accented letters count half) so that an estimate errs on the high side."""
    chars = len(text)
    wide = (len(text.encode()) - chars) / 2
    return (chars - wide) / CHARS_PER_TOKEN + wide


def request_tokens(messages, tools=None):
    """About how many tokens a request's prompt makes: its messages' texts and tool calls, and
    the tool schemas offered."""
    weight = token_weight(json.dumps(tools)) if tools else 0.0
    for message in messages:
        content = message.get("content")
        weight += token_weight(content if isinstance(content, str) else json.dumps(content or ""))
        for call in message.get("tool_calls") or ():
            weight += token_weight(call["function"]["name"] + call["function"]["arguments"])
    return weight


def estimated(prompt_tokens, completion_tokens):
    """A Usage from estimates (floats), marked as estimated."""
    return Usage(math.ceil(max(prompt_tokens, 0)), math.ceil(max(completion_tokens, 0)), 0, True)


def cost(usage, price):
    """The answer's cost, or 0.0 without a price (the model has none set)."""
    if price is None:
        return 0.0
    cached = min(usage.cached_tokens, usage.prompt_tokens)
    return (
        (usage.prompt_tokens - cached) * price.input
        + cached * price.cached_input
        + usage.completion_tokens * price.output
    ) / 1_000_000


def month_start(day):
    """The first day of `day`'s month: spending counts from there."""
    return day.replace(day=1)


def renews_on(day):
    """The first day of the next month: when a month's budget starts again."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
