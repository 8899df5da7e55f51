"""The conversation so far, as the pipeline receives it: parsed, checked and trimmed.

History comes from the CLI, the UI and API callers as {"role", "content"} dicts or Turns;
``parse_history`` turns it into Turns or raises an ``InputError`` naming the fix;
``trim_history`` keeps the most recent turns within the budgets. Rewriting follow-up questions
against the history is ``conversation``'s job, not this module's.
"""

from __future__ import annotations

from ..errors import InputError
from ..types import Turn


def trim_history(history: list[Turn], max_turns: int, max_chars: int) -> list[Turn]:
    """The most recent turns that fit both budgets, oldest first."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(history[-max_turns:] if max_turns else []):
        if used + len(turn.content) > max_chars and kept:
            break
        kept.append(turn)
        used += len(turn.content)
    return list(reversed(kept))


def valid_text(text: str, what: str) -> str:
    """``text`` if it is valid Unicode: a lone surrogate (from broken copy-paste or a client)
    crashes the tokenizer and cannot be written as UTF-8 JSON, so it is refused here."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"The {what} contains an invalid character (a lone surrogate at position "
            f"{exc.start}); retype it or paste it again as plain text."
        ) from exc
    return text


def parse_history(history: list[dict[str, str]] | list[Turn] | None) -> list[Turn]:
    """Turns from a history of {"role", "content"} dicts or Turns; InputError names the fix."""
    if history is not None and not isinstance(history, list | tuple):
        raise InputError("The history must be a list of {'role': ..., 'content': ...} items.")
    turns = []
    for item in history or []:
        if not isinstance(item, Turn | dict):
            raise InputError(
                "Each history item needs role 'user' or 'assistant' and a text 'content'."
            )
        role, content = (item.role, item.content) if isinstance(item, Turn) else (
            item.get("role"), item.get("content"))  # fmt: skip
        if role not in ("user", "assistant") or not isinstance(content, str):
            raise InputError(
                "Each history item needs role 'user' or 'assistant' and a text 'content'."
            )
        turns.append(
            Turn("user" if role == "user" else "assistant", valid_text(content, "history"))
        )
    return turns
