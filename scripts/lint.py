"""The linters OCA runs on Odoo addons, pinned, on the whole tree: `make lint` checks,
`make lint ARGS=--fix` rewrites what the tools can fix themselves.

Python: ruff (lint and format, .ruff.toml), pylint-odoo (.pylintrc) on the addon package, and
no production function over MAX_FUNCTION_LINES lines.
JS and XML: eslint (eslint.config.cjs) and prettier (prettier.config.cjs, .prettierignore).
The tools are installed once, beside the build (a venv and a node_modules folder), never into
the Python that runs Odoo; later runs need no network.
"""

import argparse
import ast
import os
import subprocess
import sys
import venv

from stack import ADDONS, BUILD, ROOT

PYTHON_TOOLS = ("pylint-odoo==9.3.15", "ruff==0.6.8")
NODE_TOOLS = (
    "eslint@9.12.0",
    "@eslint/js@9.12.0",
    "globals@16.0.0",
    "prettier@3.3.3",
    "@prettier/plugin-xml@3.4.1",
)
HOME = BUILD / "lint"
VENV, NODE = HOME / "venv", HOME / "node"
ADDON = "ai_stream_chat"
PRETTIER_FILES = ("static/**/*.{js,xml,scss}", "views/*.xml", "data/*.xml", "security/*.xml")
# Production Python reads in small functions (eslint keeps the JS so); tests and tools may not.
MAX_FUNCTION_LINES = 40
PRODUCTION_PYTHON = ("controllers", "lib", "models")


def installed(marker, tools):
    return marker.exists() and marker.read_text() == "\n".join(tools)


def install():
    """The pinned tools, when this build does not have exactly them yet."""
    marker = HOME / "python-tools"
    if not installed(marker, PYTHON_TOOLS):
        print(f"Installing {' '.join(PYTHON_TOOLS)} into {VENV}", flush=True)
        venv.create(VENV, with_pip=True, clear=True)
        subprocess.run(
            [VENV / "bin" / "python", "-m", "pip", "install", "-q", *PYTHON_TOOLS], check=True
        )
        marker.write_text("\n".join(PYTHON_TOOLS))
    marker = HOME / "node-tools"
    if not installed(marker, NODE_TOOLS):
        print(f"Installing {' '.join(NODE_TOOLS)} into {NODE}", flush=True)
        NODE.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "-q",
                "--prefix",
                NODE,
                "--no-save",
                "--no-audit",
                "--no-fund",
                *NODE_TOOLS,
            ],
            check=True,
        )
        marker.write_text("\n".join(NODE_TOOLS))


def commands(fix):
    """(name, argv) of each check; with fix, the tools rewrite instead of only checking."""
    bin_, node_bin = VENV / "bin", NODE / "node_modules" / ".bin"
    # pylint-odoo needs the addon under its technical name, as Odoo loads it.
    addon = ADDONS / ADDON
    return [
        ("ruff format", [bin_ / "ruff", "format", *([] if fix else ["--check"]), "."]),
        ("ruff check", [bin_ / "ruff", "check", *(["--fix"] if fix else []), "."]),
        ("pylint-odoo", [bin_ / "pylint", f"--rcfile={ROOT / '.pylintrc'}", addon]),
        (
            "eslint",
            [node_bin / "eslint", "--max-warnings", "0", *(["--fix"] if fix else []), "static"],
        ),
        (
            "prettier",
            [
                node_bin / "prettier",
                "--write" if fix else "--check",
                "--log-level",
                "warn",
                *PRETTIER_FILES,
            ],
        ),
    ]


def long_functions():
    """Production functions over MAX_FUNCTION_LINES lines (docstring, comments and blank lines
    not counted), as `path:line name (lines)`."""
    found = []
    for path in sorted(p for folder in PRODUCTION_PYTHON for p in (ROOT / folder).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = source.split("\n")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = node.body
            docstring = ast.get_docstring(node) is not None and len(body) > 1
            start = body[1].lineno if docstring else body[0].lineno
            code = [
                line
                for line in lines[start - 1 : node.end_lineno]
                if line.strip() and not line.strip().startswith("#")
            ]
            if len(code) > MAX_FUNCTION_LINES:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({len(code)})")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--fix", action="store_true", help="let the tools rewrite the files")
    args = parser.parse_args()
    install()
    link = ADDONS / ADDON
    if not link.exists():
        ADDONS.mkdir(parents=True, exist_ok=True)
        link.symlink_to(ROOT, target_is_directory=True)
    # eslint.config.cjs and prettier.config.cjs require their plugins from there.
    env = {**os.environ, "NODE_PATH": str(NODE / "node_modules")}
    failed = []
    for name, argv in commands(args.fix):
        print(f"--- {name}", flush=True)
        if subprocess.run(argv, cwd=ROOT, env=env).returncode:
            failed.append(name)
    print(f"--- functions over {MAX_FUNCTION_LINES} lines", flush=True)
    too_long = long_functions()
    if too_long:
        print("\n".join(too_long))
        failed.append("function length")
    print(f"\nlint: {', '.join(failed)} failed" if failed else "\nlint: clean", flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
