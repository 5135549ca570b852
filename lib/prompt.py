"""Builds the `messages` list sent upstream from a conversation's history."""

import json


def build_messages(system_prompt, history, budget_chars, attached=None):
    """history: [(role, content) or (role, content, rounds), ...] oldest first, ending with
    the new user message; rounds: the messages of an answer's tool calls and their results,
    sent before its words (and counted in the budget with them).
    attached: {index in history: text put before that user turn's words (its documents)}.

    The oldest turns are dropped first until the contents fit in budget_chars (documents have
    their own budget and are not counted); the newest message is always kept, and the kept part
    starts with a user turn because several servers reject a conversation that opens with the
    assistant. Documents of dropped turns move to the first kept turn, so none is lost.
    """
    attached = attached or {}
    turns = [
        (index, entry[0], entry[1], entry[2] if len(entry) > 2 else ())
        for index, entry in enumerate(history)
        if entry[1]
    ]
    kept, used = [], 0
    for turn in reversed(turns):
        size = len(turn[2]) + (len(json.dumps(turn[3])) if turn[3] else 0)
        if kept and used + size > budget_chars:
            break
        kept.append(turn)
        used += size
    kept.reverse()
    while len(kept) > 1 and kept[0][1] != "user":
        kept.pop(0)
    first = kept[0][0] if kept else None
    carried = "".join(attached[i] for i in sorted(attached) if first is not None and i < first)
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    for index, role, content, rounds in kept:
        prefix = attached.get(index, "") if role == "user" else ""
        if index == first:
            prefix = carried + prefix
        messages.extend(rounds)
        messages.append({"role": role, "content": prefix + content})
    return messages
