"""The nginx example administrators copy sends to the gevent port exactly the routes that stream."""

import re
from pathlib import Path
from unittest import TestCase

from ..controllers.ai_stream_chat import AiStreamChatController

CONFIGURE = Path(__file__).resolve().parent.parent / "readme" / "CONFIGURE.md"
LOCATION_RE = re.compile(r"location\s+(=\s*)?(\S+)\s*\{(.*?)\n\s*\}", re.DOTALL)
# Routes that stream, and so belong on the gevent port; every other route stays on the workers.
STREAMING = {"/ai/stream_chat", "/ai/stream_chat/resume"}


def addon_routes():
    methods = (getattr(AiStreamChatController, name) for name in dir(AiStreamChatController))
    return {
        path
        for method in methods
        for path in getattr(method, "original_routing", {}).get("routes", ())
    }


def nginx_block():
    text = CONFIGURE.read_text(encoding="utf-8")
    return re.search(r"```nginx\n(.*?)```", text, re.DOTALL).group(1)


def upstream_for(path, block):
    """The proxy_pass target nginx picks for `path`: an exact match first, else the longest
    prefix (the example uses no regex locations)."""
    exact, prefixes = {}, []
    for is_exact, location, body in LOCATION_RE.findall(block):
        target = re.search(r"proxy_pass\s+(\S+);", body).group(1)
        if is_exact:
            exact[location] = target
        else:
            prefixes.append((location, target))
    if path in exact:
        return exact[path]
    matches = [
        (len(location), target) for location, target in prefixes if path.startswith(location)
    ]
    return max(matches)[1]


class TestDeploymentDocs(TestCase):
    def test_only_the_stream_goes_to_the_gevent_port(self):
        block = nginx_block()
        self.assertNotIn("location ~", block)
        routes = addon_routes()
        self.assertLessEqual(STREAMING, routes)
        self.assertIn("/ai/stream_chat/upload", routes)
        for path in routes:
            with self.subTest(path=path):
                self.assertEqual(
                    upstream_for(path, block) == "http://odoo_gevent", path in STREAMING
                )
