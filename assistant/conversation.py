"""Conversation: resolve a follow-up question against the history (see ``history`` for parsing
and trimming it).

The extractive mode uses a careful rule-based rewrite: "And how many members does it have?" after
a question about CLAUGTO becomes "how many members does CLAUGTO have?"; "What about Querétaro?"
after "How many aerospace firms are in Baja California?" becomes "How many aerospace firms are
in Querétaro?". When the previous question asked for a name ("Which port ...?", "Who ...?", "Is
there a cluster in ...?"), "it"/"he"/"she" stand for the first name the answer gave; "his
chamber" stands for a chamber the history names, else the one the person belongs to. Generative
mode asks the LLM instead (see ``llm.rewrite_query``). A question that stands on its own is
returned unchanged. This module does not retrieve or answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lexicon import PLACE_GROUPS
from .text import fold, singular
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
    r"\b[A-Z][A-Za-z@&]*[A-Z][A-Za-z@&]*\b"  # acronyms: CLAUGTO, IT@BAJA
    r"|\b[A-ZÁÉÍÓÚ][\w’'´-]+"  # names: Baja California Aerospace Cluster, Software Board xTI
    r"(?:\s+(?:de|del|la|of|the|y)?\s*(?:[A-ZÁÉÍÓÚ][\w’'´-]+|[a-z]+[A-Z][\w@&]*))*"
    r"|\b[a-z]+[A-Z][\w@&]*"  # mxTI, on its own or ending a name ("Software Board xTI")
)
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how is are does do did can could would should "
    "and in on for the a an according qué cuál cuántos cuántas quién dónde cuándo was wie wer "
    "welche wann wo".split()
)
# `condense` compares folded words ("cuántos" -> "cuantos"): keep both spellings.
_QUESTION_WORDS |= {fold(w) for w in _QUESTION_WORDS}
# Capitalised only because they open a sentence of an answer ("Yes, the ...", "It hosts ...").
_FILLER = frozenset(
    "yes no it its they their this these those that there he she his her approximately about "
    "around over nearly almost roughly some only both".split()
)
_PLACES = {fold(name) for group in PLACE_GROUPS for name in group}
# Kinds of named thing a question asks for ("Which city ...?") or a possessive names
# ("his council").
_TYPE_NOUNS = frozenset(
    "city state country region town municipality company firm cluster organisation organization "
    "agency body institution association chamber council university port airport park event "
    "programme program plan initiative centre center hub group network federation government "
    "ministry secretariat institute school college project conference congress fair manufacturer "
    "supplier startup bank fund committee board law sector report one".split()
)
# Kinds of thing a person belongs to: "his council" when the history names no council.
_BODY_NOUNS = frozenset(
    "company firm cluster organisation organization agency body institution association chamber "
    "council university institute school college group network federation government ministry "
    "secretariat committee board team employer startup bank".split()
)
_AUXILIARIES = frozenset(
    "is are was were does do did can could will would should has have had".split()
)


def entities(text: str, ordered: bool = False) -> list[str]:
    """Named things in a text: most specific first (acronyms, then multi-word names), or in the
    order the text names them when ``ordered``."""
    found = []
    for match in _ENTITY.finditer(text):
        words = [
            w
            for w in match.group(0).split()
            if w.lower() not in _QUESTION_WORDS and not (w.lower() in _FILLER and not w.isupper())
        ]
        name = " ".join(words).strip(" ?,.")
        if name and fold(name) not in {"mexico", "mexican", "q"}:
            found.append(name)
    found = [e for e in found if len(e) > 2 and e not in {"IT", "ICT", "TI", "EU", "US", "USA"}]
    if ordered:
        return list(dict.fromkeys(found))
    acronyms = [e for e in found if re.fullmatch(r"[a-z]*[A-Z][\w@&]*[A-Z][\w@&]*", e)]
    return list(dict.fromkeys(acronyms + sorted(found, key=len, reverse=True)))


def _singular(word: str) -> str:
    """A noun of the text as the noun lists hold it: folded, without "'s", singular."""
    return singular(re.sub(r"['’]s$", "", fold(word)))


def _asks_for_name(question: str) -> bool:
    """Whether a question asks for a named thing or person: "Which (Mexican) city ...?", "Which
    is the oldest cluster ...?", "What body ...?", "Who ...?", "Is there a cluster in ...?"."""
    words = re.findall(r"[\w'’-]+", fold(question))
    if words[:1] in (["and"], ["in"], ["at"], ["from"], ["for"], ["to"], ["by"], ["with"]):
        words = words[1:]
    if not words:
        return False
    if words[0] in ("who", "whom") or words[:2] in (["is", "there"], ["are", "there"]):
        return True
    if words[0] == "which" and words[1:2] and words[1] in ("is", "are", "was", "were"):
        return True
    if words[0] not in ("which", "what"):
        return False
    for word in words[1:5]:
        if word in _AUXILIARIES:
            return False
        if _singular(word) in _TYPE_NOUNS:
            return True
    return False


def _is_type_noun(word: str) -> bool:
    return _singular(word) in _TYPE_NOUNS - {"one"}


def _person_like(name: str) -> bool:
    """Whether a name looks like a person's: "Ana Ruiz", not "CLAUGTO", "Guadalajara",
    "Puebla Aerocluster" or "Baja California"."""
    words = name.split()
    return (
        2 <= len(words) <= 4
        and all(re.fullmatch(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+", w) for w in words)
        and not any(n in fold(w) for w in words for n in _TYPE_NOUNS if len(n) > 4)
        and fold(name) not in _PLACES
    )


@dataclass(frozen=True)
class _Context:
    """What a follow-up can refer to: the last user question (itself resolved), its main entity,
    and the names the answer to it gave (in order, leaving out those the question named)."""

    previous: str = ""
    topic: str = ""
    named: tuple[str, ...] = ()
    asked_for_name: bool = False
    people: tuple[str, ...] = ()

    def referent(self, person: bool) -> str:
        """Who or what "he"/"she" (``person``) or "it"/"they" stands for. When the question asked
        for a name, the answer's first name, unless "it" would stand for a person ("Who leads
        X?" "Ana Ruiz." "How many members does it have?" is about X)."""
        if person:
            if self.asked_for_name and self.previous_asks_who and self.named:
                return next((e for e in self.named if _person_like(e)), self.named[0])
            return self.people[0] if self.people else self.topic
        who_answered_by_a_person = (
            self.previous_asks_who and bool(self.named) and _person_like(self.named[0])
        )
        if self.asked_for_name and self.named and not who_answered_by_a_person:
            return self.named[0]
        return self.topic

    @property
    def previous_asks_who(self) -> bool:
        return bool(re.match(r"^\W*(?:and\s+)?(who|whom)\b", self.previous, re.I))

    def of_type(self, noun: str) -> str:
        """The name in the last exchange of the kind ``noun`` says: "her chamber" -> "Northern
        Freight Chamber"; "" when none is."""
        kind = _singular(noun)
        for name in (*self.named, *entities(self.previous, ordered=True)):
            if any(_singular(w) == kind for w in name.split()):
                return name
        return ""


def _context(history: list[Turn]) -> _Context:
    users = [i for i, t in enumerate(history) if t.role == "user"]
    if not users:
        return _Context()
    last_user = users[-1]
    previous = condense(history[last_user].content, history[:last_user])
    mentioned = entities(previous)
    last = history[-1]
    named: list[str] = []
    if last.role == "assistant":
        asked = {fold(e) for e in mentioned}
        named = [e for e in entities(re.sub(r"\[\d+\]", "", last.content), ordered=True)
                 if fold(e) not in asked]  # fmt: skip
    return _Context(
        previous=previous,
        topic=mentioned[0] if mentioned else "",
        named=tuple(named),
        asked_for_name=_asks_for_name(previous),
        people=tuple(e for e in entities(previous, ordered=True) if _person_like(e)),
    )


def _affiliation(person: str, text: str) -> str:
    """The organisation ``text`` says ``person`` belongs to: "Ana Ruiz of the X Cluster", "Ana
    Ruiz, president of CLUTIG", "Ana Ruiz from CANIETI"; "" when it says none."""
    at = text.find(person)
    if at < 0:
        return ""
    after = text[at + len(person) :][:120]
    link = re.match(r"(?:,[^,.;]{0,60}?)?\s+(?:of|from|at)\s+(?:the\s+)?", after)
    found = entities(after[link.end() :], ordered=True) if link else []
    return found[0] if found else ""


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return bool(_ABOUT.match(question) or _PRONOUN.search(question) or len(words) <= 3)


_POSSESSIVE = re.compile(r"(its|his|her|their)\s+([\w'’-]+)", re.I)
# "there" that says something exists ("Is there a ...", "there are") stands for no place.
_EXISTENTIAL = re.compile(
    r"there\s+(?:is|are|was|were|will|has|have|a|an|any|some|no|other|more|\d)\b", re.I
)
_PERSONAL = re.compile(r"\b(he|she|his|her|him|hers)\b", re.I)


def _resolve(body: str, ctx: _Context, answer: str) -> str:
    """``body`` with its first pronoun replaced by what it stands for; "" when nothing is known."""
    pronoun = next(
        (m for m in _PRONOUN.finditer(body) if not _EXISTENTIAL.match(body, m.start())), None
    )
    if not pronoun:
        return ""
    referent = ctx.referent(person=bool(_PERSONAL.fullmatch(pronoun.group(0))))
    possessive = _POSSESSIVE.match(body, pronoun.start())
    if possessive and _is_type_noun(possessive.group(2)):
        # "his council": a council the history names, else the one the person belongs to.
        named = ctx.of_type(possessive.group(2)) or (
            _affiliation(referent, answer)
            if _person_like(referent) and _singular(possessive.group(2)) in _BODY_NOUNS
            else ""
        )
        if named:
            return body[: possessive.start()] + named + body[possessive.end() :]
    if not referent:
        return ""
    if possessive and possessive.group(1).lower() in ("its", "his", "their"):
        return f"{body[: possessive.start()]}{referent}'s {body[possessive.start(2) :]}"
    if pronoun.group(0).lower() == "there":  # "How many firms are there?"
        referent = f"in {referent}"
    return body[: pronoun.start()] + referent + body[pronoun.end() :]


def condense(question: str, history: list[Turn]) -> str:
    """A standalone search query for ``question`` given the earlier turns."""
    question = question.strip()
    if not history or not is_follow_up(question):
        return question
    ctx = _context(history)
    previous, subject = ctx.previous, ctx.topic
    if not previous:
        return question
    about = _ABOUT.match(question)
    new = next((g for g in about.groups() if g), "").strip() if about else ""
    new = re.sub(
        r"^(?:the (?:one|ones|cluster|clusters|state|city|hub) (?:in|of|for)|the)\s+", "", new
    )
    if new and fold(new.split()[0]) not in _QUESTION_WORDS and len(new.split()) <= 6:
        referent = ctx.referent(person=False)
        if not entities(new) and referent:
            return f"What about {new} of {referent}?"
        place = next((e for e in entities(previous) if fold(e) in _PLACES), "")
        # A new place for the previous one, whatever the subject: "What about Colima?", or
        # "What about the one in Colima?" when the place list does not know Colima.
        in_place = fold(new) in _PLACES or re.search(
            rf"\bin\s+{re.escape(new)}\W*$", question, re.I
        )
        if place and in_place:
            return previous.replace(place, new, 1)
        if subject and (fold(subject) in _PLACES) == (fold(new) in _PLACES or not entities(new)):
            return re.sub(re.escape(subject), new, previous, count=1)
        return f"{previous.rstrip('?')} {new}?"
    body = _LEADING_AND.sub("", question)
    last = history[-1].content if history[-1].role == "assistant" else ""
    replaced = _resolve(body, ctx, re.sub(r"\[\d+\]", "", last))
    if replaced:
        return replaced[0].upper() + replaced[1:]
    return f"{body.rstrip('?')} ({ctx.referent(person=False) or previous})?" if body else previous
