"""The extractive answerer: composes an answer from the best candidate quotes (``quotes.py``).

Offline and deterministic. The answer opens with a direct answer taken verbatim from the best
sentence when the question asks for a number, a date or a name; shows every figure with its
source and date when sources disagree (found by ``conflicts.py``); covers multi-part questions
with more than one sentence, adding only sentences about the question's subject that carry
evidence (chosen by ``choose.py``); and abstains, naming what is missing, when the evidence is
weak. It returns a ``Draft``; verification is a separate stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .choose import adjoined, choose, list_run, tables_first
from .conflicts import conflicting
from .index import doc_context
from .question import Question, named_unknowns
from .quotes import Candidate, candidates
from .spans import direct_answer
from .text import tokenize
from .types import NOT_SAID, Citation, Hit


@dataclass
class Draft:
    """An answer before verification: sentences with the source numbers they cite."""

    sentences: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(self.pieces())

    def pieces(self) -> list[str]:
        """Each sentence with its markers; a short direct answer gets its full stop after them."""
        parts = []
        for sentence, cites in self.sentences:
            marks = "".join(f"[{n}]" for n in cites)
            stop = "" if sentence.rstrip().endswith((".", "!", "?", ":", ";", "\n")) else "."
            parts.append(f"{sentence} {marks}{stop}".strip() if marks else sentence + stop)
        return parts


def _citation(n: int, hit: Hit, quote: str, verified: bool = True) -> Citation:
    return Citation(
        n=n,
        doc=hit.doc.doc_id,
        title=hit.doc.title,
        publisher=hit.doc.publisher,
        date=hit.doc.date,
        section=hit.chunk.section,
        page=hit.chunk.page,
        quote=quote,
        verified=verified,
        chunk_id=hit.chunk.id,
        passage=hit.chunk.text,
    )


class _Citations:
    """Numbers citations in order of first use; the same quote gets the same number."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.items: list[Citation] = []

    def cite(self, c: Candidate) -> int:
        for item in self.items:
            if item.chunk_id == self.hits[c.hit].chunk.id and item.quote == c.text:
                return item.n
        self.items.append(_citation(len(self.items) + 1, self.hits[c.hit], c.text))
        return len(self.items)


def _readable(c: Candidate, hits: list[Hit]) -> str:
    """A quote as a sentence of the answer: a table's lines without its blank lines (the
    citation keeps the exact quote)."""
    if hits[c.hit].chunk.kind != "table":
        return c.text
    return "\n".join(line.strip() for line in c.text.splitlines() if line.strip())


def _source_label(hit: Hit) -> str:
    parts = [p for p in (hit.doc.publisher.split(" (")[0], hit.doc.date) if p]
    return ", ".join(parts) or hit.doc.title


def _echo(question: str) -> str:
    """The question as quoted back in an answer, without anything that reads as a citation
    marker ("[10]"): the answer's markers must all be the answer's own."""
    return re.sub(r"\s*\[[\d,\s]*\]", "", question).strip()


def abstain(q: Question, hits: list[Hit], ranked: list[Candidate]) -> Draft:
    """'The documents don't say ...' naming what is missing, with the closest passages."""
    seen: set[str] = set()
    for hit in hits:
        seen |= set(tokenize(f"{doc_context(hit.doc)} {hit.chunk.section} {hit.chunk.text}"))
    by_weight = sorted(zip(q.terms, q.weights, strict=True), key=lambda p: -p[1])
    missing = list(q.unknown) or [t for t, _ in by_weight if t not in seen]
    question = _echo(q.text).rstrip("?.! ")
    if missing:
        names = ", ".join(missing[:3])
        lead = f"{NOT_SAID}: none of the passages found mentions {names}."
    else:
        lead = f"{NOT_SAID} this (“{question[:200]}”): no passage answers it directly."
    draft = Draft(abstained=True, confidence=ranked[0].coverage if ranked else 0.0)
    draft.sentences.append((lead, ()))
    book = _Citations(hits)
    pointers: list[Candidate] = []
    for c in ranked:
        if len(pointers) == 2:
            break
        if all(hits[c.hit].chunk.id != hits[p.hit].chunk.id for p in pointers):
            pointers.append(c)
    if pointers:
        numbers = tuple(book.cite(c) for c in pointers)
        draft.sentences.append(("The closest passages are shown as pointers.", numbers))
    draft.citations = book.items
    return draft


def _unsupported(q: Question, hits: list[Hit], best: Candidate, threshold: float) -> bool:
    """Abstain when the question names something the corpus never mentions (a year, a company),
    when a content word the corpus never uses carries a real share of the question ("a lithium
    cluster": the rest may match well, but not the thing asked about), when the other words are
    poorly covered, when the best sentence covers too little of the question (``threshold``,
    the setting), or when it scores too low as evidence (``MIN_EVIDENCE``: its document's title
    may name the subject while the sentence itself says nothing of it). Everyday words,
    synonyms, inflections and acronyms are not unknown words (see ``unknown.unknown_terms``). The
    operating point was set by measurement: see README."""
    if best.coverage < threshold or best.score < MIN_EVIDENCE or named_unknowns(q):
        return True
    if q.kind == "number" and not direct_answer(q, best.text):
        return True  # "how many ...?" and the best passage gives no figure at all
    if not q.unknown:
        return False
    total = sum(q.weights) or 1.0
    share = sum(w for t, w in zip(q.terms, q.weights, strict=True) if t in q.unknown) / total
    if share >= UNKNOWN_SHARE:
        return True
    kept = [(t, w) for t, w in zip(q.terms, q.weights, strict=True) if t not in q.unknown]
    known = Question(q.text, q.kind, tuple(t for t, _ in kept), tuple(w for _, w in kept))
    rescored = candidates(known, hits) if known.terms else []
    return not rescored or rescored[0].coverage < KNOWN_COVERAGE


# The best sentence's score (quotes.candidates: its own and its context's share of the question,
# and whether it holds the kind of answer asked for) below which the evidence is too weak to
# answer from. Measured on the evaluation questions (README): 0.28 turns five wrong answers
# into abstentions for one right answer lost; 0.22 one wrong answer; 0.25 two wrong, one right.
MIN_EVIDENCE = 0.28
KNOWN_COVERAGE = 0.5  # with an unknown word present, the rest must be this well covered
UNKNOWN_SHARE = 0.15  # an unknown word carrying this share of the question's weight: abstain


def extractive_parts(parts: list[Question], hits: list[Hit], threshold: float) -> Draft:
    """Answer each part of a multi-part question from the same hits, with one citation list;
    abstain only when every part must; a part without evidence says so."""
    book = _Citations(hits)
    drafts = [extractive(q, hits, threshold, limit=2, book=book) for q in parts]
    # a part about something the corpus never mentions makes the parts that follow it moot
    if all(d.abstained for d in drafts) or any(
        d.abstained and q.unknown for q, d in zip(parts, drafts, strict=True)
    ):
        return abstain(parts[0], hits, candidates(parts[0], hits))
    merged = Draft(confidence=min(d.confidence for d in drafts))
    for q, d in zip(parts, drafts, strict=True):
        if d.abstained:
            merged.sentences.append((f"{NOT_SAID}: {_echo(q.text)}", ()))
        else:
            merged.sentences.extend(d.sentences)
    merged.citations = book.items
    return merged


def extractive(
    q: Question,
    hits: list[Hit],
    threshold: float,
    limit: int = 3,
    book: _Citations | None = None,
) -> Draft:
    """Compose an extractive answer to ``q`` from ``hits``, or abstain below ``threshold``."""
    ranked = candidates(q, hits)
    if not ranked or _unsupported(q, hits, ranked[0], threshold):
        return abstain(q, hits, ranked)
    book = book or _Citations(hits)
    draft = Draft(confidence=ranked[0].coverage)
    tables = {i: h.chunk.section for i, h in enumerate(hits) if h.chunk.kind == "table"}
    ranked = tables_first(q, ranked, tables)
    best = ranked[0]
    figures = conflicting(q, best, ranked, hits)
    if figures:
        parts = [f"{span} ({_source_label(hits[c.hit])}) [{book.cite(c)}]" for c, span in figures]
        draft.sentences.append((f"The sources give different figures: {'; '.join(parts)}.", ()))
        for c, _ in figures:
            draft.sentences.append((_readable(c, hits), (book.cite(c),)))
    else:
        chosen = choose(
            q, ranked, limit + (1 if q.kind == "list" else 0), tables, [h.doc.doc_id for h in hits]
        )
        chosen = adjoined(list_run(q, chosen, ranked, hits), hits)
        short = direct_answer(q, best.text)
        if short:  # cited with the quote that holds the best sentence (joined or not)
            lead = next(c for c in chosen if c.hit == best.hit and c.start <= best.start < c.end)
            draft.sentences.append((short, (book.cite(lead),)))
        for c in chosen:
            draft.sentences.append((_readable(c, hits), (book.cite(c),)))
    draft.citations = book.items
    return draft
