"""A gevent OpenAI-compatible fake for load benchmarks: one scripted answer to every request.

tests/fake_llm.py speaks the same SSE but serves each stream from a thread; this one serves
hundreds of concurrent streams from one process. Prints its base URL (…/v1) on the first line.

    fake_upstream.py --port 8573 --chunks 200 --delay 0.04 --text "word "
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

# The chunk format of the tests' fake (a plain module: the tests package itself needs Odoo).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from fake_llm import completion_chunk  # noqa: E402


def make_app(chunks, delay, text):
    def chunk(model, delta=None, finish=None, usage=None):
        return b"data: " + completion_chunk(model, delta or {}, finish, usage) + b"\n\n"

    def stream(model):
        # As tests/fake_llm.py: `delay` before each piece, then finish, usage and [DONE].
        for _ in range(chunks):
            gevent.sleep(delay)
            yield chunk(model, {"content": text})
        yield chunk(model, {}, finish="stop")
        yield chunk(
            model,
            usage={"prompt_tokens": 42, "completion_tokens": chunks, "total_tokens": 42 + chunks},
        )
        yield b"data: [DONE]\n\n"

    def app(environ, start_response):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        if method == "GET" and path.endswith("/models"):
            body = json.dumps(
                {"object": "list", "data": [{"id": "bench", "object": "model"}]}
            ).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        if method != "POST" or not path.endswith("/chat/completions"):
            start_response("404 Not Found", [("Content-Type", "application/json")])
            return [b'{"error": {"message": "no such route"}}']
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = json.loads(environ["wsgi.input"].read(length) or b"{}")
        # No Content-Length: pywsgi sends the body chunked, as real servers stream.
        start_response("200 OK", [("Content-Type", "text/event-stream")])
        return stream(body.get("model", "fake"))

    return app


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.04)
    parser.add_argument("--text", default="word ")
    args = parser.parse_args()
    server = WSGIServer(
        ("127.0.0.1", args.port),
        make_app(args.chunks, args.delay, args.text),
        log=None,
        backlog=2048,
    )
    server.init_socket()
    print(f"http://127.0.0.1:{server.server_port}/v1", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
