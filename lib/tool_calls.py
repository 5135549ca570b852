"""Tool calls as a streamed completion brings them: fragments joined into whole calls.

A call's first fragment brings its index, id and name, later ones pieces of its arguments (some
servers send them whole). Servers differ: Ollama gives parallel calls the same index and tells
them apart by id; some send no id at all. So a new id at an index already used starts a new
call, and a missing id is made up. Arguments are parsed only once the round ended: they may be
invalid JSON, which the model is told as the call's result.
"""

import json
from dataclasses import dataclass

MAX_ARGUMENT_CHARS = 20_000  # of one call's arguments; longer ones are an error result
MAX_CALLS = 64  # kept of one round; a server sending more has the rest ignored


@dataclass
class ToolCall:
    id: str
    name: str = ""
    arguments: str = ""  # the JSON text as the model wrote it

    def parsed(self):
        """(arguments as a dict, None) or (None, why they cannot be used)."""
        if len(self.arguments) > MAX_ARGUMENT_CHARS:
            return None, f"The arguments are longer than {MAX_ARGUMENT_CHARS} characters."
        try:
            value = json.loads(self.arguments or "{}")
        except ValueError as exc:
            return None, f"The arguments are not valid JSON: {exc}."
        if not isinstance(value, dict):
            return None, "The arguments must be a JSON object."
        return value, None

    def message(self):
        """The call as the assistant message of the next request repeats it."""
        return {
            "id": self.id,
            "type": "function",
            "function": {"name": self.name, "arguments": self.arguments or "{}"},
        }


class ToolCallCollector:
    """Joins the `tool_calls` fragments of one streamed round, in the order calls began."""

    def __init__(self):
        self.calls = []
        self._by_index = {}

    def add(self, fragment):
        if not isinstance(fragment, dict):
            return
        index = fragment.get("index", len(self.calls))
        call_id = fragment.get("id")
        function = fragment.get("function") or {}
        call = self._by_index.get(index)
        if call is None or (call_id and call.id != call_id and call.name):
            if len(self.calls) == MAX_CALLS:
                return
            call = ToolCall(id=call_id or f"call_{len(self.calls) + 1}")
            self.calls.append(call)
            self._by_index[index] = call
        elif call_id and not call.name:
            call.id = call_id
        name = function.get("name")
        if isinstance(name, str) and name:
            call.name = name
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # a server that sends them parsed
            arguments = json.dumps(arguments)
        if isinstance(arguments, str):
            # Kept to one character past the limit: enough for parsed() to refuse it.
            call.arguments += arguments[: MAX_ARGUMENT_CHARS + 1 - len(call.arguments)]
