"""OpenAI-compatible chat completions as a stream of plain events.

Events are tuples: ("delta", text), ("reasoning", text), ("tool_call", fragment of
delta.tool_calls), ("usage", dict), ("finish", reason).
Every failure becomes an UpstreamError with a stable `code` (lib/error_codes.py); callers map
codes to words a person understands. No ORM here.
"""

import functools
import json
import logging
import select
import sys
from dataclasses import dataclass, field

# openai's HTTP library imports trio when it is installed, and tells "not installed" by an
# ImportError. Under gevent, which removes select.epoll, trio fails with an AttributeError
# instead, and every request of the gevent worker would fail: there, trio is not installed.
if sys.platform == "linux" and not hasattr(select, "epoll"):
    sys.modules.setdefault("trio", None)

import openai  # noqa: E402

from . import error_codes as codes  # noqa: E402
from . import pricing  # noqa: E402

_logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
# Error bodies may echo the prompt: logs keep only their start.
DETAIL_MAX_CHARS = 300


@dataclass(frozen=True)
class UpstreamConfig:
    base_url: str
    api_key: str
    llm_model: str
    temperature: float | None = None
    max_tokens: int = 0
    timeout: float = 120.0  # seconds without a byte from the server
    extra_body: dict = field(default_factory=dict, hash=False)  # merged into the JSON body
    extra_headers: dict = field(default_factory=dict, hash=False, repr=False)  # e.g. a gateway's

    def __repr__(self):  # keeps the key out of tracebacks and logs
        return f"UpstreamConfig(base_url={self.base_url!r}, llm_model={self.llm_model!r})"


class UpstreamError(Exception):
    """code: auth, forbidden, not_found, rate_limit, bad_request, redirect, server, timeout,
    connection, malformed."""

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def _client(config):
    return _cached_client(config.base_url, config.api_key, config.timeout)


@functools.lru_cache(maxsize=8)
def _cached_client(base_url, api_key, timeout):
    # Shared and thread-safe: building one loads the TLS trust store (~70 ms), and its pool
    # keeps connections to the server open between answers.
    return openai.OpenAI(
        base_url=base_url,
        # Local servers (Ollama, llama.cpp) need no key, but the client insists on one.
        api_key=api_key or "none",
        timeout=openai.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)),
        max_retries=0,
        # A redirect would send the whole prompt (and the key) to another address.
        http_client=openai.DefaultHttpxClient(follow_redirects=False),
    )


def _scrub(text, config):
    """The key removed, then cut (so no part of the key can survive the cut)."""
    text = str(text)
    if config.api_key:
        text = text.replace(config.api_key, "***")
    return text[:DETAIL_MAX_CHARS]


_STATUS_CODES = {
    400: codes.BAD_REQUEST,
    401: codes.AUTH,
    403: codes.FORBIDDEN,
    404: codes.NOT_FOUND,
    422: codes.BAD_REQUEST,
    429: codes.RATE_LIMIT,
}


def to_upstream_error(exc, config):
    """Map any client exception to an UpstreamError (detail is for the log: key removed, cut)."""
    if isinstance(exc, UpstreamError):
        return UpstreamError(exc.code, _scrub(exc.detail, config))
    detail = _scrub(f"{type(exc).__name__}: {exc}", config)
    if isinstance(exc, openai.APITimeoutError):
        return UpstreamError(codes.TIMEOUT, detail)
    if isinstance(exc, openai.APIConnectionError):
        return UpstreamError(codes.CONNECTION, detail)
    if isinstance(exc, openai.APIStatusError) and 300 <= exc.status_code < 400:
        return UpstreamError(codes.REDIRECT, detail)
    if isinstance(exc, openai.APIStatusError):
        code = _STATUS_CODES.get(
            exc.status_code, codes.SERVER if exc.status_code >= 500 else codes.BAD_REQUEST
        )
        return UpstreamError(code, detail)
    if isinstance(exc, openai.APIError):
        return UpstreamError(codes.SERVER, detail)
    if isinstance(exc, ValueError):  # a chunk that is not JSON
        return UpstreamError(codes.MALFORMED, detail)
    # Errors while reading the body come unwrapped from openai's HTTP library (httpx or its
    # successor, depending on the openai version): recognise them by module and name.
    if type(exc).__module__.split(".")[0].startswith("httpx"):
        return UpstreamError(
            codes.TIMEOUT if "Timeout" in type(exc).__name__ else codes.CONNECTION, detail
        )
    return UpstreamError(codes.MALFORMED, detail)


# (API URL, model) pairs whose server refused `tools` in this process: not offered again.
_TOOLS_REFUSED = set()
# How servers say they cannot use tools: Ollama and vLLM answer 400, llama.cpp 500.
_TOOL_REFUSALS = (
    openai.BadRequestError,
    openai.InternalServerError,
    openai.UnprocessableEntityError,
)


class ChatStream:
    """One streamed completion. Iterate for events; close() drops the HTTP stream at once.

    The request goes through the openai client (auth, errors, options); the SSE lines are
    parsed here: openai's typed chunk objects cost more than a fast server takes to send them,
    and relaying must not be slower than the upstream.
    """

    def __init__(self, config, messages, tools=None):
        self.config = config
        self.messages = messages
        self.tools = tools  # OpenAI `tools` schemas offered to the model, if any
        if tools and (config.base_url, config.llm_model) in _TOOLS_REFUSED:
            self.tools = None
        self.tools_refused = False  # the server refused them for this request
        self._response = None
        self.closed = False

    @functools.cached_property
    def sent_tokens(self):
        """About how many tokens the prompt makes, for when the service reports no usage."""
        return pricing.request_tokens(self.messages, self.tools)

    def _open(self):
        if self.closed:
            raise UpstreamError(codes.CONNECTION, "closed before it opened")
        kwargs = {"model": self.config.llm_model, "messages": self.messages, "stream": True}
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.max_tokens:
            kwargs["max_tokens"] = self.config.max_tokens
        if self.tools:
            kwargs["tools"] = self.tools
        if self.config.extra_body:
            kwargs["extra_body"] = dict(self.config.extra_body)
        if self.config.extra_headers:
            kwargs["extra_headers"] = dict(self.config.extra_headers)
        try:
            return self._create(kwargs)
        except _TOOL_REFUSALS as exc:
            if not self.tools or "tool" not in str(exc).lower():
                raise
            _logger.info("Upstream refuses tools for %s, answering without", self.config.llm_model)
            _TOOLS_REFUSED.add((self.config.base_url, self.config.llm_model))
            self.tools, self.tools_refused = None, True
            del kwargs["tools"]
            return self._create(kwargs)

    def _create(self, kwargs):
        create = _client(self.config).chat.completions.with_streaming_response.create
        try:
            return create(**kwargs, stream_options={"include_usage": True}).__enter__()
        except openai.BadRequestError as exc:
            # Some compatible servers reject options they do not know: usage is optional.
            if "stream_options" not in str(exc):
                raise
            _logger.info("Upstream rejects stream_options, retrying without usage")
            return create(**kwargs).__enter__()

    def __iter__(self):
        try:
            self._response = self._open()
            if self.tools_refused:
                yield "tools_refused", True
            for line in self._response.iter_lines():
                if not line.startswith("data:"):
                    continue  # blank separators, comments, `event:` names
                data = line[5:].strip()
                if data == "[DONE]":
                    return
                yield from self._events(json.loads(data))
        except Exception as exc:
            if self.closed:
                return  # we closed it ourselves: not a failure
            raise to_upstream_error(exc, self.config) from exc
        finally:
            self.close()

    @staticmethod
    def _events(chunk):
        if not isinstance(chunk, dict):
            raise UpstreamError(codes.MALFORMED, f"chunk is not an object: {chunk!r:.200}")
        if chunk.get("error"):  # some servers report failures inside the stream
            raise UpstreamError(codes.SERVER, f"error in stream: {chunk['error']!r:.500}")
        usage = chunk.get("usage")
        if usage:
            details = usage.get("prompt_tokens_details") or {}
            yield (
                "usage",
                {
                    "prompt_tokens": usage.get("prompt_tokens") or 0,
                    "completion_tokens": usage.get("completion_tokens") or 0,
                    "total_tokens": usage.get("total_tokens") or 0,
                    # OpenAI says cached_tokens, DeepSeek prompt_cache_hit_tokens.
                    "cached_tokens": details.get("cached_tokens")
                    or usage.get("prompt_cache_hit_tokens")
                    or 0,
                },
            )
        for choice in chunk.get("choices") or ():
            delta = choice.get("delta") or {}
            # DeepSeek says reasoning_content, vLLM and OpenRouter say reasoning.
            reasoning = delta.get("reasoning_content") or delta.get("reasoning")
            if isinstance(reasoning, str) and reasoning:
                yield "reasoning", reasoning
            content = delta.get("content")
            if isinstance(content, str) and content:
                yield "delta", content
            for fragment in delta.get("tool_calls") or ():
                yield "tool_call", fragment
            if choice.get("finish_reason"):
                yield "finish", choice["finish_reason"]

    def close(self):
        """Drop the HTTP stream (its connection is not reused); safe from any thread, twice."""
        self.closed = True
        response, self._response = self._response, None
        if response is not None:
            try:
                response.close()
            except Exception:  # closing a half-dead connection may fail: it is gone anyway
                _logger.debug("Error while closing the upstream stream", exc_info=True)


def list_models(config):
    """Model ids the server offers (GET /models); raises UpstreamError."""
    try:
        return sorted(model.id for model in _client(config).models.list())
    except Exception as exc:
        raise to_upstream_error(exc, config) from exc
