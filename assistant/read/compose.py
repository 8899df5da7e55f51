"""Composition: an extractive answer built on the reader's calibrated scores.

Job: turn ranked ``Candidate``s into a ``Draft``:

- **abstain** when the best candidate's calibrated probability is under the threshold: "The
  documents don't say", naming the question's words no passage found mentions (as the user wrote
  them), with the two closest passages as pointers;
- **direct**: a short answer first for a number, date or name (the span head's best span inside
  the best sentence, verbatim), then the best quote, and a second one when it clears the same
  calibrated threshold; a list question may take up to ``LIST_QUOTES``;
- **conflict**: a number question whose likely candidates from different documents give different
  figures shows each figure with its source and date;
- **overview**: a broad question gets up to ``OVERVIEW`` likely quotes, diversified by maximal
  marginal relevance over the reader's span vectors (Carbonell & Goldstein 1998), grouped by
  document.

Non-job: scoring, calibration (``model.py``, ``calibrate.py``), verification.
"""

from __future__ import annotations

import re

import numpy as np

from ..retrieve.lexicon import GLOSSARY
from ..text import fold, tokenize
from ..types import Hit
from .candidates import Candidate, atomic_spans, quote
from .draft import Citations, Draft
from .model import Scored
from .phrases import phrase

CONFLICT = 0.5  # sources "disagree" only when each is more likely than not to answer
LIST_QUOTES = 3
OVERVIEW = 8
MMR_LAMBDA = 0.7  # relevance against novelty in the overview
MAX_SPAN_TOKENS = 16  # a direct answer is a short span
_DIGITS = re.compile(r"\d[\d,.]*")


def quoted(hits: list[Hit], c: Candidate) -> tuple[str, int, int]:
    hit = hits[c.hit]
    spans = atomic_spans(hit)
    i = next((n for n, s in enumerate(spans) if s == (c.start, c.end)), None)
    start, end = quote(hit, spans, i) if i is not None else (c.start, c.end)
    return display(hit, start, end), start, end


def short_span(scored: Scored, c: Candidate, text: str) -> str | None:
    """The span head's best span inside candidate ``c`` (start <= end, at most
    ``MAX_SPAN_TOKENS``), verbatim from the passage; None when it is the whole sentence."""
    off = scored.offsets
    inside = np.nonzero((off[:, 0] >= c.start) & (off[:, 1] <= c.end) & (off[:, 1] > 0))[0]
    if not len(inside):
        return None
    starts, ends = scored.start[inside], scored.end[inside]
    total = starts[:, None] + ends[None, :]
    n = len(inside)
    allowed = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(
        np.ones((n, n), dtype=bool), MAX_SPAN_TOKENS
    )
    total = np.where(allowed, total, -np.inf)
    i, j = np.unravel_index(int(np.argmax(total)), total.shape)
    span = text[off[inside[i], 0] : off[inside[j], 1]].strip(" ,;:.")
    if not span or len(span) >= 0.8 * (c.end - c.start):
        return None
    return span


def source_label(hit: Hit) -> str:
    parts = [p for p in (hit.doc.publisher.split(" (")[0], hit.doc.date) if p]
    return ", ".join(parts) or hit.doc.title


def _echo(question: str) -> str:
    return re.sub(r"\s*\[[\d,\s]*\]", "", question).strip().rstrip("?.! ")


# how questions are asked, in the three languages: never "what the documents don't mention"
_FRAME = frozenset(
    """how many much what which who whom whose when where why does do did is are was were has
    have had can could would should there any give tell list name me about"""
    """ wie viele welche welcher wer wann wo warum hat haben gibt es ist sind cuantos cuantas
    cuales cual quien quienes cuando donde como que hay tiene tienen es son""".split()
)


def missing_words(question: str, hits: list[Hit]) -> list[str]:
    """The question's content words (as typed) that no retrieved passage, title or section
    mentions, compared as folded word stems."""
    seen: set[str] = set()
    for hit in hits:
        seen |= set(tokenize(f"{hit.doc.title} {hit.chunk.section} {hit.chunk.text}"))
    out = []
    for word in re.findall(r"[^\W_][\w'’-]*", question):
        stems = tokenize(f"{word} {GLOSSARY.get(fold(word), '')}")  # a Spanish word's English
        if fold(word) in _FRAME:
            continue
        if stems and not set(stems) & seen and word not in out:
            out.append(word)
    return out


def abstain(question: str, hits: list[Hit], ranked: list[Candidate], lang: str) -> Draft:
    missing = missing_words(question, hits)
    if missing:
        lead = phrase(lang, "missing", words=", ".join(missing[:3]))
    else:
        lead = phrase(lang, "unanswered", question=_echo(question)[:200])
    draft = Draft(abstained=True, confidence=ranked[0].prob if ranked else 0.0)
    draft.sentences.append((lead, ()))
    book = Citations(hits)
    pointers: list[Candidate] = []
    for c in ranked:
        if len(pointers) == 2:
            break
        if all(c.hit != p.hit for p in pointers):
            pointers.append(c)
    if pointers:
        numbers = tuple(book.cite(c.hit, *quoted(hits, c)[1:]) for c in pointers)
        draft.sentences.append((phrase(lang, "pointers"), numbers))
    draft.citations = book.items
    return draft


def _overlaps(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def display(hit: Hit, start: int, end: int) -> str:
    """A quote as the answer shows it: a table's lines without its blank lines."""
    text = hit.chunk.text[start:end]
    if hit.chunk.kind == "table":
        text = "\n".join(line.strip() for line in text.splitlines() if line.strip())
    return text


def pick(
    ranked: list[Candidate], hits: list[Hit], limit: int, floor: float
) -> list[tuple[Candidate, int, int]]:
    """The best candidate and up to ``limit - 1`` more whose probability reaches ``floor``, with
    their quotes; a quote overlapping one already taken widens that one instead ("X is ...
    It was created in 2006" is one quote)."""
    chosen: list[tuple[Candidate, int, int]] = []
    for c in ranked:
        if len(chosen) == limit or (chosen and c.prob < floor):
            break
        _, start, end = quoted(hits, c)
        for n, (first, a, b) in enumerate(chosen):
            if _overlaps((c.hit, start, end), (first.hit, a, b)):
                chosen[n] = (first, min(a, start), max(b, end))
                break
        else:
            chosen.append((c, start, end))
    return chosen


def _figure(scored: dict[int, Scored], hits: list[Hit], c: Candidate) -> str | None:
    span = short_span(scored[c.hit], c, hits[c.hit].chunk.text)
    return span if span and _DIGITS.search(span) else None


def conflict(
    ranked: list[Candidate], hits: list[Hit], scored: dict[int, Scored], floor: float
) -> list[tuple[Candidate, str]]:
    """One figure per document among the likely candidates, when they differ."""
    floor = max(floor, CONFLICT)
    figures: list[tuple[Candidate, str]] = []
    docs, values = set(), set()
    for c in ranked:
        if c.prob < floor:
            break
        doc = hits[c.hit].doc.doc_id
        figure = _figure(scored, hits, c)
        if doc in docs or not figure:
            continue
        value = _DIGITS.search(figure).group(0).replace(",", "")  # type: ignore[union-attr]
        if value in values:
            continue
        docs.add(doc)
        values.add(value)
        figures.append((c, figure))
    return figures if len(figures) > 1 else []


def conflict_sentences(
    figures: list[tuple[Candidate, str]], hits: list[Hit], book: Citations, lang: str
) -> list[tuple[str, tuple[int, ...]]]:
    """ "The sources give different figures: 65 (A, 2021) [1]; 80 (B, 2017) [2]." and the quotes."""
    items, quotes = [], []
    for c, span in figures:
        text, start, end = quoted(hits, c)
        n = book.cite(c.hit, start, end)
        items.append(f"{span} ({source_label(hits[c.hit])}) [{n}]")
        quotes.append((text, (n,)))
    return [(phrase(lang, "conflict", items="; ".join(items)), ()), *quotes]


def mmr(ranked: list[Candidate], limit: int) -> list[Candidate]:
    """Maximal marginal relevance over the candidates' span vectors (cosine)."""
    if not ranked:
        return []
    vectors = np.stack([c.vector / (np.linalg.norm(c.vector) + 1e-9) for c in ranked])
    relevance = np.array([c.prob for c in ranked])
    chosen = [0]
    while len(chosen) < min(limit, len(ranked)):
        similarity = (vectors @ vectors[chosen].T).max(axis=1)
        value = MMR_LAMBDA * relevance - (1 - MMR_LAMBDA) * similarity
        value[chosen] = -np.inf
        chosen.append(int(np.argmax(value)))
    return [ranked[i] for i in chosen]


def fold_equal(a: str, b: str) -> bool:
    return fold(a).strip() == fold(b).strip()
