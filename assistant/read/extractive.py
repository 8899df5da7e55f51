"""The extractive reader: retrieved hits in, a ``Draft`` out, decided by the trained model.

Job: for each part of the question, score every candidate span of the hits with the reader
(``model.Reader``), map the best logit to a calibrated probability (``calibrate.Calibration``)
and either abstain or compose (``compose.py``): a direct answer, part by part, an overview for
a broad question, every figure with its source when likely sources disagree. One threshold (the
calibration's) decides every "the documents don't say"; nothing else vetoes an answer.

Non-job: retrieval, verification, LLM backends.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..retrieve.lexicon import gloss, is_foreign
from ..retrieve.parts import answer_kind, is_broad, split_parts
from ..text import tokenize
from ..types import Hit
from . import compose
from .calibrate import CALIBRATION, Calibration, load_calibration
from .candidates import Candidate, passages
from .draft import Citations, Draft
from .features import Coverage, combine, matrix, span_score, typed
from .model import Reader, Scored
from .phrases import language_of, phrase

# A heading, a label or a byline line ("Baja California Aerospace Cluster") is context, not an
# answer: outside tables, a candidate is a sentence (it ends like one) or a long line. SQuAD
# paragraphs hold sentences only, so the reader never learnt to score headings.
SENTENCE_END = (".", "!", ":", ";", ".”", '."', ".)", "”", ")")
LONG_LINE = 12  # words
# A sentence reader reads this many candidates a question, those sharing the most idf-weighted
# words with the question (alone and with their heading and previous sentence). Reading 4, 6, 8
# or 12 gave the same squad2-val and squad11-val figures within 1 point (the 12 collected by
# `python -m assistant.read.fit`, cut to the first K); each candidate costs ~40 ms
# (bench/bench_reader.py), so 4. An overview reads more: it needs candidates to diversify.
FIRST_PASS = 4
OVERVIEW_PASS = 12


def is_candidate(span: str, table: bool) -> bool:
    text = span.rstrip()
    return table or text.endswith(SENTENCE_END) or len(text.split()) >= LONG_LINE


class ExtractiveReader:
    """``answer(question, hits)``: the trained reader's extractive answer."""

    def __init__(self, reader: Reader | None = None, calibration: Calibration | None = None):
        self.reader = reader or Reader()
        self._calibration = calibration
        self.budget = FIRST_PASS
        self.batch: int | None = None  # the model's default forward-pass batch
        # the corpus's idf for the coverage features; the pipeline sets it for its index
        self.idf: Callable[[str], float] | None = None

    @classmethod
    def from_dir(cls, model_dir: Path) -> ExtractiveReader:
        """The reader whose weights and calibration are in ``model_dir``, loaded."""
        return cls(Reader(model_dir), load_calibration(model_dir / CALIBRATION.name)).load()

    @property
    def calibration(self) -> Calibration:
        if self._calibration is None:
            self._calibration = load_calibration()
        return self._calibration

    def load(self) -> ExtractiveReader:
        self.reader.load()
        _ = self.calibration
        return self

    def rank(
        self,
        question: str,
        hits: list[Hit],
        idf: Callable[[str], float] | None = None,
        budget: int | None = None,
    ) -> tuple[list[Candidate], dict[int, Scored]]:
        """Every candidate span of ``hits``, best first, and each hit's raw scores. A
        candidate's ``logit`` is the learned combination of the reader's logit with the other
        features (``features.py``) when the calibration has weights, else the reader's own. A
        sentence reader reads the ``budget`` (default ``self.budget``) best of the first pass."""
        text = question
        if is_foreign(question):  # the reader is English: the question in the glossary's words
            text = gloss(question)
        found = passages(hits)
        kind = answer_kind(question)
        coverage = Coverage(text, idf or self.idf)
        cheap: list[tuple[int, int, float, float]] = []  # hit, span, coverage, context
        for h, p in enumerate(found):
            table = hits[h].chunk.kind == "table"
            head = set(tokenize(p.heading))
            previous: set[str] = set()
            for i, (a, b) in enumerate(p.spans):
                span = p.text[a:b]
                said = set(tokenize(span))
                context, previous = said | previous | head, said
                if span.rstrip().endswith("?") or not is_candidate(span, table):
                    continue  # an interviewer's question; a heading or a label line
                cheap.append((h, i, coverage(said), coverage(context)))
        select = None
        if self.reader.reads_sentences:  # the first pass: what the sentence reader reads
            ordered = sorted(cheap, key=lambda c: (-(c[2] + c[3]), c[0], c[1]))
            select = {(h, i) for h, i, _, _ in ordered[: budget or self.budget]}
        scores = self.reader.score(text, found, batch=self.batch, select=select)
        keep: list[tuple[int, int, int, str, float, np.ndarray]] = []
        rows: list[list[float]] = []
        for h, i, said_share, context_share in cheap:
            p, s = found[h], scores[h]
            a, b = p.spans[i]
            logit = float(s.logits[i])
            if logit == float("-inf"):
                continue  # not read: cut off by the input length, or below the first pass
            span = p.text[a:b]
            rows.append([logit, span_score(s, a, b), said_share, context_share,
                         1.0 / hits[h].rank, typed(kind, span, question),
                         math.log1p(len(span.split()))])  # fmt: skip
            keep.append((h, a, b, span, logit, s.vectors[i]))
        cal = self.calibration
        raw = [k[4] for k in keep]
        combined = combine(matrix(rows), cal.weights) if cal.weights and rows else raw
        out = [
            Candidate(h, a, b, span, float(z), cal.prob(float(z)), vector, tuple(row))
            for (h, a, b, span, _, vector), z, row in zip(keep, combined, rows, strict=True)
        ]
        out.sort(key=lambda c: (-c.logit, c.hit, c.start))
        return out, dict(enumerate(scores))

    def answer(self, question: str, hits: list[Hit], asked: str | None = None) -> Draft:
        """Answer ``question`` (the standalone query) from ``hits``; ``asked`` is what the user
        typed, when the query was rewritten from the conversation (its language is kept)."""
        lang = language_of(asked or question)
        parts = split_parts(question)
        if len(parts) == 1 and is_broad(question):
            draft = self._overview(question, hits, lang)
        elif len(parts) == 1:
            draft = self._single(question, hits, lang)
        else:
            draft = self._parts(parts, hits, lang)
        note = phrase(lang, "quoted")
        if note and not draft.abstained:
            draft.sentences.append((note, ()))
        return draft

    # -- composition ---------------------------------------------------------------------------
    def _direct(
        self, question: str, hits: list[Hit], book: Citations, single: bool, lang: str = "en"
    ) -> tuple[list[tuple[str, tuple[int, ...]]], list[Candidate]]:
        ranked, scored = self.rank(question, hits)
        if not ranked or not self.calibration.answers(ranked[0].logit):
            return [], ranked
        kind = answer_kind(question)
        floor = self.calibration.threshold  # every quote shown must clear the one threshold
        if single and kind == "number":
            figures = compose.conflict(ranked, hits, scored, floor)
            if figures:
                out = compose.conflict_sentences(figures, hits, book, lang)
                return out, ranked
        limit = compose.LIST_QUOTES if kind == "list" else 2 if single else 1
        chosen = compose.pick(ranked, hits, limit, floor)
        out = []
        best, first_start, first_end = chosen[0]
        if kind in ("number", "date", "name"):
            short = compose.short_span(scored[best.hit], best, hits[best.hit].chunk.text)
            if short and typed(kind, short, question):  # "how many": a figure; "when": a date
                out.append((short, (book.cite(best.hit, first_start, first_end),)))
        for c, start, end in chosen:
            text = compose.display(hits[c.hit], start, end)
            out.append((text, (book.cite(c.hit, start, end),)))
        return out, ranked

    def _single(self, question: str, hits: list[Hit], lang: str) -> Draft:
        book = Citations(hits)
        sentences, ranked = self._direct(question, hits, book, single=True, lang=lang)
        if not sentences:
            return compose.abstain(question, hits, ranked, lang)
        draft = Draft(sentences=sentences, citations=book.items, confidence=ranked[0].prob)
        return draft

    def _parts(self, parts: list[str], hits: list[Hit], lang: str) -> Draft:
        """Each part answered from the same hits with its own decision; abstain when all do."""
        book = Citations(hits)
        merged = Draft()
        answered, confidences, first_ranked = 0, [], None
        for part in parts:
            sentences, ranked = self._direct(part, hits, book, single=False, lang=lang)
            first_ranked = first_ranked or ranked
            confidences.append(ranked[0].prob if ranked else 0.0)
            if sentences:
                answered += 1
                merged.sentences.extend(sentences)
            else:
                merged.sentences.append((phrase(lang, "part", question=part), ()))
        if not answered:
            return compose.abstain(" ".join(parts), hits, first_ranked or [], lang)
        merged.citations = book.items
        merged.confidence = min(confidences)
        return merged

    def _overview(self, question: str, hits: list[Hit], lang: str) -> Draft:
        ranked, _ = self.rank(question, hits, budget=max(self.budget, OVERVIEW_PASS))
        cal = self.calibration
        if not ranked or not cal.answers(ranked[0].logit):
            return compose.abstain(question, hits, ranked, lang)
        pool = [c for c in ranked if c.prob >= cal.threshold / 2][: 3 * compose.OVERVIEW]
        chosen = compose.mmr(pool, compose.OVERVIEW)
        order = {
            doc: n for n, doc in enumerate(dict.fromkeys(hits[c.hit].doc.doc_id for c in chosen))
        }
        chosen.sort(key=lambda c: (order[hits[c.hit].doc.doc_id], c.hit, c.start))
        book = Citations(hits)
        draft = Draft(confidence=ranked[0].prob)
        draft.sentences.append((phrase(lang, "overview"), ()))
        taken: set[tuple[int, int, int]] = set()
        for c in chosen:
            text, start, end = compose.quoted(hits, c)
            if (c.hit, start, end) in taken:
                continue
            taken.add((c.hit, start, end))
            label = re.sub(r"\s+", " ", hits[c.hit].doc.title)
            draft.sentences.append((f"\n- {label}: {text}", (book.cite(c.hit, start, end),)))
        draft.citations = book.items
        return draft
