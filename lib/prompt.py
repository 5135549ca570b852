"""Builds the `messages` list sent upstream from a conversation's history."""


def build_messages(system_prompt, history, budget_chars):
    """history: [(role, content), ...] oldest first, ending with the new user message.

    The oldest turns are dropped first until the contents fit in budget_chars; the newest
    message is always kept, and the kept part starts with a user turn because several servers
    reject a conversation that opens with the assistant.
    """
    turns = [(role, content) for role, content in history if content]
    kept, used = [], 0
    for role, content in reversed(turns):
        if kept and used + len(content) > budget_chars:
            break
        kept.append((role, content))
        used += len(content)
    kept.reverse()
    while len(kept) > 1 and kept[0][0] != "user":
        kept.pop(0)
    messages = [{"role": "system", "content": system_prompt}] if system_prompt else []
    return messages + [{"role": role, "content": content} for role, content in kept]
