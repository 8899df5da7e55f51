"""Acronyms the documents define, and what they stand for.

A document writes "The Guanajuato Auto Cluster (CLAUGTO)" once and "CLAUGTO" from then on, so a
question about "the Guanajuato auto cluster" shares no word with the sentence that answers it.
``definitions`` reads every "Long Form (ACRONYM)" in the corpus; ``expand`` lets a sentence that
says the acronym count the long form's words, and one that spells the long form out count the
acronym. ``initials`` lists the acronyms any capitalised run of words could have ("FAA" for
"Federal Aviation Administration"), so a question's acronym is not taken for a word the corpus
lacks. Pure functions over text; the answerer uses them when scoring sentences (``quotes``) and
when looking for unknown words (``question``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from .text import fold, tokenize

# "Long Form (ACRONYM)": an acronym has two capitals or more ("CLAUGTO", "mxTI", "OEMs", "R&D")
_DEFINED = re.compile(r"\(([\w@&.-]*[A-Z][\w@&.-]*[A-Z][\w@&.-]*)\)")
_CLAUSE_END = re.compile(r"[()\n.:;!?]")  # a long form does not reach back past these
LOOK_BACK = 160  # characters before "(ACRONYM)" where its long form may be
_WORD = re.compile(r"[^\W\d_][\w’'@&-]*")
# words inside a long form that need not give the acronym a letter
_CONNECTORS = frozenset("of for and de del la las los el y e en on in to".split())
_ARTICLES = frozenset("the a an".split())  # where a long form starts ("Moreover, the ...")
MAX_WORDS = 10  # a long form has at most this many words that give letters


def _letters(acronym: str) -> str:
    letters = fold(re.sub(r"[^\w]|\d|_", "", acronym))
    return letters[:-1] if acronym.endswith("s") and acronym[-2:-1].isupper() else letters


def long_form(before: str, acronym: str) -> str | None:
    """The words right before "(ACRONYM)" that it stands for, or None.

    Capitalised words ("Chamber of Electronics, Telecommunications and Information Technologies
    (CANIETI)") are taken back from the parenthesis while their initials are letters of the
    acronym, in any order ("Guanajuato Auto Cluster (CLAUGTO)"); words in lower case only when
    their initials spell the acronym exactly ("original equipment manufacturers (OEMs)")."""
    letters = _letters(acronym)
    words = list(_WORD.finditer(before))
    if len(letters) < 2 or not words:
        return None
    # lower case: the last len(letters) words, connectors aside, spell the acronym
    content = [w for w in words if fold(w.group(0)) not in _CONNECTORS]
    tail = content[-len(letters) :]
    if len(tail) == len(letters) and "".join(fold(w.group(0)[0]) for w in tail) == letters:
        return before[tail[0].start() : tail[-1].end()]
    named: list[re.Match[str]] = []
    for match in reversed(words[-3 * MAX_WORDS :]):
        word = match.group(0)
        folded = fold(word)
        if folded in _ARTICLES:
            break
        if folded in _CONNECTORS:
            continue
        if not word[0].isupper() or folded[0] not in letters or len(named) >= MAX_WORDS:
            break
        named.append(match)
    if len(named) < 2 or letters[0] not in {fold(w.group(0)[0]) for w in named}:
        return None
    return before[named[-1].start() : named[0].end()]


def definitions(texts: Iterable[str]) -> dict[str, frozenset[str]]:
    """Acronym token -> the tokens of what it stands for, over all ``texts``. An acronym defined
    in several ways ("CLAUT": the auto cluster of Nuevo León, and of Estado de México) keeps
    only the words its definitions share."""
    out: dict[str, frozenset[str]] = {}
    for text in texts:
        for match in _DEFINED.finditer(text):
            before = text[max(0, match.start() - LOOK_BACK) : match.start()].rstrip()
            ends = list(_CLAUSE_END.finditer(before))
            before = before[ends[-1].end() :] if ends else before
            acronym = tokenize(match.group(1))
            long = long_form(before, match.group(1))
            if len(acronym) != 1 or long is None:
                continue
            words = frozenset(tokenize(long)) - {acronym[0]}
            key = acronym[0]
            out[key] = out[key] & words if key in out else words
    return {key: words for key, words in out.items() if words}


Aliases = tuple[tuple[str, frozenset[str]], ...]


def relevant(aliases: Mapping[str, frozenset[str]], terms: Iterable[str]) -> Aliases:
    """The definitions that bear on a question's ``terms``: the acronyms it says, and those
    whose long form shares a word with it."""
    wanted = set(terms)
    return tuple(
        (acronym, words)
        for acronym, words in sorted(aliases.items())
        if acronym in wanted or words & wanted
    )


def expand(tokens: set[str], aliases: Aliases) -> set[str]:
    """``tokens`` with the words of every acronym they hold, and every acronym whose long form
    they hold whole."""
    out = set(tokens)
    for acronym, words in aliases:
        if acronym in tokens:
            out |= words
        elif words <= tokens:
            out.add(acronym)
    return out


_CAPITALISED_RUN = re.compile(
    r"(?:[A-Z][\w'-]+(?:\s+(?:of|for|and|de|del|la|the|on|in)\s+|\s+|-))+[A-Z][\w'-]+"
)
_RUN_CONNECTORS = frozenset("of for and de del la the on in".split())


def initials(texts: Iterable[str]) -> frozenset[str]:
    """Acronyms the texts spell out: the initials of every run of capitalised words, folded
    ("Federal Aviation Administration" gives "faa"; connectors like "of" may or may not count)."""
    out: set[str] = set()
    for text in texts:
        for match in _CAPITALISED_RUN.finditer(text):
            words = re.findall(r"[\w']+", match.group(0))
            for i in range(len(words)):
                for j in range(i + 2, min(len(words), i + 8) + 1):
                    run = words[i:j]
                    if run[0] in _RUN_CONNECTORS or run[-1] in _RUN_CONNECTORS:
                        continue
                    caps = [w for w in run if w not in _RUN_CONNECTORS]
                    out.add(fold("".join(w[0] for w in caps)))
                    out.add(fold("".join(w[0] for w in run)))
    return frozenset(out)
