"""Conflicting figures: the same count given differently by other documents or sections.

Used by the extractive answerer (``answer.py``), which lists every figure with its source and
date instead of picking one. Pure functions over candidate quotes; no composition here.
"""

from __future__ import annotations

import re

from .question import Question
from .quotes import Candidate
from .spans import NUM_SPAN, counted_by, direct_answer, is_year, trim_span
from .text import tokenize
from .types import Hit

CONFLICT_SCORE = 0.75  # another figure must score this share of the best sentence's score


def conflicting(
    q: Question, best: Candidate, pool: list[Candidate], hits: list[Hit]
) -> list[tuple[Candidate, str]]:
    """Figures for the same thing from other documents, or other sections of the same one (a
    report may give one goal in its summary and another in its policy chapter): one figure per
    document section, when they differ.

    Conservative on purpose: the other sentence must match every question term the best one
    matches, score nearly as well, and its number must count one of the asked-about things."""
    first = direct_answer(q, best.text)
    if q.kind != "number" or not first:
        return []
    asked = set(q.counted) or set(q.terms)
    figures = [(best, first)]
    seen_values = {re.sub(r"\D", "", first.split()[0])}
    seen = {(hits[best.hit].doc.doc_id, hits[best.hit].chunk.section)}
    for c in pool:
        where = (hits[c.hit].doc.doc_id, hits[c.hit].chunk.section)
        if where in seen or c.score < CONFLICT_SCORE * best.score:
            continue  # one figure per document, or per section of a long one
        if not c.found >= best.found:
            continue
        if hits[c.hit].chunk.kind == "table":
            continue  # numbers in an extracted table are not reliably tied to their labels
        if not set(q.counted) <= set(tokenize(c.text)):
            continue  # must count the very thing asked about ("IT clusters", not "clusters")
        spans = [m for m in NUM_SPAN.finditer(c.text) if not is_year(m)]
        spans = [m for m in spans if counted_by(c.text, m) & asked]
        if not spans:
            continue
        span = trim_span(spans[0].group(0))
        value = re.sub(r"\D", "", span.split()[0])
        if value and value not in seen_values:
            seen_values.add(value)
            seen.add(where)
            figures.append((c, span))
    return figures if len(figures) > 1 else []
