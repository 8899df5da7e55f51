"""What a question asks for: its parts, the kind of answer each wants, whether it is broad.

Job: ``split_parts`` ("When was X founded, and who leads it?" -> two questions), ``answer_kind``
(number, date, name, list or other: which short answer may lead the reply) and ``is_broad``
(compare, overview, "which ... could ...": an answer of several cited points). Plain patterns of
how questions are phrased in English, Spanish and German, none about the corpus's topics.

Non-job: reading passages or deciding whether they answer (``read/``).
"""

from __future__ import annotations

import re
from typing import Literal

from ..text import fold

Kind = Literal["number", "date", "name", "list", "other"]

_NUMBER_Q = re.compile(
    r"\b(how (many|much|big|large|high|long)|what ((is|was|are|were) )?(the )?(number|share|"
    r"percentage|percent|proportion|amount|value|size|rate|figure|total)|cuant[oa]s?|"
    r"wie (viele?|hoch|gross)|how fast)\b"
)
_DATE_Q = re.compile(
    r"\b(when|what year|which year|in what year|since when|what date|on what date|cuando|"
    r"en que ano|wann|in welchem jahr|seit wann)\b"
)
_NAME_Q = re.compile(
    r"^\W*(who|whom|whose|quien|quienes|wer|wessen)\b|\bwhat is the name\b|"
    r"^\W*(which|what) (city|state|company|organi[sz]ation|agency|country|person|university)\b"
)
_LIST_Q = re.compile(
    r"\b(which|what) (are|were) (the )?|\b(list|name)( the| all)? |\bcuales\b|\bwelche\b"
)
_BROAD = re.compile(
    r"\b(compare|comparison|contrast|overview|summar(y|ise|ize)|differences? between|"
    r"tell me about|what does (the|this) [\w-]+ say about|vergleich|resumen|compara)\b"
    r"|^\W*(which|what) \w+(?: \w+)? (could|should|might|would)\b"
)
_PART_SPLIT = re.compile(
    r"[,;]?\s+and\s+(?=(?:what|which|who|whom|whose|when|where|how|why|in which|on which|"
    r"at what|for what|from which)\b)|;\s+",
    re.I,
)


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


def is_broad(question: str) -> bool:
    return bool(_BROAD.search(fold(question)))


def split_parts(question: str) -> list[str]:
    """The sub-questions of a multi-part question ("When was X founded, and who leads it?")."""
    parts = [p.strip(" ,;?") for p in _PART_SPLIT.split(question) if p and p.strip(" ,;?")]
    if len(parts) < 2 or any(len(p.split()) < 3 for p in parts):
        return [question]
    return [p + "?" for p in parts]
