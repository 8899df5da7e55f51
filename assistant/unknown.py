"""Words a question uses that the corpus never does: what the documents cannot be asked about.

``unknown_terms`` finds them, allowing for everyday verbs, inflections, cognates and acronyms the
passages spell out; ``spellings`` finds the corpus's own misspellings of a question word. Both
look words up in the index's vocabulary (``Vocabulary``). Used by ``question.analyse``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Protocol

from .acronyms import initials
from .lexicon import GLOSSARY_TOKENS, is_foreign
from .text import fold, tokenize

# Common English verbs, adverbs and vague adjectives: a question may use them where the text
# says the same thing in other words, so their absence from the corpus proves nothing.
_PARAPHRASE = frozenset(
    """be have do say get make go know take see come think look want give use find tell ask work
    seem feel try leave call run begin start sign show hear play move live believe hold bring happen
    write provide sit stand lose pay meet include continue set learn change lead understand watch
    follow stop create speak read allow add spend grow open walk win offer remember consider appear
    buy wait serve send expect build stay fall cut reach remain suggest raise pass sell require
    report decide pull cover choose refer apply belong host operate join plan list break distinguish
    introduce conclude announce launch found form populate advise affect regard cite credit
    attribute
    handle assign kick shut close roll produce mean cited big small large main roughly back still
    apart besides also actually currently exactly approximately around about overall whole total
    kind sort type way thing number amount much many far long often again ever describe used
    present rise mean qualify pursue suppose schedule browse invite talk tie speak spoke took went
    gone gave given ran done whose being been meant goes went built made said got held kept
    brought bought sought thought told found led left lent met paid put sent spent stood taken
    known shown seen written become became come came arise arose
    page pages piece reader readers text source sources author writer website site publication
    piece post blog section chapter paragraph size down up answer publish published authors
    journalist wrote interviewer""".split()
)
_PARAPHRASE_STEMS = frozenset(tokenize(" ".join(_PARAPHRASE), keep_stopwords=True))


class Vocabulary(Protocol):
    """The corpus's terms, as the BM25 index holds them (``bm25.BM25`` is one)."""

    def doc_freq(self, term: str) -> int: ...

    def has_prefix(self, prefix: str) -> bool: ...


def unknown_terms(
    terms: list[str],
    question: str,
    vocab: Vocabulary | None,
    passages: Sequence[str] = (),
) -> tuple[str, ...]:
    """Content words absent from the whole corpus: what the documents cannot be asked about.

    A word counts as present when the corpus has a longer word starting with it ("attend" in
    "attendance") or sharing its first three quarters ("congress" / "congreso"): the question
    only inflected or spelled it differently; an acronym counts as present when one of the
    ``passages`` at hand spells it out ("FAA" for "Federal Aviation Administration": see
    ``acronyms.initials``, collected only when the question has an acronym left to check)."""
    if vocab is None or is_foreign(question):
        return ()
    upper = {fold(w) for w in re.findall(r"\b[A-Z][A-Z0-9&]{1,7}\b", question)}
    spelled: frozenset[str] = frozenset()
    out = []
    for term in terms:
        verb_like = term.endswith("ly") or term in _PARAPHRASE_STEMS
        if verb_like or term in GLOSSARY_TOKENS or len(term) <= 2 or vocab.doc_freq(term) > 0:
            continue
        if len(term) >= 5 and vocab.has_prefix(term):
            continue
        if len(term) >= 7 and vocab.has_prefix(term[: max(6, math.ceil(0.75 * len(term)))]):
            continue
        if term in upper and term in (spelled := spelled or initials(passages)):
            continue
        out.append(term)
    return tuple(out)


def spellings(term: str, vocab: Vocabulary | None) -> list[str]:
    """Other spellings of a word of six letters or more that the corpus uses, a doubled letter
    written once or a single one written twice ("pillar": "pilar"; "comitee": "committee")."""
    if vocab is None or len(term) < 6 or not term.isalpha():
        return []
    once = {term[:i] + term[i + 1 :] for i in range(1, len(term)) if term[i] == term[i - 1]}
    twice = {term[: i + 1] + term[i:] for i in range(len(term)) if term[i] != term[i - 1 : i]}
    return sorted(v for v in once | twice if vocab.doc_freq(v) > 0)
