"""What a question asks for: its answer type and its key terms, with their weights.

Pure functions over text; used by the extractive answerer and the abstention decision. The
answer type decides whether the answer opens with a short direct answer (a number, a date, a name
or a list) taken verbatim from the best sentence.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from .acronyms import Aliases, relevant
from .lexicon import GLOSSARY_TOKENS, expansions, is_foreign
from .text import fold, tokenize
from .unknown import Vocabulary, spellings, unknown_terms

Kind = Literal["number", "date", "name", "list", "other"]

_NUMBER_Q = re.compile(
    r"\b(how (many|much|big|large|high|long)|what ((is|was|are|were) )?(the )?(number|share|"
    r"percentage|percent|proportion|amount|value|size|rate|figure|total)|cuant[oa]s?|"
    r"wie (viele?|hoch|gross)|what percentage|how fast|what (minimum|maximum|min|max))\b"
    # "what was Mexico's GDP ...?": a quantity asked for by its name
    r"|^\W*what (?:is|was|are|were) (?:[\w'-]+ ){0,4}?(gdp|population|revenues?|budget|turnover|"
    r"capacity|salary|salaries|wages?|costs?|prices?)\b"
)
_SHARE_Q = re.compile(r"\b(percent|percentage|proportion|share|fraction|what part)\b")
_DATE_Q = re.compile(
    r"\b(when|what year|which year|in what year|since when|what date|on what date|cuando|"
    r"en que ano|wann|in welchem jahr|seit wann|(?:publication|release|start|end) dates?|"
    r"(?:what|which) dates?|fecha|datum)\b"
)
_NAME_Q = re.compile(
    r"^\W*(who|whom|whose|quien|quienes|wer|wessen)\b|\bwhat is the name\b|"
    r"^\W*(which|what) (city|state|company|organi[sz]ation|agency|body|institute|institution|"
    r"chamber|country|person|president|firm|university|association|ministry)\b"
)
_LIST_Q = re.compile(
    r"\b(which|what) (are|were) (the )?|\b(list|name)( the| all)? |\bwhat (\w+ ){0,2}(include|"
    r"includes|are included)|\bcuales\b|\bwelche\b"
    # "what committees ...?", "which of the state's sectors ...?": a plural asked for
    r"|\b(?:which|what) (?:of (?:the |its |their )?(?:[\w'-]+ ){0,2})?(?!(?:is|was|does|has)\b)"
    r"\w+s\b(?<!ss)"
)
# Words that frame a question but say nothing about its topic.
FRAME = frozenset(
    """how many much what which who whom whose when where why does did do is are was were
    according say says said tell give name list number mexico mexican country document
    documents briefing article interview mention mentions describe described called named kind
    type main whose""".split()
)
# ... and their token forms ("mention" is tokenized "ment").
FRAME = FRAME | frozenset(t for w in FRAME for t in tokenize(w, keep_stopwords=True))


# a capitalised word that does not open the question or a sentence of it: a name ("CLAUGTO")
_CAPITALISED = r"(?<!^)(?<![.?!] )\b[A-Z][\w@&-]*"
_NAMES = re.compile(rf"{_CAPITALISED}(?:\s+(?:(?:of|de|del|la) )?[A-Z][\w@&-]*)+")


@dataclass(frozen=True)
class Question:
    text: str
    kind: Kind
    terms: tuple[str, ...]  # key terms, folded
    weights: tuple[float, ...]  # their idf weights
    counted: tuple[str, ...] = ()  # what a "how many" question counts: "jobs", "it clusters"
    unknown: tuple[str, ...] = ()  # content words of the question the corpus never uses
    # which terms stand for the same word: an expansion ("tijuana" for "baja california",
    # "members" for "miembros") shares the group of the term it stands for; by default each
    # term is a group of its own
    groups: tuple[int, ...] = ()
    # acronyms the corpus defines that bear on the question ("claugto" stands for "guanajuato
    # auto cluster"): a sentence saying one counts the other's words (``acronyms.expand``)
    aliases: Aliases = ()

    def _group_ids(self) -> tuple[int, ...]:
        return self.groups or tuple(range(len(self.terms)))

    def group_of(self, found: Iterable[str]) -> set[int]:
        """The groups of the question's terms present in ``found``."""
        present = set(found)
        return {g for t, g in zip(self.terms, self._group_ids(), strict=True) if t in present}

    def weight_beyond(self, found: Iterable[str], covered: set[int]) -> float:
        """The weight ``found`` adds to the groups already ``covered``: for each other group
        present, its heaviest term present."""
        present, heaviest = set(found), dict[int, float]()
        for t, w, g in zip(self.terms, self.weights, self._group_ids(), strict=True):
            if t in present and g not in covered:
                heaviest[g] = max(heaviest.get(g, 0.0), w)
        return sum(heaviest.values())

    @cached_property
    def capitalised(self) -> frozenset[str]:
        """The tokens of its capitalised words, the first word aside: what it names."""
        return frozenset(tokenize(" ".join(re.findall(_CAPITALISED, self.text))))

    @cached_property
    def names(self) -> tuple[tuple[str, ...], ...]:
        """Its names of two words or more, as tokens: capitalised words in a row, not opening
        the question ("the Nuevo Leon Energy Cluster", "the Secretary of Economy")."""
        found = (tuple(tokenize(m.group(0))) for m in _NAMES.finditer(self.text))
        return tuple(name for name in found if len(name) >= 2)

    @cached_property
    def share(self) -> bool:
        """A number question that asks for a share ("what proportion ...?"): a percentage or a
        fraction answers it, a count does not."""
        return self.kind == "number" and bool(_SHARE_Q.search(fold(self.text)))

    @cached_property
    def duration(self) -> bool:
        """A "how long ...?" question: a span of time answers it, not any number."""
        return self.kind == "number" and "how long" in fold(self.text)

    def weight_of(self, found: Collection[str]) -> float:
        """Share of the question's term weight present in ``found`` (0..1)."""
        total = sum(self.weights) or 1.0
        return sum(w for t, w in zip(self.terms, self.weights, strict=True) if t in found) / total


def answer_kind(question: str) -> Kind:
    q = fold(question)
    if _DATE_Q.search(q):
        return "date"
    if _NUMBER_Q.search(q):
        return "number"
    if _NAME_Q.search(q):
        return "name"
    if _LIST_Q.search(q):
        return "list"
    return "other"


_DATE_WORDS = frozenset(tokenize("date dates day year fecha datum"))


def named_unknowns(q: Question) -> tuple[str, ...]:
    """Unknown terms that name something: a number or year, or a capitalised name that is not
    the first word ("Vestas", "2022"). A question about them cannot be answered from the corpus."""
    words = re.findall(r"[\w@&'-]+", q.text)
    named = {singular_fold(w) for w in words[1:] if w[:1].isupper()}
    return tuple(t for t in q.unknown if t[:1].isdigit() or t in named)


def singular_fold(word: str) -> str:
    tokens = tokenize(word, keep_stopwords=True)
    return tokens[0] if tokens else ""


def analyse(
    question: str,
    idf: Callable[[str], float],
    vocab: Vocabulary | None = None,
    passages: Sequence[str] = (),
    aliases: Mapping[str, frozenset[str]] | None = None,
    asked: str | None = None,
) -> Question:
    """Key terms of the question (and of its lexicon expansion, at half weight).

    In a Spanish or German question, words the lexicon translates are replaced by their English
    equivalents, and words unknown to the corpus weigh little: they are likely untranslated
    vocabulary, not the missing topic that would justify abstaining."""
    foreign = is_foreign(question)
    kind = answer_kind(question)
    # "on which dates ...?": the word for what is asked is not what the answer says
    answer_words = _DATE_WORDS if kind == "date" else frozenset()
    own = [t for t in dict.fromkeys(tokenize(question)) if t not in FRAME | answer_words]
    if foreign:
        own = [t for t in own if t not in GLOSSARY_TOKENS]
    groups = {t: i for i, t in enumerate(own)}
    # "well-known", "light-vehicle": a compound is one thing the question names, one group
    compounds = [
        parts
        for word in re.findall(r"\w+(?:-\w+)+", question)
        if len(parts := [own.index(t) for t in dict.fromkeys(tokenize(word)) if t in own]) >= 2
    ]
    for parts in compounds:
        for i in parts:
            groups[own[i]] = parts[0]
    # "the Jalisco IT cluster (IJALTI)": the acronym names what the words before it name
    for m in re.finditer(r"([\w'-]+)\s*\(([A-Z][\w&@-]{1,11})\)", question):
        named, acronym = tokenize(m.group(1)), tokenize(m.group(2))
        if named and acronym and named[-1] in groups and acronym[0] in groups:
            groups[acronym[0]] = groups[named[-1]]
    for n, (source, words) in enumerate(expansions(question), start=len(own)):
        group = next((groups[t] for t in tokenize(source) if t in groups), n)
        for t in tokenize(words):
            if t not in FRAME:
                groups.setdefault(t, group)
    variants = {t: spellings(t, vocab) for t in own}  # the corpus's misspellings ("pilars")
    for t, vs in variants.items():
        for v in vs:
            groups.setdefault(v, groups[t])
    extra = [t for t in groups if t not in own]
    floor = min((idf(t) for t in own + extra), default=1.0)
    weights = [floor * 0.5 if foreign and idf(t) > 5 * floor else idf(t) for t in own]
    typed = set(tokenize(asked or "")) & set(own)
    if len(typed) >= 2:  # a follow-up saying what it asks about: the subject carried over from
        # the conversation is context ("Which US locations does his council have ties with?"),
        # unless it is all the question has ("When was it founded?")
        weights = [w if t in typed else 0.5 * w for t, w in zip(own, weights, strict=True)]
    for parts in compounds:  # weighs as its heaviest word
        scale = max(weights[i] for i in parts) / sum(weights[i] for i in parts)
        for i in parts:
            weights[i] *= scale
    same = {v: w for t, w in zip(own, weights, strict=True) for v in variants[t]}
    weights += [same.get(t) or (1.0 if foreign else 0.5) * idf(t) for t in extra]
    return Question(
        question, kind, tuple(own + extra), tuple(weights), counted(question),
        unknown_terms(own, question, vocab, passages), tuple(groups[t] for t in own + extra),
        relevant(aliases or {}, own + extra),
    )  # fmt: skip


_COUNTED = re.compile(
    r"\b(?:how many|how much|number of|cuant[oa]s|wie viele?|anzahl der)\s+((?:[\w@&-]+\s*){1,3})"
)


_COUNTED_OF = re.compile(
    r"\bhow many of (?:[\w@&-]+\s+){1,4}?(?:are|is|were|was|have|has)\s+"
    r"(?!(?:in|at|on|from|based|located|there)\b)((?:[\w@&-]+\s*){1,3})"
)


def counted(question: str) -> tuple[str, ...]:
    """The words right after "how many" (or after the verb in "how many of them are Tier 1
    suppliers"): what the answer's number should be counting."""
    match = _COUNTED_OF.search(fold(question)) or _COUNTED.search(fold(question))
    if not match:
        return ()
    words = [w for w in tokenize(match.group(1)) if w not in FRAME]
    translated = tokenize(" ".join(GLOSSARY_TOKENS.get(w, w) for w in words))
    return tuple(t for t in translated if t not in FRAME)


def idf_from_df(df: Callable[[str], int], n_docs: int) -> Callable[[str], float]:
    """Smoothed idf; a term absent from the corpus gets the highest weight."""

    def idf(term: str) -> float:
        return math.log(1.0 + (n_docs + 1) / (df(term) + 0.5))

    return idf


_PART_SPLIT = re.compile(
    r"[,;]?\s+and\s+(?=(?:what|which|who|whom|whose|when|where|how|why|in which|on which|"
    r"under what|up to what|through what|at what|for what|from which)\b)|;\s+",
    re.I,
)


def split_parts(question: str) -> list[str]:
    """The sub-questions of a multi-part question ("When was X founded, and who leads it?")."""
    parts = [p.strip(" ,;?") for p in _PART_SPLIT.split(question) if p and p.strip(" ,;?")]
    if len(parts) < 2 or any(len(p.split()) < 3 for p in parts):
        return [question]
    return [p + "?" for p in parts]
