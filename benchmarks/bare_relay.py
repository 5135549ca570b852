"""The least a Python relay can do: a reference for benchmarks/load.py, not part of the addon.

A gevent WSGI server; each POST opens a stream to the upstream with the HTTP client the openai
package uses (httpx2, with openai's connection limits) and forwards every content chunk as an
SSE `delta` event. No Odoo, no database, no rendering. Prints its URL on the first line.

    bare_relay.py --port 8574 --upstream http://127.0.0.1:8573/v1
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402

# httpcore2 imports trio when it is installed, and trio's import fails once gevent has patched
# `select`: hidden, httpcore2 goes on without it (this relay never runs trio).
sys.modules["trio"] = None

import httpx2  # noqa: E402
from gevent.pywsgi import WSGIServer  # noqa: E402

REQUEST = {"model": "bench", "stream": True, "messages": [{"role": "user", "content": "Hi"}]}


def sse(event_id, event, data):
    return f"id: {event_id}\nevent: {event}\ndata: {json.dumps(data)}\n\n".encode()


def make_app(upstream):
    client = httpx2.Client(
        timeout=httpx2.Timeout(120, connect=10),
        limits=httpx2.Limits(max_connections=1000, max_keepalive_connections=100),
    )

    def relay():
        yield sse(1, "start", {})
        event_id = 1
        with client.stream("POST", upstream + "/chat/completions", json=REQUEST) as response:
            for line in response.iter_lines():
                if not line.startswith("data:") or line[5:].strip() == "[DONE]":
                    continue
                for choice in json.loads(line[5:]).get("choices") or ():
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        event_id += 1
                        yield sse(event_id, "delta", {"content": content})
        yield sse(event_id + 1, "done", {"state": "done"})

    def app(environ, start_response):
        environ["wsgi.input"].read()
        start_response(
            "200 OK", [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")]
        )
        return relay()

    return app


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--upstream", required=True, help="base URL, e.g. http://127.0.0.1:8573/v1")
    args = parser.parse_args()
    server = WSGIServer(("127.0.0.1", args.port), make_app(args.upstream), log=None, backlog=2048)
    server.init_socket()
    print(f"http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
