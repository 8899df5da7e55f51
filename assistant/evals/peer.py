"""The peer a reader must beat: the best sentence by MiniLM cosine over the same retrieval.

For each question, the passages the Assistant retrieved (``Answer.hits``, top k) are split into
sentences (``text.sentence_spans``; fragments under ``MIN_WORDS`` words, such as headings, are no
answer), the question and the sentences are embedded with the Assistant's own embedder, and the
sentence of highest cosine is the answer. It never abstains. Its ``Record`` is scored with the
same rules as the Assistant's (``metrics``), so ``summarize`` gives its accuracy, overall
and citation precision (its one citation is the sentence itself). Vectors are cached for the
process by model and text: a suite's passages recur from question to question, and suites that
share a corpus (squad2-sample and squad2-val) embed them once. This module retrieves nothing and
writes no report.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..store.embed import Embedder
from ..text import sentence_spans
from .metrics import (
    Question,
    Record,
    answer_matches,
    citation_supports,
    summarize,
    word_count,
)

PEER = "best sentence by all-MiniLM-L6-v2 cosine over the Assistant's top-k passages"
MIN_WORDS = 4  # shorter lines are headings or fragments, not answers
_VECTORS: dict[tuple[str, int], dict[str, np.ndarray]] = {}  # (model, dimension) -> text -> vector
# what a reader that never abstains is measured on (its abstention figures are 0 by design)
KEPT = ("questions", "accuracy_answerable", "overall", "citation_precision",
        "answer_words_mean", "answer_words_median", "per_category")  # fmt: skip


def sentences(texts: Sequence[str]) -> list[str]:
    """The sentences of the passages, in order, without duplicates or fragments."""
    out: dict[str, None] = {}
    for text in texts:
        for start, end in sentence_spans(text):
            sentence = " ".join(text[start:end].split())
            if len(sentence.split()) >= MIN_WORDS:
                out.setdefault(sentence)
    return list(out)


class PeerReader:
    """Answers with the passage sentence closest to the question in the embedder's space."""

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder
        self._vectors = _VECTORS.setdefault((embedder.model_id, embedder.dimension), {})

    def _embed(self, texts: list[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if todo:
            for text, vector in zip(todo, self.embedder.embed(todo), strict=True):
                self._vectors[text] = vector
        return np.stack([self._vectors[t] for t in texts])

    def answer(self, question: str, passages: Sequence[str]) -> str:
        """The best sentence; "" when the passages hold no sentence at all."""
        candidates = sentences(passages)
        if not candidates:
            return ""
        query = self._embed([question])[0]
        scores = self._embed(candidates) @ query  # vectors are L2-normalised: dot = cosine
        return candidates[int(np.argmax(scores))]


def peer_record(q: Question, answer: str) -> Record:
    """The peer's answer to ``q`` scored like the Assistant's (it never abstains)."""
    matched = answer_matches(q.answers, q.match, answer)
    return Record(
        id=q.id,
        category=q.category,
        answerable=q.answerable,
        correct=matched if q.answerable else False,
        abstained=False,
        citations=1 if answer else 0,
        citations_ok=int(bool(answer) and citation_supports(answer, q.evidence, q.answers)),
        words=word_count(answer),
        answer=answer[:160],
    )


def run_peer(
    embedder: Embedder, questions: Sequence[Question], passages: dict[str, Sequence[str]]
) -> list[Record]:
    """The peer's record for every question, from the passages the Assistant retrieved for it
    (``passages[q.id]``; a question the Assistant failed on gets none and an empty answer)."""
    reader = PeerReader(embedder)
    records: list[Record] = []
    for q in questions:
        texts: Any = passages.get(q.id, ())
        records.append(peer_record(q, reader.answer(q.question, texts) if texts else ""))
    return records


def peer_summary(records: Sequence[Record], k: int) -> dict[str, Any]:
    """The peer's figures: ``summarize`` over its records, the ones that apply to it."""
    metrics = summarize(records, k)
    return {"recipe": PEER, **{key: metrics[key] for key in KEPT}}
