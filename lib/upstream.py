"""OpenAI-compatible chat completions as a stream of plain events.

Events are tuples: ("delta", text), ("reasoning", text), ("usage", dict), ("finish", reason).
Every failure becomes an UpstreamError with a stable `code`; callers map codes to words a
person understands. No ORM here.
"""
import logging
from dataclasses import dataclass

import openai

_logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0


@dataclass(frozen=True)
class UpstreamConfig:
    base_url: str
    api_key: str
    llm_model: str
    temperature: float | None = None
    max_tokens: int = 0
    timeout: float = 120.0  # seconds without a byte from the server

    def __repr__(self):  # keeps the key out of tracebacks and logs
        return f"UpstreamConfig(base_url={self.base_url!r}, llm_model={self.llm_model!r})"


class UpstreamError(Exception):
    """code: auth, forbidden, not_found, rate_limit, bad_request, server, timeout, connection,
    malformed."""

    def __init__(self, code, detail=""):
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def _client(config):
    return openai.OpenAI(
        base_url=config.base_url,
        # Local servers (Ollama, llama.cpp) need no key, but the client insists on one.
        api_key=config.api_key or "none",
        timeout=openai.Timeout(config.timeout, connect=min(CONNECT_TIMEOUT, config.timeout)),
        max_retries=0,
    )


def _scrub(text, config):
    text = str(text)
    return text.replace(config.api_key, "***") if config.api_key else text


_STATUS_CODES = {
    400: "bad_request",
    401: "auth",
    403: "forbidden",
    404: "not_found",
    422: "bad_request",
    429: "rate_limit",
}


def to_upstream_error(exc, config):
    """Map any client exception to an UpstreamError (detail is for the log, key removed)."""
    detail = _scrub(f"{type(exc).__name__}: {exc}", config)
    if isinstance(exc, UpstreamError):
        return exc
    if isinstance(exc, openai.APITimeoutError):
        return UpstreamError("timeout", detail)
    if isinstance(exc, openai.APIConnectionError):
        return UpstreamError("connection", detail)
    if isinstance(exc, openai.APIStatusError):
        code = _STATUS_CODES.get(exc.status_code, "server" if exc.status_code >= 500 else "bad_request")
        return UpstreamError(code, detail)
    if isinstance(exc, openai.APIError):  # an `error` payload inside the stream
        return UpstreamError("server", detail)
    return UpstreamError("malformed", detail)


class ChatStream:
    """One streamed completion. Iterate for events; close() drops the HTTP stream at once."""

    def __init__(self, config, messages):
        self.config = config
        self.messages = messages
        self._client = None
        self._stream = None
        self.closed = False

    def _open(self):
        if self.closed:
            raise UpstreamError("connection", "closed before it opened")
        self._client = _client(self.config)
        kwargs = {"model": self.config.llm_model, "messages": self.messages, "stream": True}
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.max_tokens:
            kwargs["max_tokens"] = self.config.max_tokens
        create = self._client.chat.completions.create
        try:
            return create(**kwargs, stream_options={"include_usage": True})
        except openai.BadRequestError as exc:
            # Some compatible servers reject options they do not know: usage is optional.
            if "stream_options" not in str(exc):
                raise
            _logger.info("Upstream rejects stream_options, retrying without usage")
            return create(**kwargs)

    def __iter__(self):
        try:
            self._stream = self._open()
            for chunk in self._stream:
                yield from self._events(chunk)
        except Exception as exc:
            if self.closed:
                return  # we closed it ourselves: not a failure
            raise to_upstream_error(exc, self.config) from exc
        finally:
            self.close()

    @staticmethod
    def _events(chunk):
        if getattr(chunk, "usage", None):
            usage = chunk.usage
            yield "usage", {
                "prompt_tokens": usage.prompt_tokens or 0,
                "completion_tokens": usage.completion_tokens or 0,
                "total_tokens": usage.total_tokens or 0,
            }
        for choice in chunk.choices or ():
            delta = choice.delta
            if delta is not None:
                # DeepSeek says reasoning_content, vLLM and OpenRouter say reasoning.
                reasoning = getattr(delta, "reasoning_content", None) or getattr(delta, "reasoning", None)
                if isinstance(reasoning, str) and reasoning:
                    yield "reasoning", reasoning
                if delta.content:
                    yield "delta", delta.content
            if choice.finish_reason:
                yield "finish", choice.finish_reason

    def close(self):
        self.closed = True
        stream, client = self._stream, self._client
        self._stream = self._client = None
        for closable in (stream, client):
            if closable is not None:
                try:
                    closable.close()
                except Exception:  # closing a half-dead connection may fail: it is gone anyway
                    _logger.debug("Error while closing the upstream stream", exc_info=True)


def list_models(config):
    """Model ids the server offers (GET /models); raises UpstreamError."""
    client = _client(config)
    try:
        return sorted(model.id for model in client.models.list())
    except Exception as exc:
        raise to_upstream_error(exc, config) from exc
    finally:
        client.close()
