"""Candidates: the spans of the retrieved chunks the reader scores and an answer may quote.

Job: give each hit's chunk as a reader ``Passage`` (heading: its document's title and innermost
section) with its atomic spans: sentences (a one- or two-word line joined to the line before it,
as a wrapped title), or, in a table, its lines. After scoring, ``quote`` widens the chosen span
into what a reader needs to follow it: a sentence ending in ":" with the list items after it, a
sentence opening with "It"/"This"/"Therefore" with the one before it, a table line with the lines
around it (a whole short table). Every quote is an exact substring of the chunk's text.

Non-job: scoring (``model.py``), deciding or composing the answer (``compose.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from ..text import sentence_spans
from ..types import Hit
from .model import Passage

LIST_ITEMS = 8  # a list introduction is quoted with up to this many items
LIST_ITEM_CHARS = 220  # a longer line after a list introduction is prose, not an item
WHOLE_TABLE = 800  # a table up to this long is quoted whole (extracted columns do not line up)
TABLE_LINES = 3  # otherwise, a table line is quoted with this many lines either side
# a sentence that only makes sense with the one before it ("It has ...", "Therefore, ...")
_LEANS_BACK = re.compile(
    r"(?:It|Its|This|These|That|Those|They|Their|Such|He|She|His|Her|Therefore|Thus|Hence|"
    r"Consequently|As a result|In addition|Moreover|Furthermore|Also)\b"
)


@dataclass(frozen=True)
class Candidate:
    """A scored span of hit ``hit``'s chunk; ``prob`` is the calibrated P(it answers)."""

    hit: int
    start: int
    end: int
    text: str
    logit: float
    prob: float
    vector: np.ndarray = field(compare=False, repr=False, default_factory=lambda: np.zeros(0))
    features: tuple[float, ...] = field(compare=False, repr=False, default=())


def _join_wrapped(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and text[out[-1][1] : start] == "\n" and len(text[start:end].split()) <= 2:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def atomic_spans(hit: Hit) -> tuple[tuple[int, int], ...]:
    """What the reader scores in a chunk: its sentences, or a table's lines."""
    text = hit.chunk.text
    if hit.chunk.kind == "table":
        return tuple((m.start(), m.end()) for m in re.finditer(r"[^\n]*\S[^\n]*", text))
    return tuple(_join_wrapped(text, sentence_spans(text)))


def heading(hit: Hit) -> str:
    leaf = hit.chunk.section.rsplit(" > ", 1)[-1].strip()
    title = hit.doc.title.strip()
    return f"{title} > {leaf}" if leaf and leaf != title else title


def passages(hits: list[Hit]) -> list[Passage]:
    return [Passage(heading(h), h.chunk.text, atomic_spans(h)) for h in hits]


def _list_end(text: str, spans: tuple[tuple[int, int], ...], i: int) -> int:
    """Where the list introduced by span ``i`` (ending in ":") ends: after the short items that
    follow it, before a long sentence or a new paragraph."""
    end = spans[i][1]
    for start, stop in spans[i + 1 : i + 1 + LIST_ITEMS]:
        if stop - start > LIST_ITEM_CHARS or text[end:start].count("\n\n") > 1:
            break
        end = stop
    return end


def quote(hit: Hit, spans: tuple[tuple[int, int], ...], i: int) -> tuple[int, int]:
    """The quote for atomic span ``i``: widened to what it needs to be read alone."""
    text = hit.chunk.text
    start, end = spans[i]
    if hit.chunk.kind == "table":
        if len(text) <= WHOLE_TABLE:
            return 0, len(text.rstrip())
        lo, hi = max(i - TABLE_LINES, 0), min(i + TABLE_LINES, len(spans) - 1)
        return spans[lo][0], spans[hi][1]
    if text[start:end].rstrip().endswith(":"):
        end = _list_end(text, spans, i)
    if i > 0 and _LEANS_BACK.match(text, start) and "\n\n" not in text[spans[i - 1][1] : start]:
        start = spans[i - 1][0]
    return start, end
