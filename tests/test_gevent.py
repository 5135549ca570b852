"""The upstream client under gevent's monkey-patching, as in Odoo's gevent worker."""

import json
import subprocess
import sys
from pathlib import Path
from unittest import TestCase

from .fake_llm import FakeLLM, Reply

ADDON = Path(__file__).resolve().parent.parent
# Run as a script beside lib/, patched first as odoo-bin gevent does: plain Python, no Odoo.
SCRIPT = """
import gevent.monkey; gevent.monkey.patch_all()
import json, sys
sys.path.insert(0, sys.argv[1])
from lib import upstream
config = upstream.UpstreamConfig(base_url=sys.argv[2], api_key="", llm_model="fake-model")
events = list(upstream.ChatStream(config, [{"role": "user", "content": "Hi"}]))
print(json.dumps(events))
"""


class TestUpstreamUnderGevent(TestCase):
    def test_a_completion_streams_in_a_patched_process(self):
        fake = FakeLLM().start()
        self.addCleanup(fake.stop)
        fake.script(Reply(chunks=["Hello", " gevent"]))
        result = subprocess.run(
            [sys.executable, "-W", "ignore", "-c", SCRIPT, str(ADDON), fake.url],
            capture_output=True,
            text=True,
            timeout=60,
        )
        self.assertEqual(result.returncode, 0, result.stderr[-2000:])
        events = json.loads(result.stdout)
        self.assertEqual([value for name, value in events if name == "delta"], ["Hello", " gevent"])
        self.assertIn(["finish", "stop"], events)
