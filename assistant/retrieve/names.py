"""Typos in names: "how many members does clautgo have" is asked about CLAUGTO.

Job: ``corpus_names`` collects the names and acronyms the corpus spells (words it writes
capitalised nearly every time: "CLAUGTO", "Querétaro", "Bombardier", "IT@BAJA") and its
vocabulary; ``correct_names`` replaces a question's word that the corpus never uses by the one name
it is a small edit away from (Damerau-Levenshtein, with a transposition as one edit: "clautgo" ->
"CLAUGTO"), and says which names it searched for; ``searched_for`` words that for the user.

Not its job: ordinary words ("membres" -> "members" is ``unknown``'s and the reader's business),
retrieval or answering. A word the corpus uses is never changed, and a word two names are equally
close to is left alone (a guess between two names is no correction).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container, Iterable
from dataclasses import dataclass

from ..text import fold

# A word of a name: letters and digits, with the @ & - of "IT@BAJA", "AT&T", "Pro-Aéreo".
_WORD = re.compile(r"[^\W_](?:[\w@&'’-]*[^\W_])?", re.UNICODE)
MIN_LENGTH = 4  # shorter words are too close to too many others ("has" ~ "HAS", "IAS")
CAPITALISED_SHARE = 0.9  # "Members" in a heading is no name: most of its uses are lower case
MIN_USES = 2  # a name the corpus spells once may itself be its typo


@dataclass(frozen=True)
class CorpusNames:
    """The names a corpus spells, and every word it uses (folded), for ``correct_names``."""

    names: tuple[str, ...]
    vocabulary: frozenset[str]


def corpus_names(texts: Iterable[str]) -> CorpusNames:
    """Names and acronyms in ``texts`` (chunk texts): words of four letters or more, used twice
    or more, written capitalised in at least 90% of their uses. A sentence's first word is
    capitalised whatever it is, so it only counts towards the uses, unless it is an acronym."""
    spelled: dict[str, Counter[str]] = {}
    capital: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    uses: Counter[str] = Counter()
    for text in texts:
        for match in _WORD.finditer(text):
            word, key = match.group(0), fold(match.group(0))
            uses[key] += 1
            if _in_address(text, match.start(), match.end()):
                continue  # "www.claugto.mx" says nothing about how the name is written
            before = text[max(0, match.start() - 20) : match.start()].rstrip()
            if not word[:1].isupper():
                lower[key] += 1
            elif word.isupper() or (before and before[-1] not in ".!?:;\n•*#"):
                capital[key] += 1
                spelled.setdefault(key, Counter())[word] += 1
    names = sorted(
        spelled[key].most_common(1)[0][0]
        for key in spelled
        if len(key) >= MIN_LENGTH
        and uses[key] >= MIN_USES
        and capital[key] >= CAPITALISED_SHARE * (capital[key] + lower[key])
    )
    return CorpusNames(names=tuple(names), vocabulary=frozenset(uses))


def _in_address(text: str, start: int, end: int) -> bool:
    """Whether the word at ``start:end`` is part of a web or e-mail address."""
    return text[start - 1 : start] in ("/", "@", ".") or bool(
        re.match(r"\.[a-z]", text[end : end + 2])
    )


def distance(a: str, b: str, limit: int = 3) -> int:
    """Edit distance between ``a`` and ``b`` where swapping two neighbouring letters is one edit
    (optimal string alignment; Damerau 1964). Gives ``limit + 1`` once it must exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _allowed(word: str) -> int:
    """Edits a word of this length may be away from a name: one up to six letters, two above."""
    return 1 if len(word) <= 6 else 2


def closest_name(word: str, names: Iterable[str]) -> str | None:
    """The one name ``word`` is a typo of, or None when none is close or two are equally close."""
    folded = fold(word)
    limit = _allowed(folded)
    best: list[str] = []
    best_distance = limit + 1
    for name in names:
        key = fold(name)
        if key == folded:
            return None  # the word is the name (in other capitals or accents): nothing to correct
        found = distance(folded, key, limit)
        if found < best_distance:
            best, best_distance = [name], found
        elif found == best_distance and found <= limit and fold(best[0]) != key:
            best.append(name)
    return best[0] if len(best) == 1 and best_distance <= limit else None


def correct_names(
    question: str, names: Iterable[str], vocabulary: Container[str] = frozenset()
) -> tuple[str, list[str]]:
    """``question`` with each word the corpus never uses replaced by the name it misspells, and
    the names put in (in question order, each once).

    >>> correct_names("how many members does clautgo have", ["CLAUGTO", "Querétaro"])
    ('how many members does CLAUGTO have', ['CLAUGTO'])
    """
    names = tuple(names)
    found: list[str] = []
    parts: list[str] = []
    cursor = 0
    for match in _WORD.finditer(question):
        word = re.sub(r"['’]s$", "", match.group(0))  # "clautgo's": the name, then "'s"
        if len(word) < MIN_LENGTH or fold(word) in vocabulary or any(c.isdigit() for c in word):
            continue
        name = closest_name(word, names)
        if name is None:
            continue
        parts += [question[cursor : match.start()], name]
        cursor = match.start() + len(word)
        if name not in found:
            found.append(name)
    return "".join([*parts, question[cursor:]]), found


def searched_for(names: list[str]) -> str:
    """The note shown with an answer whose question was corrected: "Searched for: CLAUGTO"."""
    return f"Searched for: {', '.join(names)}" if names else ""
