"""Conversation: resolve a follow-up question against the history (see ``history`` for parsing
and trimming it).

The extractive mode uses a careful rule-based rewrite: "And how many members does it have?" after
a question about CLAUGTO becomes "how many members does CLAUGTO have?"; "What about Querétaro?"
after "How many aerospace firms are in Baja California?" becomes "How many aerospace firms are
in Querétaro?". When the previous question asked for a name ("Which port ...?", "Who ...?", "Is
there a cluster in ...?"), "it"/"he"/"she" stand for the first name the answer gave; "his
chamber" stands for a chamber the history names, else the one the person belongs to. Generative
mode asks the LLM instead (see ``generate.llm.rewrite_query``). A question that stands on its own is
returned unchanged: one whose pronoun stands for a name it gives itself ("What does the
Aerocluster of Querétaro offer its members?") or whose "there" is a place it names ("Which
clusters are there in Sonora?"). A first question pointing at something nobody named ("And how
many members does it have?") gets ``clarify``'s question back instead of a guess. Names are found
by ``mentions``. This module does not retrieve or answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import fold
from ..types import Turn
from .mentions import (
    PLACES,
    QUESTION_WORDS,
    TYPE_NOUNS,
    entities,
    is_type_noun,
    person_like,
    singular_noun,
)

__all__ = ["clarify", "condense", "entities", "is_follow_up", "referring"]

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
_BODY_NOUNS = frozenset(
    "company firm cluster organisation organization agency body institution association chamber "
    "council university institute school college group network federation government ministry "
    "secretariat committee board team employer startup bank".split()
)
_AUXILIARIES = frozenset(
    "is are was were does do did can could will would should has have had".split()
)


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
        if singular_noun(word) in TYPE_NOUNS:
            return True
    return False


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
                return next((e for e in self.named if person_like(e)), self.named[0])
            return self.people[0] if self.people else self.topic
        who_answered_by_a_person = (
            self.previous_asks_who and bool(self.named) and person_like(self.named[0])
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
        kind = singular_noun(noun)
        for name in (*self.named, *entities(self.previous, ordered=True)):
            if any(singular_noun(w) == kind for w in name.split()):
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
        people=tuple(e for e in entities(previous, ordered=True) if person_like(e)),
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


_POSSESSIVE = re.compile(r"(its|his|her|their)\s+([\w'’-]+)", re.I)
# "there" that says something exists ("Is there a ...", "there are") stands for no place; the
# question still needs one ("Are there any incentives?"), unless it names it ("Which clusters
# are there in Sonora?").
_EXISTENTIAL = re.compile(
    r"there\s+(?:is|are|was|were|will|has|have|a|an|any|some|no|other|more|\d)\b", re.I
)
_LOCATED = re.compile(
    r"there\s+(?:in|at|across|within|among|throughout|outside|near|inside|on)\b", re.I
)
_PERSONAL = re.compile(r"\b(he|she|his|her|him|hers)\b", re.I)
# Pronouns a question cannot be asked with when nothing came before: "it" in "How many members
# does it have?" ("the cluster" may be any cluster: that question is fine on its own).
_BARE = frozenset("it its they them their theirs he she his her him hers".split())


# "it" that stands for nothing: "How long does it take ...?", "Is it true that ...?"
_DUMMY = re.compile(r"it\s+(?:\w+\s+)?(?:take|takes|cost|costs|true|possible|matter|mean)\b", re.I)
# "a lithium cluster", "the maquiladora programme": something a later pronoun may stand for
_NOUN_PHRASE = re.compile(r"\b(?:a|an|the|any|some|each|every)\s+\w+", re.I)


def _bound(question: str, start: int) -> bool:
    """Whether the question names, before ``start``, something (not a place) a pronoun there
    stands for: "What does the Aerocluster of Querétaro offer its members?"."""
    return any(fold(e) not in PLACES for e in entities(question[:start]))


def referring(question: str) -> list[re.Match[str]]:
    """The pronouns of ``question`` that stand for something named earlier in the conversation:
    not an existential "there", and not one the question itself names the antecedent of."""
    found = []
    for match in _PRONOUN.finditer(question):
        word = match.group(0).lower()
        if word == "there" and _LOCATED.match(question, match.start()):
            continue
        if word != "there" and _bound(question, match.start()):
            continue
        found.append(match)
    return found


def is_follow_up(question: str) -> bool:
    """Whether ``question`` needs the conversation to be understood: "What about X?", "And in
    Y?", a pronoun standing for something not named in it, or three words or fewer."""
    words = re.findall(r"\w+", question)
    return bool(_ABOUT.match(question) or referring(question) or len(words) <= 3)


def clarify(question: str, history: list[Turn]) -> str | None:
    """A question back to the user when ``question`` points at something nobody named yet
    ("And how many members does it have?" as the first question); None when it can be answered.

    >>> clarify("And how many members does it have?", [])
    'Which one do you mean by "it"? Name it in the question: How many members does … have?'
    """
    if any(turn.role == "user" for turn in history):
        return None
    if any(fold(e) not in PLACES for e in entities(question)):
        return None  # "Is it true that CLAUGTO ...?": the question names what it is about
    bare = [
        m
        for m in referring(question)
        if m.group(0).lower() in _BARE
        and m.group(0) != "IT"  # the acronym: "How many IT clusters ...?"
        and not _DUMMY.match(question, m.start())
        and not _NOUN_PHRASE.search(question[: m.start()])
    ]
    if not bare:
        return None
    pronoun = bare[0]
    body = _LEADING_AND.sub("", question[: pronoun.start()]) + "…" + question[pronoun.end() :]
    example = (body[0].upper() + body[1:]).strip()
    example = re.sub(r"\s*\[[\d,\s]*\]", "", example)  # it cites nothing: no "[0]" in it
    return f'Which one do you mean by "{pronoun.group(0)}"? Name it in the question: {example}'


def _resolve(body: str, ctx: _Context, answer: str) -> str:
    """``body`` with its first pronoun replaced by what it stands for; "" when nothing is known."""
    pronoun = next((m for m in referring(body) if not _EXISTENTIAL.match(body, m.start())), None)
    if not pronoun:
        return ""
    referent = ctx.referent(person=bool(_PERSONAL.fullmatch(pronoun.group(0))))
    possessive = _POSSESSIVE.match(body, pronoun.start())
    if possessive and is_type_noun(possessive.group(2)):
        # "his council": a council the history names, else the one the person belongs to.
        named = ctx.of_type(possessive.group(2)) or (
            _affiliation(referent, answer)
            if person_like(referent) and singular_noun(possessive.group(2)) in _BODY_NOUNS
            else ""
        )
        if named:
            return body[: possessive.start()] + named + body[possessive.end() :]
    if not referent:
        return ""
    if possessive and possessive.group(1).lower() in ("its", "his", "their"):
        owner = referent if re.search(r"['’]s$", referent) else f"{referent}'s"
        return f"{body[: possessive.start()]}{owner} {body[possessive.start(2) :]}"
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
    if new and fold(new.split()[0]) not in QUESTION_WORDS and len(new.split()) <= 6:
        referent = ctx.referent(person=False)
        if not entities(new) and referent:
            return f"What about {new} of {referent}?"
        place = next((e for e in entities(previous) if fold(e) in PLACES), "")
        # A new place for the previous one, whatever the subject: "What about Colima?", or
        # "What about the one in Colima?" when the place list does not know Colima.
        in_place = fold(new) in PLACES or re.search(rf"\bin\s+{re.escape(new)}\W*$", question, re.I)
        if place and in_place:
            return previous.replace(place, new, 1)
        if subject and (fold(subject) in PLACES) == (fold(new) in PLACES or not entities(new)):
            return re.sub(re.escape(subject), new, previous, count=1)
        return f"{previous.rstrip('?')} {new}?"
    body = _LEADING_AND.sub("", question)
    last = history[-1].content if history[-1].role == "assistant" else ""
    replaced = _resolve(body, ctx, re.sub(r"\[\d+\]", "", last))
    if replaced:
        return replaced[0].upper() + replaced[1:]
    if not body:
        return previous
    return f"{body.rstrip('?')} ({ctx.referent(person=False) or previous})?"
