"""Conversation: resolve a follow-up question against the history; trim the history to a budget.

The extractive mode uses a careful rule-based rewrite: "And how many members does it have?" after
a question about CLAUGTO becomes "how many members does CLAUGTO have?"; "What about Querétaro?"
after "How many aerospace firms are in Baja California?" becomes "How many aerospace firms are
in Querétaro?". Generative mode asks the LLM instead (see ``llm.rewrite_query``). A question that
stands on its own is returned unchanged. This module does not retrieve or answer.
"""

from __future__ import annotations

import re

from .errors import InputError
from .lexicon import PLACE_GROUPS
from .text import fold
from .types import Turn

_PRONOUN = re.compile(
    r"\b(it|its|it's|they|them|their|theirs|this|that|these|those|there|he|she|his|her|"
    r"the (cluster|council|organi[sz]ation|agency|programme|program|plan|law|state|city|company|"
    r"sector|event|report|chamber|association|project|centre|center|hub|initiative)|"
    r"ella|ello|ellos|ellas|su|sus|este|esta|ese|esa|dort|es|sie|ihr|ihre|dieser|diese|dieses)\b",
    re.I,
)
_ABOUT = re.compile(
    r"^\W*(?:and\s+)?(?:what|how)\s+about\s+(.+?)\W*$|^\W*and\s+(?:in|for)\s+(.+?)\W*$|"
    r"^\W*(?:y|und)\s+(?:qué\s+tal\s+|en\s+|was\s+ist\s+mit\s+|in\s+)?(.+?)\W*$|^\W*and\s+(.+?)\?\W*$",
    re.I,
)
_LEADING_AND = re.compile(r"^\W*(and|also|y|und|also)\b[\s,]*", re.I)
_ENTITY = re.compile(
    r"\b[A-Z][A-Za-z@&]*[A-Z][A-Za-z@&]*\b"  # acronyms: CLAUGTO, IT@BAJA, mxTI
    r"|\b[A-ZÁÉÍÓÚ][\w’'´-]+(?:\s+(?:de|del|la|of|the|y)?\s*[A-ZÁÉÍÓÚ][\w’'´-]+)*"
)
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how is are does do did can could would should "
    "and in on for the a an according qué cuál cuántos cuántas quién dónde cuándo was wie wer "
    "welche wann wo".split()
)
# `condense` compares folded words ("cuántos" -> "cuantos"): keep both spellings.
_QUESTION_WORDS |= {fold(w) for w in _QUESTION_WORDS}
_PLACES = {fold(name) for group in PLACE_GROUPS for name in group}


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


def _entities(text: str) -> list[str]:
    """Named things in a question, most specific first (acronyms, then multi-word names)."""
    found = []
    for match in _ENTITY.finditer(text):
        words = [w for w in match.group(0).split() if w.lower() not in _QUESTION_WORDS]
        name = " ".join(words).strip(" ?,.")
        if name and fold(name) not in {"mexico", "mexican", "q"}:
            found.append(name)
    found = [e for e in found if len(e) > 2 and e not in {"IT", "ICT", "TI", "EU", "US", "USA"}]
    acronyms = [e for e in found if re.fullmatch(r"[A-Z][\w@&]*[A-Z][\w@&]*", e)]
    return list(dict.fromkeys(acronyms + sorted(found, key=len, reverse=True)))


_ASKS_FOR_THING = re.compile(
    r"^\W*(which|what) (city|state|company|cluster|organi[sz]ation|agency|body|country)\b", re.I
)
_ASKS_FOR_PERSON = re.compile(r"^\W*(who|whom)\b", re.I)
_PERSONAL = re.compile(r"\b(he|she|his|her|him|hers)\b", re.I)


def _subject(history: list[Turn], person: bool = False) -> tuple[str, str]:
    """(last user question, the main entity it is about), resolved recursively. When that
    question asked for a name ("Which city ...?", or "Who ...?" and the follow-up says "he" or
    "she"), the subject is the name the answer gave; otherwise the question's own subject."""
    users = [t.content for t in history if t.role == "user"]
    if not users:
        return "", ""
    previous = condense(users[-1], [Turn("user", u) for u in users[:-1]])
    entities = _entities(previous)
    last = history[-1]
    asked_for_name = _ASKS_FOR_PERSON.match(previous) if person else _ASKS_FOR_THING.match(previous)
    if last.role == "assistant" and asked_for_name:
        asked = {fold(e) for e in entities}
        answered = [e for e in _entities(re.sub(r"\[\d+\]", "", last.content))
                    if fold(e) not in asked]  # fmt: skip
        if answered:
            return previous, answered[0]
    return previous, entities[0] if entities else ""


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_ABOUT.match(question) or _PRONOUN.search(question) or len(words) <= 3)


def condense(question: str, history: list[Turn]) -> str:
    """A standalone search query for ``question`` given the earlier turns."""
    question = question.strip()
    if not history or not is_follow_up(question):
        return question
    previous, subject = _subject(history, person=bool(_PERSONAL.search(question)))
    if not previous:
        return question
    about = _ABOUT.match(question)
    new = next((g for g in about.groups() if g), "").strip() if about else ""
    new = re.sub(
        r"^(?:the (?:one|ones|cluster|clusters|state|city|hub) (?:in|of|for)|the)\s+", "", new
    )
    if new and fold(new.split()[0]) not in _QUESTION_WORDS and len(new.split()) <= 6:
        if not _entities(new) and subject:
            return f"What about {new} of {subject}?"
        place = next((e for e in _entities(previous) if fold(e) in _PLACES), "")
        if place and fold(new) in _PLACES:  # a new place for the previous one, whatever the subject
            return previous.replace(place, new, 1)
        if subject and (fold(subject) in _PLACES) == (fold(new) in _PLACES or not _entities(new)):
            return re.sub(re.escape(subject), new, previous, count=1)
        return f"{previous.rstrip('?')} {new}?"
    body = _LEADING_AND.sub("", question)
    if subject and _PRONOUN.search(body):
        replaced = _PRONOUN.sub(subject, body, count=1)
        return replaced[0].upper() + replaced[1:] if replaced else question
    return f"{body.rstrip('?')} ({subject or previous})?" if body else previous


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
