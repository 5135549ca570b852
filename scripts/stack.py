"""A throwaway stack on this machine for benchmarks and screenshots: fake upstreams and an Odoo
server as child processes, and an admin session (requests) or browser login (Playwright)."""

import hashlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
FAKE = ROOT / "tests" / "fake_llm.py"
# Generated files live outside the clone: Odoo finds the addon through a symlink named after it,
# and a symlink inside the addon would make Odoo's file walks (e.g. translation export) loop.
BUILD = Path(
    os.environ.get("AI_STREAM_CHAT_BUILD")
    or Path.home() / ".cache" / "ai_stream_chat" / hashlib.sha1(str(ROOT).encode()).hexdigest()[:12]
)
ADDONS = BUILD / "addons"
CONF = BUILD / "odoo.conf"


def start_fake(*args):
    """A fake OpenAI-compatible server (see tests/fake_llm.py main): (process, base URL)."""
    proc = subprocess.Popen([sys.executable, str(FAKE), *args], stdout=subprocess.PIPE, text=True)
    return proc, proc.stdout.readline().strip()


def start_odoo(conf, db, port):
    cmd = [
        sys.executable,
        "-m",
        "odoo",
        "-c",
        str(conf),
        "-d",
        db,
        "--db-filter",
        f"^{db}$",
        "--http-port",
        str(port),
        "--workers",
        "0",
        "--max-cron-threads",
        "0",
        "--log-level",
        "warn",
    ]
    proc = subprocess.Popen(cmd)
    for _ in range(120):
        try:
            requests.get(f"http://127.0.0.1:{port}/web/login", timeout=30)
            return proc
        except requests.ConnectionError:
            time.sleep(0.5)
    proc.terminate()
    sys.exit("Odoo did not start")


def stop(procs):
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.wait(20)


class Odoo:
    """A session on a running server (the administrator's unless told otherwise)."""

    def __init__(self, base, login="admin", password="admin"):
        self.base = base
        self.session = requests.Session()
        page = self.session.get(base + "/web/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.session.post(
            base + "/web/login", data={"login": login, "password": password, "csrf_token": token}
        )
        self.csrf = re.search(
            r'csrf_token: "([^"]+)"', self.session.get(base + "/odoo").text
        ).group(1)

    def call(self, model, method, *args, **kwargs):
        response = self.session.post(
            self.base + "/web/dataset/call_kw",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
            },
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise RuntimeError(body["error"]["data"]["message"])
        return body["result"]

    def ask(self, message, model=None):
        """A question through the stream route, read to its end."""
        data = {"message": message, "csrf_token": self.csrf, **({"model": model} if model else {})}
        with self.session.post(self.base + "/ai/stream_chat", data=data, stream=True) as response:
            response.raise_for_status()
            for _line in response.iter_lines():
                pass

    def set_param(self, key, value):
        self.call("ir.config_parameter", "set_param", f"ai_stream_chat.{key}", value)

    def cookie(self):
        return "; ".join(f"{k}={v}" for k, v in self.session.cookies.items())


def browser_page(playwright, base, width=1440, height=900):
    """Headless Debian Chromium, logged in as admin."""
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(base + "/web/login")
    page.fill("input[name=login]", "admin")
    page.fill("input[name=password]", "admin")
    page.click("button[type=submit]")
    page.wait_for_url("**/odoo**")
    return browser, page


class FlakyNetwork:
    """A TCP relay to `port` on 127.0.0.1 whose connections can be cut, as a dropped network
    cuts them: `down()` closes every open one and refuses new ones until `up()`."""

    def __init__(self, port):
        self.target = port
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open, self.is_up, self.lock = set(), True, threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            client, _ = self.server.accept()
            if not self.is_up:
                client.close()
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target))
            with self.lock:
                self.open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            self._close(sock)

    def _close(self, sock):
        with self.lock:
            self.open.discard(sock)
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def down(self):
        self.is_up = False
        with self.lock:
            socks = list(self.open)
        for sock in socks:
            self._close(sock)

    def up(self):
        self.is_up = True
