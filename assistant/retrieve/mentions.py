"""Named things in a question or an answer: "CLAUGTO", "Baja California Aerospace Cluster",
"Software Board xTI"; and whether a name looks like a person's or a place's.

Job: find names by their capitals (``entities``) and tell the kinds apart with small word lists
(``person_like``, ``PLACES``, ``TYPE_NOUNS``), for ``conversation`` to resolve follow-ups with.
Not its job: deciding what a pronoun stands for (``conversation``), retrieval or answering.
"""

from __future__ import annotations

import re

from ..text import fold, singular
from .lexicon import PLACE_GROUPS

_ENTITY = re.compile(
    r"\b[A-Z][A-Za-z@&]*[A-Z][A-Za-z@&]*\b"  # acronyms: CLAUGTO, IT@BAJA
    r"|\b[A-ZÁÉÍÓÚ][\w’'´-]+"  # names: Baja California Aerospace Cluster, Software Board xTI
    r"(?:\s+(?:de|del|la|of|the|y)?\s*(?:[A-ZÁÉÍÓÚ][\w’'´-]+|[a-z]+[A-Z][\w@&]*))*"
    r"|\b[a-z]+[A-Z][\w@&]*"  # mxTI, on its own or ending a name ("Software Board xTI")
)
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how is are does do did can could would should "
    "and in on for the a an according qué cuál cuántos cuántas quién dónde cuándo was wie wer "
    "welche wann wo".split()
)
# `condense` compares folded words ("cuántos" -> "cuantos"): keep both spellings.
QUESTION_WORDS |= {fold(w) for w in QUESTION_WORDS}
# Capitalised only because they open a sentence of an answer ("Yes, the ...", "It hosts ...").
_FILLER = frozenset(
    "yes no it its they their this these those that there he she his her approximately about "
    "around over nearly almost roughly some only both".split()
)
PLACES = {fold(name) for group in PLACE_GROUPS for name in group}
# Kinds of named thing a question asks for ("Which city ...?") or a possessive names
# ("his council").
TYPE_NOUNS = frozenset(
    "city state country region town municipality company firm cluster organisation organization "
    "agency body institution association chamber council university port airport park event "
    "programme program plan initiative centre center hub group network federation government "
    "ministry secretariat institute school college project conference congress fair manufacturer "
    "supplier startup bank fund committee board law sector report one".split()
)
# Kinds of thing a person belongs to: "his council" when the history names no council.


def entities(text: str, ordered: bool = False) -> list[str]:
    """Named things in a text: most specific first (acronyms, then multi-word names), or in the
    order the text names them when ``ordered``."""
    found = []
    for match in _ENTITY.finditer(text):
        words = [
            w
            for w in match.group(0).split()
            if w.lower() not in QUESTION_WORDS and not (w.lower() in _FILLER and not w.isupper())
        ]
        name = re.sub(r"['’]s$", "", " ".join(words).strip(" ?,."))  # "Mexico's" is Mexico
        if name and fold(name) not in {"mexico", "mexican", "q"}:
            found.append(name)
    found = [e for e in found if len(e) > 2 and e not in {"IT", "ICT", "TI", "EU", "US", "USA"}]
    if ordered:
        return list(dict.fromkeys(found))
    acronyms = [e for e in found if re.fullmatch(r"[a-z]*[A-Z][\w@&]*[A-Z][\w@&]*", e)]
    return list(dict.fromkeys(acronyms + sorted(found, key=len, reverse=True)))


def singular_noun(word: str) -> str:
    """A noun of the text as the noun lists hold it: folded, without "'s", singular."""
    return singular(re.sub(r"['’]s$", "", fold(word)))


def is_type_noun(word: str) -> bool:
    return singular_noun(word) in TYPE_NOUNS - {"one"}


def person_like(name: str) -> bool:
    """Whether a name looks like a person's: "Ana Ruiz", not "CLAUGTO", "Guadalajara",
    "Puebla Aerocluster" or "Baja California"."""
    words = name.split()
    return (
        2 <= len(words) <= 4
        and all(re.fullmatch(r"[A-ZÁÉÍÓÚÑ][a-záéíóúñü'’-]+", w) for w in words)
        and not any(n in fold(w) for w in words for n in TYPE_NOUNS if len(n) > 4)
        and fold(name) not in PLACES
    )
