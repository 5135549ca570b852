"""A real OpenAI-compatible HTTP server on 127.0.0.1, scripted per test.

fake = FakeLLM(); fake.start()
fake.script(Reply(chunks=["Hel", "lo"], delay=0.01, usage=(5, 2)))
... point ai_stream_chat.api_url at fake.url ...
fake.requests[-1]["json"]["messages"]
"""

import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    chunks: list = field(default_factory=lambda: ["Hello", " world"])
    reasoning: list = field(default_factory=list)  # sent first, as delta.reasoning_content
    delay: float = 0.0  # seconds before each chunk
    usage: tuple | None = None  # (prompt_tokens, completion_tokens[, cached prompt tokens])
    status: int = 200  # an HTTP error status answers at once with error_body
    error_body: dict | None = None
    drop_after: int | None = None  # close the socket after N content chunks, no [DONE]
    malformed_after: int | None = None  # send a broken JSON line after N content chunks
    hang: bool = False  # send headers, then nothing until release() or 30 s
    reject_stream_options: bool = False  # 400 when stream_options is present
    redirect: bool = False  # 307 to another path of this server, which answers if followed
    error_chunk: dict | None = None  # sent as {"error": ...} after the chunks, in the stream
    finish_reason: str = "stop"
    # Tool calls sent after the chunks, each as {"name", "arguments" (JSON text), and
    # optionally "id", "index", "pieces": the fragments its arguments are cut in}.
    tool_calls: list = field(default_factory=list)
    reject_tools: bool = False  # 400 "does not support tools" (Ollama) when tools are sent


def completion_chunk(model, delta, finish=None, usage=None):
    """One streamed chunk's JSON, as OpenAI sends it (the last one: usage and no choice)."""
    choices = [] if usage else [{"index": 0, "delta": delta, "finish_reason": finish}]
    return json.dumps(
        {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": model,
            "choices": choices,
            "usage": usage,
        }
    ).encode()


def tool_call_fragments(position, call):
    """delta.tool_calls items of one call as servers stream it: the first with its index, id
    and name, the next ones with pieces of the arguments."""
    arguments, pieces = call.get("arguments", "{}"), max(call.get("pieces", 1), 1)
    size = -(-len(arguments) // pieces) or 1
    parts = [arguments[i : i + size] for i in range(0, len(arguments), size)] or [""]
    first = {"index": call.get("index", position), "type": "function"}
    if call.get("id", f"call_{position}"):
        first["id"] = call.get("id", f"call_{position}")
    yield {**first, "function": {"name": call["name"], "arguments": parts[0]}}
    for part in parts[1:]:
        yield {"index": first["index"], "function": {"arguments": part}}


class _Handler(BaseHTTPRequestHandler):
    # Chunked HTTP/1.1 as real servers do: a connection dropped mid-body is then an error.
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # keep test output clean
        pass

    def _headers(self):
        return {name.lower(): value for name, value in self.headers.items()}

    def do_GET(self):
        fake = self.server.fake
        if not self.path.endswith("/models"):
            return self._json(404, {"error": {"message": "no such route"}})
        fake.requests.append({"path": self.path, "headers": self._headers(), "json": None})
        if fake.models_status != 200:
            return self._json(
                fake.models_status, {"error": {"message": "Incorrect API key provided"}}
            )
        self._json(
            200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]}
        )

    def do_POST(self):
        fake = self.server.fake
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        fake.requests.append({"path": self.path, "headers": self._headers(), "json": body})
        if not self.path.endswith("/chat/completions"):
            return self._json(404, {"error": {"message": "no such route"}})
        if self.path.startswith("/elsewhere/"):  # a redirect was followed
            return self._json(200, {"choices": []})
        reply = fake.reply_for(body)
        if reply.redirect:
            return self._json(
                307,
                {},
                {
                    "Location": f"http://127.0.0.1:{self.server.server_port}"
                    "/elsewhere/chat/completions"
                },
            )
        if reply.reject_tools and "tools" in body:
            fake.replies.insert(0, replace(reply, reject_tools=False))  # for the retry
            return self._json(
                400, {"error": {"message": "registry.ollama.ai/library/m does not support tools"}}
            )
        if reply.reject_stream_options and "stream_options" in body:
            return self._json(
                400,
                {"error": {"message": "Unrecognized request argument supplied: stream_options"}},
            )
        if reply.status != 200:
            return self._json(
                reply.status, reply.error_body or {"error": {"message": f"status {reply.status}"}}
            )
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        try:
            self._stream(fake, reply, body.get("model", "fake"))
        except (BrokenPipeError, ConnectionResetError):
            fake.client_closed.set()

    def _stream(self, fake, reply, model):
        def write_chunk(data):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()

        def send(payload):
            write_chunk(b"data: " + payload + b"\n\n")

        def chunk(delta, finish=None, usage=None):
            return completion_chunk(model, delta, finish, usage)

        if reply.hang:
            self.wfile.flush()
            fake.release_event.wait(30)
            write_chunk(b"")  # a clean, empty end: the reply simply never said anything
            return
        for piece in reply.reasoning:
            time.sleep(reply.delay)
            send(chunk({"role": "assistant", "reasoning_content": piece}))
        for index, piece in enumerate(reply.chunks):
            if index == reply.drop_after:
                self.connection.shutdown(2)
                return
            if index == reply.malformed_after:
                send(b'{"choices": [{"delta": {"content": "x"')
                return
            time.sleep(reply.delay)
            send(chunk({"content": piece}))
            fake.chunks_sent += 1
        if reply.error_chunk:
            send(json.dumps({"error": reply.error_chunk}).encode())
            write_chunk(b"")
            return
        for position, call in enumerate(reply.tool_calls):
            for fragment in tool_call_fragments(position, call):
                send(chunk({"tool_calls": [fragment]}))
        finish = "tool_calls" if reply.tool_calls and reply.finish_reason == "stop" else None
        send(chunk({}, finish=finish or reply.finish_reason))
        if reply.usage:
            prompt, completion, *cached = reply.usage
            usage = {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            }
            if cached:  # as OpenAI reports it
                usage["prompt_tokens_details"] = {"cached_tokens": cached[0]}
            send(chunk({}, usage=usage))
        send(b"[DONE]")
        write_chunk(b"")
        fake.completed.set()

    def _json(self, status, data, headers=None):
        payload = json.dumps(data).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)


class FakeLLM:
    def __init__(self, port=0):
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.models = ["fake-model", "other-model"]
        self.reset()

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.release_event.set()
        self._server.shutdown()
        self._server.server_close()

    def reset(self):
        if hasattr(self, "release_event"):
            self.release_event.set()  # free handlers still hanging from an earlier test
        self.requests = []
        self.replies = []
        self.models_status = 200
        self.chunks_sent = 0
        self.client_closed = threading.Event()
        self.completed = threading.Event()
        self.release_event = threading.Event()

    def script(self, *replies):
        self.replies.extend(replies)

    def reply_for(self, body):
        """The reply to a request (its JSON body): the next scripted one."""
        return self.next_reply()

    def next_reply(self):
        return self.replies.pop(0) if self.replies else Reply()

    def release(self):
        self.release_event.set()


def token_pieces(text):
    """Split text roughly as a model's tokens arrive: words with their following spaces."""
    return re.findall(r"\S+\s*|\s+", text)


def _scripted_tools(script, reply, delay):
    """reply_for(body) for main's --tools-script: the conversation's first user question
    picks its entry; a request ending with tool results gets the entry's closing text."""
    entries = [
        (
            entry["on"],
            Reply(
                chunks=[],
                delay=delay,
                tool_calls=[
                    {"name": name, "arguments": arguments, "pieces": 2}
                    for name, arguments in entry["calls"]
                ],
            ),
            Reply(chunks=token_pieces(entry["after"]), delay=delay, usage=(90, 30)),
        )
        for entry in script
    ]

    def reply_for(body):
        messages = body.get("messages") or [{}]
        question = next((m for m in reversed(messages) if m.get("role") == "user"), {})
        for word, calling, after in entries:
            if word not in str(question.get("content")):
                continue
            if messages[-1].get("role") == "tool":
                return after
            if body.get("tools"):
                return calling
        return reply

    return reply_for


def main():
    """Serve one scripted reply to every request (benchmarks, screenshots).

    fake_llm.py --chunks N [--text T]   N times the piece T
    fake_llm.py --reply-file F          the markdown of F, one word per chunk
    fake_llm.py ... --tools-script J    J: a JSON list of {"on": WORD, "calls": [[NAME, JSON
        arguments text], ...], "after": T}: a question holding WORD, when tools are offered,
        gets those calls first; the request that brings their results gets the text T
    """
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=100)
    parser.add_argument("--delay", type=float, default=0.0)
    parser.add_argument("--text", default="tok ")
    parser.add_argument("--reply-file")
    parser.add_argument("--tools-script")
    args = parser.parse_args()
    fake = FakeLLM(port=args.port)
    if args.reply_file:
        with open(args.reply_file, encoding="utf-8") as f:
            chunks = token_pieces(f.read())
    else:
        chunks = [args.text] * args.chunks
    reply = Reply(chunks=chunks, delay=args.delay, usage=(42, len(chunks)))
    fake.next_reply = lambda: reply
    if args.tools_script:
        with open(args.tools_script, encoding="utf-8") as f:
            fake.reply_for = _scripted_tools(json.load(f), reply, args.delay)
    sys.stdout.write(fake.url + "\n")  # the parent reads the address from here
    sys.stdout.flush()
    fake._server.serve_forever()


if __name__ == "__main__":
    main()
