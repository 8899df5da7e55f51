"""Short answers inside a sentence: the number, date or name a question asks for.

``direct_answer`` takes a span verbatim from a sentence ("119 members", "December 20, 2017",
"Selene Diez"), preferring the number that counts what the question counts and never one the
question itself mentions. Pure functions over text; this module does not choose sentences.
"""

from __future__ import annotations

import re

from .question import FRAME, Question
from .text import tokenize

_NUMBER_WORDS = (
    r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    r"forty|fifty|hundred|thousand)"
)
NUM_SPAN = re.compile(
    r"(?:(?:more than|over|around|approximately|about|almost|nearly|some|up to|roughly)\s+)?"
    rf"(?:[€$£]?\d(?:[\d,.]*\d)?|\b{_NUMBER_WORDS}(?:[\s-]{_NUMBER_WORDS})*\b)"
    r"(?:\s?%|\s(?:million|billion|thousand))?"
    r"(?:\s+(?!(?:and|in|of|to|for|from|the|with|by|at|until|since|as|than|on|per|or|while|"
    r"which|that|who|is|are|was|were|across|throughout|among|between|into|within|over|under|"
    r"through|during|per|via|like|such|including|located|based)\b)[A-Za-zÀ-ÿ][\w’'-]*(?:\s\d+(?:\.\d+)?(?=\s))?){0,3}"
)
_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
)
DATE_SPAN = re.compile(
    rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:\s*(?:-|–|to)\s*(?:{_MONTH}\s+)?\d{{1,2}})?"
    rf"(?:,?\s+(?:19|20)\d\d)?|{_MONTH}\s+(?:19|20)\d\d|\d{{1,2}}/\d{{1,2}}/(?:19|20)\d\d|"
    r"(?:19|20)\d\d)\b"
)
_NAME_SPAN = re.compile(
    r"\b(?!By\b)[A-ZÁÉÍÓÚ][\w’'-]+(?:\s+(?:de|la|del|y|of|the)?\s*(?!By\b)[A-ZÁÉÍÓÚ][\w’'-]+){0,5}"
)
HAS_NUMBER = re.compile(r"\d")
HAS_DURATION = re.compile(
    rf"(?:\d|\b{_NUMBER_WORDS}\b|\bseveral|\ba few)[\w.,-]*\s+(?:[a-z]+\s+)?"
    r"(?:days?|weeks?|months?|years?|hours?|minutes?|decades?)\b",
    re.I,
)
HAS_SHARE = re.compile(r"\d\s?%|\b(?:percent|per cent|half|third|quarter)\b", re.I)


def _is_new(name: str, asked: set[str]) -> bool:
    """A name that is not just the question's own words (or words like "Mexico")."""
    return not set(tokenize(name)) <= asked | FRAME


_SUBJECT_VERB = re.compile(r"\s+(?:is|was|has|had|are|were|became|becomes|hosts|remains)\b")


def _names(text: str) -> list[re.Match[str]]:
    """Capitalised names in a sentence: runs of two or more capitalised words anywhere, single
    ones inside the sentence, or opening it as the subject of a verb ("Guadalajara is ...";
    "Furthermore, ..." is no name)."""
    out = []
    for m in _NAME_SPAN.finditer(text):
        single = " " not in m.group(0).strip()
        first = m.start() == len(text) - len(text.lstrip())
        if single and first and not _SUBJECT_VERB.match(text, m.end()):
            continue
        out.append(m)
    return out


def names_something_new(text: str, q: Question) -> bool:
    asked = set(q.terms)
    return any(_is_new(m.group(0), asked) for m in _names(text))


def counts_asked(text: str, q: Question) -> bool:
    wanted = set(q.counted)
    return any(counted_by(text, m) & wanted for m in NUM_SPAN.finditer(text) if not is_year(m))


_NOT_A_QUANTITY = re.compile(
    r"\b\d{1,2}/\d{1,2}/(?:19|20)\d\d\b|\b\d{1,2}:\d\d\b|\b(?:19|20)\d\d\b"
)


def strip_years(text: str) -> str:
    """The text without years, dates ("01/13/2021") and times ("15:09"): numbers that count
    nothing."""
    return _NOT_A_QUANTITY.sub("", text)


def head_words(text: str, end: int, names: frozenset[str] = frozenset()) -> set[str]:
    """The first content words after a number: what it counts ("24 of the clusters").

    They stop at the next number: in "45 members and 12 committees", 45 counts members only
    unless that number is part of a name the question uses (``names``: "70 Tier 1 members")."""
    head: set[str] = set()
    # nor past a semicolon: "hydropower, 13,030 MW; wind energy, 8,922 MW" lists label, number
    for token in tokenize(text[end : end + 60].split(";", 1)[0])[:3]:
        if token[0].isdigit() and token not in names:
            break
        head.add(token)
    return head


# an item of a list that names its figure first: "...: hydropower, 13,030 MW; wind energy, 8,922 MW"
_LABEL_FIRST = re.compile(r"[;:]\s*([^;:,\d]{1,40}),\s*$")


def counted_by(text: str, span: re.Match[str], names: frozenset[str] = frozenset()) -> set[str]:
    """What a number counts: the words after it (``head_words``), or the label before it in a
    list of "label, figure" items."""
    label = _LABEL_FIRST.search(text, max(0, span.start() - 60), number_start(span))
    before = set(tokenize(label.group(1))) if label else set()
    return head_words(text, number_end(span), names) | before


def number_end(span: re.Match[str]) -> int:
    number = re.match(
        rf"[^\d]*?(?:[\d,.]+|{_NUMBER_WORDS}(?:[\s-]{_NUMBER_WORDS})*)", span.group(0)
    )
    return span.start() + (number.end() if number else 0)


def _number_text(span: re.Match[str]) -> str:
    return span.string[span.start() : number_end(span)]


def number_start(span: re.Match[str]) -> int:
    first = re.search(r"\d|" + _NUMBER_WORDS, span.group(0))
    return span.start() + (first.start() if first else 0)


def is_year(span: re.Match[str]) -> bool:
    first = re.search(r"\d[\d,.]*", span.group(0))
    return bool(first and re.fullmatch(r"(?:19|20)\d\d", first.group(0).rstrip(",.")))


_STOP = frozenset("which that who whose where when while including between".split())


def trim_span(span: str) -> str:
    words = span.strip().rstrip(",.;:").split()
    while len(words) > 1 and (
        (words[-1].endswith(("ing", "ed")) and not words[-1][:1].isupper())  # not "Hogewoning"
        or words[-1].lower() in _STOP
    ):
        words.pop()
    return " ".join(words).rstrip(",.;:")


def _nearby_weight(q: Question, sentence: str, span: re.Match[str]) -> float:
    """Weight of the question's terms right around a span: in "cut emissions by 30% until 2020
    and raise clean energy to 35% by 2024", "clean energy ... 2024" sits around 35%, not 30%."""
    before = sentence[max(0, span.start() - NEARBY) : span.start()]
    after = sentence[span.end() : span.end() + NEARBY // 2]
    near = set(tokenize(before.rsplit(";", 1)[-1])) | set(tokenize(after.split(";", 1)[0]))
    return sum(w for t, w in zip(q.terms, q.weights, strict=True) if t in near)


NEARBY = 50  # characters before a span (half as many after) that tell what it is about


def _best_span(q: Question, sentence: str, spans: list[re.Match[str]]) -> re.Match[str] | None:
    """Prefer the span whose following words are what the question counts or asks about, then
    the one with more of the question's terms around it, then the first."""
    asked, wanted = set(q.terms), set(q.counted)

    def key(span: re.Match[str]) -> tuple[int, int, float, int]:
        head = counted_by(sentence, span, frozenset(wanted))
        near = -_nearby_weight(q, sentence, span)
        return (-len(head & wanted), 0 if head & asked else 1, near, span.start())

    return min(spans, key=key) if spans else None


def _best_date(q: Question, sentence: str, spans: list[re.Match[str]]) -> re.Match[str] | None:
    """The date with the most question terms around it; the first on a tie."""
    return min(spans, key=lambda m: (-_nearby_weight(q, sentence, m), m.start()), default=None)


def _asked_numbers(q: Question) -> set[str]:
    return set(re.findall(r"\d+", q.text))


def direct_answer(q: Question, sentence: str) -> str | None:
    """A short answer taken verbatim from the sentence, for number, date and name questions.
    A number the question itself mentions ("Peer 1", "in 2016") is never the answer."""
    asked_numbers = _asked_numbers(q)
    if q.kind == "number":
        dates = [m.span() for m in _NOT_A_QUANTITY.finditer(sentence)]
        spans = [m for m in NUM_SPAN.finditer(sentence) if not is_year(m)]
        spans = [m for m in spans if not any(a <= number_start(m) < b for a, b in dates)]
        # a number the question gives is not the answer ("Peer 1"), but words after the number
        # may hold one ("70 Tier 1 members" answers "how many Tier 1 suppliers")
        spans = [m for m in spans if not set(re.findall(r"\d+", _number_text(m))) & asked_numbers]
        if q.share:  # "what proportion ...?": a percentage, not a count
            spans = [m for m in spans if HAS_SHARE.search(m.group(0))]
        if q.duration:  # "how long ...?": a span of time
            spans = [m for m in spans if HAS_DURATION.search(m.group(0))]
        best = _best_span(q, sentence, spans)
    elif q.kind == "date":
        spans = [m for m in DATE_SPAN.finditer(sentence) if m.group(0) not in asked_numbers]
        best = _best_date(q, sentence, spans)
    elif q.kind == "name":
        asked = set(q.terms)
        spans = [m for m in _names(sentence) if _is_new(m.group(0), asked)]
        best = spans[0] if spans else None
    else:
        return None
    if best is None:
        return None
    span = trim_span(best.group(0))
    return span if span and span != sentence.strip() else None
