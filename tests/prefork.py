"""A real Odoo server in production mode for tests: prefork workers plus the gevent worker.

It runs as its own process tree on the test database, so it sees only committed data: tests
set it up through its own RPC, as an administrator would.
"""

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psutil
import requests

import odoo
from odoo.tools import config


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def odoo_bin():
    """The odoo-bin script: the gevent worker is started as `python <argv[0]> gevent`, which
    `python -m odoo` cannot do."""
    source = Path(odoo.__file__).resolve().parent.parent / "odoo-bin"
    found = str(source) if source.exists() else shutil.which("odoo-bin") or shutil.which("odoo")
    if not found:
        raise RuntimeError("odoo-bin not found: production-mode tests need it")
    return found


class PreforkOdoo:
    def __init__(self, dbname, workers=2, gevent_pool=None):
        self.dbname = dbname
        self.http_port, self.gevent_port = free_port(), free_port()
        self.command = [
            sys.executable,
            odoo_bin(),
            "-c",
            config.rcfile,
            "-d",
            dbname,
            "--db-filter",
            f"^{dbname}$",
            "--http-interface",
            "127.0.0.1",
            "--http-port",
            str(self.http_port),
            "--gevent-port",
            str(self.gevent_port),
            "--workers",
            str(workers),
            "--max-cron-threads",
            "0",
            "--log-level",
            "warn",
        ]
        if gevent_pool:
            self.command += ["--db_maxconn_gevent", str(gevent_pool)]
        self.process = None

    @property
    def http(self):
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def gevent(self):
        return f"http://127.0.0.1:{self.gevent_port}"

    def start(self, timeout=90):
        self.process = subprocess.Popen(
            self.command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        for base in (self.http, self.gevent):  # the gevent process loads its registry lazily
            while True:
                with contextlib.suppress(requests.RequestException):
                    if requests.get(base + "/web/login", timeout=30).status_code == 200:
                        break
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        "the prefork server did not start: "
                        + self.process.stderr.read().decode(errors="replace")[-3000:]
                    )
                time.sleep(0.3)
        return self

    def stop(self):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)

    def gevent_pid(self):
        """The gevent worker's pid: the master's child started with `gevent` in its argv."""
        for child in psutil.Process(self.process.pid).children():
            if "gevent" in child.cmdline():
                return child.pid
        raise RuntimeError("no gevent worker")

    def session(self, login, password):
        """A logged-in requests session and its CSRF token."""
        session = requests.Session()
        page = session.get(self.http + "/web/login", timeout=30).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        session.post(
            self.http + "/web/login",
            timeout=30,
            data={"login": login, "password": password, "csrf_token": token},
        )
        page = session.get(self.http + "/odoo", timeout=60).text
        session.csrf = re.search(r'csrf_token: "([^"]+)"', page).group(1)
        return session

    def call(self, session, model, method, *args, **kwargs):
        response = session.post(
            self.http + "/web/dataset/call_kw",
            timeout=60,
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            },
        )
        body = response.json()
        if "error" in body:
            raise RuntimeError(json.dumps(body["error"]["data"]["message"]))
        return body["result"]


def open_stream(session, method, url, fields):
    """An SSE request with `session`'s cookies: (status, iterator of decoded lines).

    Plain http.client, read as the bytes arrive: the test framework's patch of requests'
    Session.send does not stream.
    """
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    body = urlencode(fields)
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request("POST", parts.path, body=body, headers=headers)
    else:
        conn.request("GET", f"{parts.path}?{body}", headers=headers)
    response = conn.getresponse()
    return response.status, _lines(response, conn)


def _lines(response, conn):
    buffer = b""
    try:
        while True:
            try:
                data = response.read1(65536)
            except (http.client.HTTPException, OSError):  # the server process died
                break
            if not data:
                break
            buffer += data
            *lines, buffer = buffer.split(b"\n")
            for line in lines:
                yield line.decode()
    finally:
        conn.close()
