"""N concurrent streams through Odoo's gevent port, with two references: prints markdown
tables, asserts nothing.

Started by `make bench-load` (scripts/dev.py bench-load), which passes the Odoo config, a
database with the addon installed, the odoo-bin script and a PYTHONPATH under which gevent
imports. For each N this process (one gevent client, raw sockets) opens N streams against:

  direct     the fake upstream itself (benchmarks/fake_upstream.py, or tests/fake_llm.py with
             --fake threaded): 200 one-word chunks, 40 ms before each
  relay      benchmarks/bare_relay.py in front of it: the most a Python relay does here
  odoo       POST /ai/stream_chat on Odoo's gevent port (prefork, 2 workers), one user per
             stream, the addon pointed at the same fake

Each round runs every N against every target in turn, so the references and the addon share
the moments of this machine's noise; the goals are judged on the median of the rounds' ratios.
Before the rounds, Odoo's floor: the gevent process's CPU per question refused at once.

Benchmark users (load001...) are created once in the database; their sessions are kept beside
the Odoo config and checked, so later runs skip the logins (a first login hashes a password
with 600,000 PBKDF2 rounds: about 0.4 s of CPU each).
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import collections  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from itertools import pairwise  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

import gevent  # noqa: E402
import gevent.pool  # noqa: E402
import gevent.socket  # noqa: E402
import psycopg2  # noqa: E402
import psycopg2.extensions  # noqa: E402
import requests  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CLK = os.sysconf("SC_CLK_TCK")
QUESTION = "Write two hundred words about load tests."
TITLES = {"direct": "direct", "relay": "bare relay", "odoo": "odoo"}


def _green_wait(conn, timeout=None):
    """psycopg2 waits on the gevent hub: polling the database does not stall the clients."""
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        if state == psycopg2.extensions.POLL_READ:
            gevent.socket.wait_read(conn.fileno(), timeout=timeout)
        elif state == psycopg2.extensions.POLL_WRITE:
            gevent.socket.wait_write(conn.fileno(), timeout=timeout)
        else:
            raise psycopg2.OperationalError(f"bad poll state {state}")


psycopg2.extensions.set_wait_callback(_green_wait)


# -- processes -----------------------------------------------------------------------------


class Children:
    """Every process this benchmark starts, each in its own session, stopped by its id."""

    def __init__(self):
        self.procs = []

    def start(self, cmd, **kwargs):
        proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        self.procs.append(proc)
        return proc

    def stop(self, proc, grace=20):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        # Its own session: whatever it spawned (Odoo's workers, its gevent process) goes too.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
        if proc in self.procs:
            self.procs.remove(proc)

    def stop_all(self):
        for proc in list(reversed(self.procs)):
            self.stop(proc, grace=10)


def cpu_seconds(pid):
    """utime + stime of a process, seconds (None when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return (int(fields[11]) + int(fields[12])) / CLK


def runqueue_wait(pid):
    """Seconds the process's threads have waited for a core (schedstat), None when unknown."""
    try:
        return (
            sum(
                int((task / "schedstat").read_text().split()[1])
                for task in Path(f"/proc/{pid}/task").iterdir()
            )
            / 1e9
        )
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return None


def cpu_pressure():
    """Microseconds during which some runnable task waited for a core (PSI), None when unknown."""
    try:
        return int(Path("/proc/pressure/cpu").read_text().split("\n")[0].rsplit("total=", 1)[1])
    except (FileNotFoundError, IndexError, ValueError, OSError):
        return None


def rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def machine_busy():
    """(busy, total) jiffies of all cores since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def client_cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_of(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            if int(text.rsplit(")", 1)[1].split()[1]) == pid:
                cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
                found.append((int(stat.parent.name), cmdline))
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue
    return found


def wait_http(url, proc, seconds=180):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"{proc.args[:3]} exited with {proc.returncode}")
        try:
            if requests.get(url, timeout=30, allow_redirects=False).status_code < 500:
                return
        except requests.RequestException:
            pass
        gevent.sleep(0.5)
    sys.exit(f"{url} did not answer within {seconds} s")


# -- one stream ----------------------------------------------------------------------------


class Result:
    __slots__ = ("status", "end", "code", "started", "deltas", "sent", "finished")
    # started: perf_counter() of the `start` event (the addon has created and committed the rows)

    def __init__(self):
        self.status = None  # HTTP status
        self.end = None  # done | error | timeout | closed | connect | http
        self.code = None  # error event code, exception name
        self.started = None
        self.deltas = []  # perf_counter() of each delta's arrival
        self.sent = None
        self.finished = None

    @property
    def duration(self):
        return (self.finished or time.perf_counter()) - self.sent


class Body:
    """Incremental HTTP body decoding (chunked or to the close) and SSE blocks out."""

    def __init__(self, chunked):
        self.chunked = chunked
        self.raw = b""
        self.text = b""
        self.size = None
        self.ended = False

    def feed(self, data):
        if not self.chunked:
            self.text += data
        else:
            self.raw += data
            while True:
                if self.size is None:
                    line_end = self.raw.find(b"\r\n")
                    if line_end < 0:
                        break
                    self.size = int(self.raw[:line_end].split(b";")[0], 16)
                    self.raw = self.raw[line_end + 2 :]
                    if self.size == 0:
                        self.ended = True
                        break
                if len(self.raw) < self.size + 2:
                    break
                self.text += self.raw[: self.size]
                self.raw = self.raw[self.size + 2 :]
                self.size = None
        blocks = self.text.split(b"\n\n")
        self.text = blocks.pop()
        return blocks


def handle_sse(block, result, now):
    """An SSE event of the relay or the addon; True when the stream is over."""
    event, data = None, None
    for line in block.split(b"\n"):
        if line.startswith(b"event:"):
            event = line[6:].strip()
        elif line.startswith(b"data:"):
            data = line[5:].strip()
    if event == b"delta":
        result.deltas.append(now)
    elif event == b"start":
        result.started = now
    elif event == b"error":
        result.end, result.code = "error", json.loads(data).get("code")
    elif event == b"done":
        if result.end != "error":
            result.end = "done" if json.loads(data).get("state") == "done" else "error"
        return True
    return False


def handle_openai(block, result, now):
    """A chunk of the upstream itself; True at [DONE]."""
    for line in block.split(b"\n"):
        if not line.startswith(b"data:"):
            continue
        data = line[5:].strip()
        if data == b"[DONE]":
            result.end = "done"
            return True
        for choice in json.loads(data).get("choices") or ():
            if (choice.get("delta") or {}).get("content"):
                result.deltas.append(now)
    return False


def one_stream(host, port, request, handle, timeout, result):
    sock = None
    result.sent = time.perf_counter()
    try:
        with gevent.Timeout(timeout):
            sock = gevent.socket.create_connection((host, port))
            sock.sendall(request)
            buf = b""
            while b"\r\n\r\n" not in buf:
                data = sock.recv(65536)
                if not data:
                    result.end = "closed"
                    return
                buf += data
            head, rest = buf.split(b"\r\n\r\n", 1)
            lines = head.split(b"\r\n")
            result.status = int(lines[0].split()[1])
            if result.status != 200:
                result.end = "http"
                return
            chunked = any(
                line.lower().startswith(b"transfer-encoding:") and b"chunked" in line.lower()
                for line in lines[1:]
            )
            body = Body(chunked)
            data = rest
            while True:
                now = time.perf_counter()
                for block in body.feed(data):
                    if handle(block, result, now):
                        return
                if body.ended:
                    break
                data = sock.recv(65536)
                if not data:
                    break
            result.end = result.end or "closed"
    except gevent.Timeout:
        result.end = "timeout"
    except OSError as exc:
        result.end = "connect" if result.status is None else "closed"
        result.code = type(exc).__name__
    finally:
        result.finished = time.perf_counter()
        if sock is not None:
            sock.close()


def http_request(host, port, path, body, content_type, cookie=None):
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}:{port}",
        f"Content-Type: {content_type}",
        f"Content-Length: {len(body)}",
        "Accept: text/event-stream",
        "Connection: close",
    ]
    if cookie:
        headers.append(f"Cookie: {cookie}")
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def run_streams(target, requests_, handle, timeout, ramp):
    """All streams of one phase, started evenly over `ramp` seconds; their Results."""
    host, port = target
    results = [Result() for _ in requests_]
    step = ramp / len(requests_) if requests_ else 0
    greenlets = [
        gevent.spawn_later(i * step, one_stream, host, port, request, handle, timeout, result)
        for i, (request, result) in enumerate(zip(requests_, results, strict=True))
    ]
    gevent.joinall(greenlets)
    return results


# -- the database ----------------------------------------------------------------------------


class Db:
    def __init__(self, name):
        self.name = name
        self.conn = psycopg2.connect(dbname=name)
        self.conn.autocommit = True

    def one(self, query, params=()):
        with self.conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchone()

    def all(self, query, params=()):
        with self.conn.cursor() as cr:
            cr.execute(query, params)
            return cr.fetchall()

    def writes(self, table="ai_chat_message"):
        """(inserts, updates, deletes) of a table so far."""
        # pg_stat_* is read from a snapshot cached for the transaction: autocommit gives fresh ones.
        row = self.one(
            "SELECT n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables WHERE relname = %s",
            (table,),
        )
        return row or (0, 0, 0)

    def wal(self):
        return self.one("SELECT pg_current_wal_lsn()")[0]

    def wal_bytes(self, start, end):
        return int(self.one("SELECT pg_wal_lsn_diff(%s, %s)", (end, start))[0])

    def streaming(self):
        return self.one("SELECT count(*) FROM ai_chat_message WHERE state = 'streaming'")[0]

    def set_params(self, values):
        for key, value in values.items():
            self.one("DELETE FROM ir_config_parameter WHERE key = %s RETURNING 1", (key,))
            self.one(
                "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s) RETURNING 1",
                (key, value),
            )


class ConnectionWatch:
    """Polls pg_stat_activity for the database: peak connections, the gevent process's and all."""

    def __init__(self, db, gevent_pid, interval=0.1):
        self.conn = psycopg2.connect(dbname=db)
        self.conn.autocommit = True
        self.app = f"odoo-{gevent_pid}"
        self.gevent_pid = gevent_pid
        self.interval = interval
        self.peak_all = self.peak_gevent = self.peak_active = 0
        self.peak_rss = 0.0
        self.ticks = 0
        self.states = collections.Counter()  # the gevent process's connections, summed over samples
        self.backend_cpu = {}  # backend pid -> (CPU s when first seen, when last seen)
        self.greenlet = gevent.spawn(self._run)

    def _run(self):
        with self.conn.cursor() as cr:
            while True:
                cr.execute(
                    """SELECT application_name = %s, state, wait_event_type, wait_event, count(*)
                                FROM pg_stat_activity
                               WHERE datname = current_database() AND pid <> pg_backend_pid()
                                 AND application_name LIKE 'odoo-%%'
                               GROUP BY 1, 2, 3, 4""",
                    (self.app,),
                )
                total = gevent_count = active = 0
                for is_gevent, state, wait_type, wait, count in cr.fetchall():
                    total += count
                    if is_gevent:
                        gevent_count += count
                        active += count if state == "active" else 0
                        self.states[f"{state} {wait_type}:{wait}" if wait_type else state] += count
                self.peak_all = max(self.peak_all, total)
                self.peak_gevent = max(self.peak_gevent, gevent_count)
                self.peak_active = max(self.peak_active, active)
                self.peak_rss = max(self.peak_rss, rss_mb(self.gevent_pid))
                cr.execute(
                    "SELECT pid FROM pg_stat_activity WHERE application_name = %s", (self.app,)
                )
                for (backend,) in cr.fetchall():
                    cpu = cpu_seconds(backend)
                    if cpu is not None:
                        # A backend first seen mid-run was opened for it: all its CPU counts.
                        first = self.backend_cpu.get(backend, (cpu if self.ticks == 0 else 0.0,))[0]
                        self.backend_cpu[backend] = (first, cpu)
                self.ticks += 1
                gevent.sleep(self.interval)

    def postgres_cpu(self):
        """CPU seconds of the PostgreSQL backends serving the gevent process, while watched."""
        return sum(last - first for first, last in self.backend_cpu.values())

    def stop(self):
        self.greenlet.kill()
        self.conn.close()


# -- Odoo ----------------------------------------------------------------------------------

PROGRESS_TABLE = "ai_chat_answer_progress"  # unlogged: where streaming answers save their text


class OdooServer:
    def __init__(self, children, args, upstream_url, log_dir):
        self.children, self.args = children, args
        self.log = log_dir / "load-odoo.log"
        self.log.unlink(missing_ok=True)
        env = dict(os.environ)
        self.base = f"http://127.0.0.1:{args.http_port}"
        self.gevent_base = f"http://127.0.0.1:{args.gevent_port}"
        cmd = [
            sys.executable,
            args.odoo_bin,
            "-c",
            args.conf,
            "-d",
            args.db,
            "--db-filter",
            f"^{args.db}$",
            "--http-port",
            str(args.http_port),
            "--gevent-port",
            str(args.gevent_port),
            "--workers",
            "2",
            "--max-cron-threads",
            "0",
            "--logfile",
            str(self.log),
            "--log-handler",
            "odoo.addons.ai_stream_chat.lib.hub:DEBUG",
        ]
        self.proc = children.start(
            cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
        )
        wait_http(self.base + "/web/login", self.proc)
        wait_http(self.gevent_base + "/web/login", self.proc)
        self.gevent_pid = self.find_gevent()

    def find_gevent(self):
        for _ in range(60):
            for pid, cmdline in children_of(self.proc.pid):
                if b"gevent" in cmdline:
                    return pid
            gevent.sleep(0.5)
        sys.exit("Odoo's gevent process was not found")

    def log_size(self):
        return self.log.stat().st_size if self.log.exists() else 0

    def log_since(self, offset):
        with open(self.log, "rb") as f:
            f.seek(offset)
            return f.read().decode(errors="replace")

    def stop(self):
        self.children.stop(self.proc)


def admin_session(base):
    session = requests.Session()
    page = session.get(base + "/web/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.post(
        base + "/web/login", data={"login": "admin", "password": "admin", "csrf_token": token}
    )
    return session


def ensure_users(db, base, count):
    """Internal users load001..loadNNN with the password 'load' (a cheap hash, set by SQL)."""
    from passlib.hash import pbkdf2_sha512

    logins = [f"load{i:03d}" for i in range(1, count + 1)]
    existing = {
        row[0] for row in db.all("SELECT login FROM res_users WHERE login = ANY(%s)", (logins,))
    }
    missing = [login for login in logins if login not in existing]
    if missing:
        group = db.one(
            "SELECT res_id FROM ir_model_data WHERE module = 'base' AND name = 'group_user'"
        )[0]
        session = admin_session(base)
        for start in range(0, len(missing), 50):
            batch = [
                {"name": f"Load {login}", "login": login, "groups_id": [(6, 0, [group])]}
                for login in missing[start : start + 50]
            ]
            response = session.post(
                base + "/web/dataset/call_kw",
                json={
                    "jsonrpc": "2.0",
                    "method": "call",
                    "params": {
                        "model": "res.users",
                        "method": "create",
                        "args": [batch],
                        "kwargs": {},
                    },
                },
            )
            if "error" in response.json():
                sys.exit(
                    "Could not create benchmark users: "
                    + response.json()["error"]["data"]["message"]
                )
        # The ORM would hash with 600,000 rounds now and again at the first login.
        db.one(
            "UPDATE res_users SET password = %s WHERE login = ANY(%s) RETURNING 1",
            (pbkdf2_sha512.using(rounds=1000).hash("load"), missing),
        )
    return logins, len(missing)


def check_session(base, sid, csrf):
    """The stream route refuses an empty message with 400 for a live session and token."""
    try:
        response = requests.post(
            base + "/ai/stream_chat",
            data={"message": "", "csrf_token": csrf},
            cookies={"session_id": sid},
            allow_redirects=False,
            timeout=60,
        )
    except requests.RequestException:
        return False
    return response.status_code == 400 and "empty" in response.text


def log_in(base, login):
    session = requests.Session()
    page = session.get(base + "/web/login", timeout=60).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(
        base + "/web/login",
        timeout=120,
        data={"login": login, "password": "load", "csrf_token": token, "redirect": "/odoo"},
    )
    match = re.search(r'csrf_token: "([^"]+)"', response.text)
    if not match or "session_id" not in session.cookies:
        raise RuntimeError(f"login of {login} failed ({response.status_code})")
    return session.cookies["session_id"], match.group(1)


def sessions_for(base, logins, cache_file):
    """({login: (session_id, csrf)}, logged in): cached sessions checked, the others logged in."""
    cache = json.loads(cache_file.read_text()) if cache_file.exists() else {}
    sessions, fresh = {}, []
    pool = gevent.pool.Pool(4)  # two HTTP workers

    def get(login):
        cached = cache.get(login)
        if cached and check_session(base, *cached):
            sessions[login] = tuple(cached)
            return
        sessions[login] = log_in(base, login)
        fresh.append(login)

    pool.map(get, logins)
    cache.update(sessions)
    cache_file.write_text(json.dumps(cache))
    return sessions, len(fresh)


# -- measuring -----------------------------------------------------------------------------


def pct(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(value, digits=0):
    return "—" if value is None else f"{value * 1000:.{digits}f}"


def counted(counter):
    return ", ".join(f"{key}×{count}" for key, count in counter.most_common()) or "0"


class Snapshot:
    def __init__(self, server_pid):
        self.wall = time.perf_counter()
        self.server = cpu_seconds(server_pid) if server_pid else None
        self.server_wait = runqueue_wait(server_pid) if server_pid else None
        self.client = client_cpu()
        self.machine = machine_busy()
        self.pressure = cpu_pressure()


def summarize(target, n, results, before, after, server_pid, ramp, extra=None):
    row = {"target": target, "n": n}
    row["completed"] = sum(r.end == "done" for r in results)
    row["http"] = collections.Counter(r.status for r in results if r.end == "http")
    row["events"] = collections.Counter(r.code for r in results if r.end == "error")
    row["other"] = collections.Counter(
        r.end + (f" {r.code}" if r.code else "")
        for r in results
        if r.end not in ("done", "error", "http")
    )
    firsts = [r.deltas[0] - r.sent for r in results if r.deltas]
    gaps = [b - a for r in results for a, b in pairwise(r.deltas)]
    row["first"] = (pct(firsts, 0.5), pct(firsts, 0.99))
    starts = [r.started - r.sent for r in results if r.started is not None]
    row["start"] = (pct(starts, 0.5), pct(starts, 0.99))
    row["gap"] = (pct(gaps, 0.5), pct(gaps, 0.99), max(gaps) if gaps else None)
    completed = [r for r in results if r.end == "done"]
    row["deltas"] = sum(len(r.deltas) for r in completed) / len(completed) if completed else None
    durations = [r.duration for r in results if r.status == 200]
    row["duration_p50"] = pct(durations, 0.5)
    stream_minutes = sum(durations) / 60
    wall = after.wall - before.wall
    row["wall"] = wall
    if before.server is not None and after.server is not None:
        server = after.server - before.server
        row["server_cpu_per_min"] = server / stream_minutes if stream_minutes else None
        row["server_pct"] = 100 * server / wall
    if before.server_wait is not None and after.server_wait is not None:
        row["server_wait_pct"] = 100 * (after.server_wait - before.server_wait) / wall
    if before.pressure is not None and after.pressure is not None:
        row["pressure_pct"] = 100 * (after.pressure - before.pressure) / 1e6 / wall
    row["client_pct"] = 100 * (after.client - before.client) / wall
    busy = after.machine[0] - before.machine[0]
    total = after.machine[1] - before.machine[1]
    row["machine_pct"] = 100 * busy / total if total else None
    row.update(extra or {})
    return row


def reference_phase(name, n, target, requests_, handle, server_pid, args):
    gevent.sleep(1)  # the previous phase's sockets close
    before = Snapshot(server_pid)
    results = run_streams(target, requests_, handle, args.timeout, args.ramp)
    after = Snapshot(server_pid)
    return summarize(name, n, results, before, after, server_pid, args.ramp)


FLOOR_REQUESTS = 200


def questions(args, sessions, logins, messages):
    """POST /ai/stream_chat on the gevent port, one per message, the users taken in turn."""
    requests_ = []
    for i, message in enumerate(messages):
        sid, csrf = sessions[logins[i % len(logins)]]
        body = urlencode({"message": message, "csrf_token": csrf}).encode()
        requests_.append(
            http_request(
                "127.0.0.1",
                args.gevent_port,
                "/ai/stream_chat",
                body,
                "application/x-www-form-urlencoded",
                f"session_id={sid}",
            )
        )
    return requests_


def request_floor(server, sessions, logins, args):
    """CPU of the gevent process per question refused at once (an empty one: session, CSRF,
    the route, the refusal): the least any start costs there, whatever the addon does."""
    requests_ = questions(args, sessions, logins, [""] * FLOOR_REQUESTS)
    before = cpu_seconds(server.gevent_pid)
    results = run_streams(("127.0.0.1", args.gevent_port), requests_, handle_sse, 10, 2.0)
    refused = sum(r.status == 400 for r in results)
    return (cpu_seconds(server.gevent_pid) - before) / FLOOR_REQUESTS, refused


def settle(db, pid, least=11.0, limit=40.0):
    """Until the gevent process is idle and the table's statistics stop moving.

    PostgreSQL 15 backends report their counts at most once a second, an idle one 10 s
    later: Odoo's pooled connections sit idle, so the counts are read after `least` seconds.
    """
    start, last, stable = time.monotonic(), db.writes(), 0
    while time.monotonic() - start < limit and (stable < 3 or time.monotonic() - start < least):
        cpu = cpu_seconds(pid) or 0
        gevent.sleep(0.5)
        writes = db.writes()
        idle = (cpu_seconds(pid) or 0) - cpu < 0.05
        stable = stable + 1 if writes == last and idle else 0
        last = writes
    return time.monotonic() - start


RECORD_START = re.compile(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ )")
LOG_RECORD = re.compile(r"^\S+ \S+ \d+ (ERROR|WARNING|CRITICAL) \S+ (\S+): (.*)$")


def log_summary(text):
    """Counts of the Odoo log's records: by level, by message, and those ending in a PoolError
    by the message they were logged with (each with its traceback)."""
    levels, messages, pool_errors = (
        collections.Counter(),
        collections.Counter(),
        collections.Counter(),
    )
    tracebacks = 0
    for record in RECORD_START.split(text):
        match = LOG_RECORD.match(record.split("\n", 1)[0])
        if not match:
            continue
        level, logger, message = match.groups()
        # Numbers (ids, ports, durations) vary: one line per kind of message.
        kind = f"{logger}: {re.sub(r'[0-9]+', 'N', message).strip()[:100]}"
        levels[level] += 1
        messages[f"{level} {kind}"] += 1
        tracebacks += "Traceback (most recent call last)" in record
        if "The Connection Pool Is Full" in record:
            pool_errors[kind] += 1
    renders = [(float(ms), float(seconds)) for ms, seconds in RENDER_STATS.findall(text)]
    total = sum(seconds for _ms, seconds in renders)
    render_ms = sum(ms * seconds for ms, seconds in renders) / total if total else None
    return {
        "pool_errors": pool_errors,
        "levels": levels,
        "messages": messages,
        "tracebacks": tracebacks,
        "render_ms": render_ms,
    }


# The hub's DEBUG line: tail-render CPU per stream-second over its last interval.
RENDER_STATS = re.compile(
    r"tail renders used ([0-9.]+) ms of CPU per stream-second over ([0-9.]+) stream-seconds"
)


def odoo_phase(server, db, n, sessions, logins, args):
    gevent.sleep(1)
    host, port = "127.0.0.1", args.gevent_port
    requests_ = questions(args, sessions, logins, [f"{QUESTION} ({i})" for i in range(n)])
    pid = server.gevent_pid
    streaming_before = db.streaming()
    writes_before, wal_before = db.writes(), db.wal()
    progress_before = db.writes(PROGRESS_TABLE)
    log_offset = server.log_size()
    watch = ConnectionWatch(args.db, pid)
    before = Snapshot(pid)
    results = run_streams((host, port), requests_, handle_sse, args.timeout, args.ramp)
    clients_done = time.perf_counter()
    streams_cpu = cpu_seconds(pid)
    left = db.streaming() - streaming_before
    settled = settle(db, pid)
    after = Snapshot(pid)
    watch.stop()
    writes_after, wal_after = db.writes(), db.wal()
    progress_after = db.writes(PROGRESS_TABLE)
    left_settled = db.streaming() - streaming_before
    answers = sum(r.started is not None for r in results)
    restarted = server.find_gevent() != pid
    extra = {
        "answers": answers,
        "inserts": writes_after[0] - writes_before[0],
        "updates": writes_after[1] - writes_before[1],
        "wal": db.wal_bytes(wal_before, wal_after),
        "progress": sum(progress_after) - sum(progress_before),
        "peak_gevent": watch.peak_gevent,
        "peak_all": watch.peak_all,
        "peak_active": watch.peak_active,
        "rss": watch.peak_rss,
        "states": watch.states,
        "postgres_pct": 100 * watch.postgres_cpu() / (after.wall - before.wall),
        "left": left,
        "left_settled": left_settled,
        "clients_s": clients_done - before.wall,
        # The settling that follows is mostly idle: this is how busy the core was meanwhile.
        "streams_pct": 100 * (streams_cpu - before.server) / (clients_done - before.wall),
        "settle_s": settled,
        "log": log_summary(server.log_since(log_offset)),
        "restarted": restarted,
    }
    return summarize("odoo", n, results, before, after, pid, args.ramp, extra)


# -- output --------------------------------------------------------------------------------


def _median(values):
    values = sorted(v for v in values if v is not None)
    if not values:
        return None
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else (values[middle - 1] + values[middle]) / 2


# The goals, as ratios of the addon's p99 to the bare relay's in the same round:
# (gap between deltas, first delta or None), by the least N they apply to.
GOALS = ((500, 1.5, 2.0), (0, 1.2, None))


def print_goals(rows):
    """Per N, the addon's p99s against the bare relay's of the same round, and their median."""
    pairs = collections.defaultdict(list)
    by_key = {(r["target"], r["n"], r.get("round")): r for r in rows}
    for (target, n, round_), row in sorted(by_key.items()):
        relay = by_key.get(("relay", n, round_))
        if target == "odoo" and relay:
            pairs[n].append((relay, row))
    if not pairs:
        return
    print("\n### Against the bare relay, round by round (p99s in ms; ratio = addon / relay)\n")
    print(
        "| N | rounds | gap p99: relay | gap p99: addon | gap ratio, median (goal) "
        "| first delta p99: relay | first delta p99: addon | first delta ratio, median (goal) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n, rounds in sorted(pairs.items()):
        gap_goal, first_goal = next((g, f) for least, g, f in GOALS if n >= least)
        cells = []
        for key, goal in (("gap", gap_goal), ("first", first_goal)):
            relay = [r[key][1] for r, _ in rounds]
            addon = [o[key][1] for _, o in rounds]
            ratios = [o / r if o and r else None for r, o in zip(relay, addon, strict=True)]
            median = _median(ratios)
            verdict = "—"
            if goal and median is not None:
                verdict = f"≤ {goal:g}: {'met' if median <= goal else 'missed'}"
            cells += [
                ", ".join(ms(v) for v in relay),
                ", ".join(ms(v) for v in addon),
                f"{'—' if median is None else f'{median:.2f}'} ({verdict})",
            ]
        print(f"| {n} | {len(rounds)} | " + " | ".join(cells) + " |")


def _name(row, args):
    return row["target"] + (f" #{row['round']}" if args.rounds > 1 else "")


def print_tables(rows, args):
    print("\n### Streams\n")
    print(
        "| target | N | completed/N | HTTP errors | `error` events | other failures "
        "| `start` p50 / p99 (ms) | first delta p50 / p99 (ms) "
        "| gap between deltas p50 / p99 / max (ms) "
        "| deltas per completed stream | stream p50 (s) | phase (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        duration = "—" if r["duration_p50"] is None else f"{r['duration_p50']:.1f}"
        deltas = "—" if r["deltas"] is None else f"{r['deltas']:.0f}"
        phase = f"{r['wall']:.1f}"
        if "clients_s" in r:
            phase = f"{r['wall']:.1f} ({r['clients_s']:.1f} streams + {r['settle_s']:.1f} settle)"
        print(
            f"| {_name(r, args)} | {r['n']} | {r['completed']}/{r['n']} | {counted(r['http'])} "
            f"| {counted(r['events'])} | {counted(r['other'])} "
            f"| {ms(r['start'][0])} / {ms(r['start'][1])} "
            f"| {ms(r['first'][0])} / {ms(r['first'][1])} "
            f"| {ms(r['gap'][0], 1)} / {ms(r['gap'][1], 1)} / {ms(r['gap'][2])} "
            f"| {deltas} | {duration} | {phase} |"
        )

    print("\n### Resources\n")
    print(
        "| target | N "
        "| DB row writes per answer (ins + upd; progress: the unlogged table, ins + upd + del) "
        "| WAL per answer | peak DB connections "
        "(gevent process / all Odoo; gevent active) | left `streaming` (right after / settled) "
        "| server CPU s per stream-minute | server CPU % of a core "
        "| server waiting for a core (% of the phase) "
        "| PostgreSQL CPU % of a core (the gevent process's backends) | peak RSS (MB) "
        "| client CPU % of a core | machine busy % (2 cores) "
        "| CPU pressure (% of the phase some task waited) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "answers" in r:
            a = r["answers"]
            if a:
                writes = (
                    f"{(r['inserts'] + r['updates']) / a:.1f} "
                    f"({r['inserts'] / a:.1f} + {r['updates'] / a:.1f})"
                    f"; progress {r['progress'] / a:.1f}"
                )
                wal = f"{r['wal'] / a / 1024:.1f} KiB"
            else:
                writes = wal = "— (no answer started)"
            conns = f"{r['peak_gevent']} / {r['peak_all']}; {r['peak_active']}"
            left = f"{r['left']} / {r['left_settled']}"
            rss = f"{r['rss']:.0f}"
        else:
            writes = wal = conns = left = rss = "—"
        per_min = r.get("server_cpu_per_min")
        per_min = "—" if per_min is None else f"{per_min:.2f}"
        server_pct = r.get("server_pct")
        server_pct = "—" if server_pct is None else f"{server_pct:.0f}"
        if r.get("streams_pct") is not None:
            server_pct += f" ({r['streams_pct']:.0f} while streams ran)"
        restarted = " (gevent process restarted!)" if r.get("restarted") else ""

        def percent(key, r=r):
            return "—" if r.get(key) is None else f"{r[key]:.0f}"

        print(
            f"| {_name(r, args)}{restarted} | {r['n']} | {writes} | {wal} | {conns} | {left} "
            f"| {per_min} "
            f"| {server_pct} | {percent('server_wait_pct')} | {percent('postgres_pct')} | {rss} "
            f"| {r['client_pct']:.0f} | {r['machine_pct']:.0f} | {percent('pressure_pct')} |"
        )

    odoo_rows = [r for r in rows if "log" in r]
    if odoo_rows:
        print("\n### Odoo log during each addon phase\n")
        print(
            "| target | N | tail-render CPU per stream-second "
            "| records with a PoolError, by message "
            "| ERROR / WARNING records | tracebacks | most frequent records "
            "| the gevent process's connections by state (share of samples) |"
        )
        print("|---|---|---|---|---|---|---|---|")
        for r in odoo_rows:
            log = r["log"]
            top = (
                "<br>".join(
                    f"{count}× {message}".replace("|", "\\|")
                    for message, count in log["messages"].most_common(3)
                )
                or "—"
            )
            samples = sum(r["states"].values())
            states = (
                ", ".join(
                    f"{state} {100 * count / samples:.0f}%"
                    for state, count in r["states"].most_common(4)
                )
                if samples
                else "—"
            )
            pool = (
                "<br>".join(
                    f"{count}× {kind}".replace("|", "\\|")
                    for kind, count in log["pool_errors"].most_common()
                )
                or "0"
            )
            render = "—" if log["render_ms"] is None else f"{log['render_ms']:.2f} ms"
            print(
                f"| {_name(r, args)} | {r['n']} | {render} | {pool} | {log['levels']['ERROR']} / "
                f"{log['levels']['WARNING']} | {log['tracebacks']} | {top} | {states} |"
            )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--conf", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--odoo-bin", required=True)
    parser.add_argument("--n", default="100,300,500", help="concurrent streams, comma-separated")
    parser.add_argument("--http-port", type=int, default=8569)
    parser.add_argument("--gevent-port", type=int, default=8572)
    parser.add_argument("--fake-port", type=int, default=8573)
    parser.add_argument("--relay-port", type=int, default=8574)
    parser.add_argument(
        "--fake",
        choices=("gevent", "threaded"),
        default="gevent",
        help="benchmarks/fake_upstream.py or tests/fake_llm.py (threads)",
    )
    parser.add_argument("--chunks", type=int, default=200)
    parser.add_argument("--delay", type=float, default=0.04)
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds per stream, then it is dropped"
    )
    parser.add_argument(
        "--ramp", type=float, default=1.0, help="streams start evenly over these seconds"
    )
    parser.add_argument("--targets", default="direct,relay,odoo")
    parser.add_argument(
        "--rounds", type=int, default=3, help="times each N is run against every target in turn"
    )
    args = parser.parse_args()
    counts = [int(n) for n in args.n.split(",")]
    targets = args.targets.split(",")
    build = Path(args.conf).parent
    timings = []
    children = Children()
    # SIGTERM ends the run like Ctrl-C: in the main greenlet, so `finally` stops the children.
    gevent.signal_handler(signal.SIGTERM, lambda: gevent.get_hub().parent.throw(SystemExit(143)))
    started = time.perf_counter()
    rows = []
    idle_before = machine_busy()
    gevent.sleep(2)
    idle_after = machine_busy()
    background = 100 * (idle_after[0] - idle_before[0]) / max(idle_after[1] - idle_before[1], 1)
    try:
        mark = time.perf_counter()
        if args.fake == "gevent":
            fake_cmd = [
                sys.executable,
                str(HERE / "fake_upstream.py"),
                "--port",
                str(args.fake_port),
            ]
        else:
            fake_cmd = [
                sys.executable,
                str(ROOT / "tests" / "fake_llm.py"),
                "--port",
                str(args.fake_port),
            ]
        fake_cmd += ["--chunks", str(args.chunks), "--delay", str(args.delay), "--text", "word "]
        fake = children.start(fake_cmd, stdout=subprocess.PIPE, text=True)
        fake_url = fake.stdout.readline().strip()
        relay = children.start(
            [
                sys.executable,
                str(HERE / "bare_relay.py"),
                "--port",
                str(args.relay_port),
                "--upstream",
                fake_url,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        relay.stdout.readline()
        openai_body = json.dumps(
            {
                "model": "bench",
                "stream": True,
                "stream_options": {"include_usage": True},
                "messages": [{"role": "user", "content": QUESTION}],
            }
        ).encode()
        direct_req = http_request(
            "127.0.0.1", args.fake_port, "/v1/chat/completions", openai_body, "application/json"
        )
        relay_req = http_request(
            "127.0.0.1", args.relay_port, "/", b"message=Hi", "application/x-www-form-urlencoded"
        )
        # Warm both: the relay's client builds its pool at the first request.
        run_streams(("127.0.0.1", args.relay_port), [relay_req], handle_sse, args.timeout, 0)
        timings.append(
            ("fake upstream and bare relay started, one warm-up stream", time.perf_counter() - mark)
        )

        if "odoo" in targets:
            db = Db(args.db)
            db.set_params(
                {
                    "ai_stream_chat.api_url": fake_url,
                    "ai_stream_chat.model": "bench",
                    "ai_stream_chat.max_streams": "1000",
                }
            )
            mark = time.perf_counter()
            server = OdooServer(children, args, fake_url, build)
            timings.append(("Odoo started: both ports answer", time.perf_counter() - mark))
            mark = time.perf_counter()
            logins, created = ensure_users(db, server.base, max(counts))
            sessions, fresh = sessions_for(
                server.base, logins, build / f"load-sessions-{args.db}.json"
            )
            timings.append(
                (
                    f"{len(logins)} users ready ({created} created, {fresh} logged in, "
                    f"{len(logins) - fresh} cached sessions checked)",
                    time.perf_counter() - mark,
                )
            )
            mark = time.perf_counter()
            (warm,) = questions(args, sessions, logins, ["warm-up"])
            warm_result = run_streams(
                ("127.0.0.1", args.gevent_port), [warm], handle_sse, args.timeout, 0
            )[0]
            timings.append(
                (
                    f"Odoo warm-up stream through the gevent port: {warm_result.end}"
                    + (f" {warm_result.code}" if warm_result.code else ""),
                    time.perf_counter() - mark,
                )
            )
        if "odoo" in targets:
            mark = time.perf_counter()
            floor, refused = request_floor(server, sessions, logins, args)
            timings.append(
                (
                    f"Odoo's floor: {floor * 1000:.1f} ms of the gevent process's CPU per "
                    f"question refused at once ({refused}/{FLOOR_REQUESTS} refused with 400)",
                    time.perf_counter() - mark,
                )
            )
        references = [
            ("direct", args.fake_port, direct_req, handle_openai, fake.pid),
            ("relay", args.relay_port, relay_req, handle_sse, relay.pid),
        ]
        # Round by round, each N against every target in turn: the references and the addon
        # see the same moments of this machine's noise.
        for round_ in range(1, args.rounds + 1):
            label = f", round {round_}" if args.rounds > 1 else ""
            for n in counts:
                phases = [
                    reference_phase(name, n, ("127.0.0.1", port), [req] * n, handle, pid, args)
                    for name, port, req, handle, pid in references
                    if name in targets
                ]
                if "odoo" in targets:
                    # Each phase starts from an empty chat: earlier rows would only slow it.
                    db.one("DELETE FROM ai_chat_conversation RETURNING 1")
                    phases.append(odoo_phase(server, db, n, sessions, logins, args))
                for row in phases:
                    row["round"] = round_
                    timings.append((f"{TITLES[row['target']]}, N={n}{label}", row["wall"]))
                rows += phases
        if "odoo" in targets:
            mark = time.perf_counter()
            server.stop()
            timings.append(("Odoo stopped", time.perf_counter() - mark))
    finally:
        children.stop_all()

    fake_name = (
        "benchmarks/fake_upstream.py (gevent)"
        if args.fake == "gevent"
        else "tests/fake_llm.py (threads)"
    )
    print(
        f"\n## Load: {args.chunks} chunks of one word, {args.delay * 1000:.0f} ms before each, "
        f"from {fake_name}; streams started over {args.ramp:g} s; {args.timeout:g} s per stream\n"
    )
    print(
        f"Machine: {os.cpu_count()} cores, "
        f"{background:.0f}% busy before the run started (other processes); "
        f"load average at the end {' '.join(Path('/proc/loadavg').read_text().split()[:3])}. "
        "Client, fake upstream, relay, Odoo and PostgreSQL share these cores. WAL is the whole "
        "cluster's: other databases' activity is included."
    )
    print_tables(rows, args)
    print_goals(rows)
    print("\n### Phases\n")
    for name, seconds in timings:
        print(f"- {name}: {seconds:.1f} s")
    print(f"- total: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
    sys.stdout.flush()
    # Interpreter teardown under gevent only prints noise (logging's locks, finalized greenlets).
    os._exit(0)
