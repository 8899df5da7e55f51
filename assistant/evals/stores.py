"""Two stores on the same questions: answer-in-context@k, answer accuracy and top-k overlap.

Job: ask every question of a suite through two loaded Assistants (e.g. the FAISS store and the
Milvus store over the same corpus), and report for each the share of answerable questions whose
answer is in the top ``k`` passages (``metrics.context_rank``), the share answered right,
and how many of the top ``k`` chunks the two share. ``tests/test_milvus.py`` holds the Milvus
store within 2 points of the FAISS store; ``bench/bench_stores.py`` prints the figures.

Non-job: the full evaluation report (``runner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .metrics import Question, answer_matches, context_rank


def store_parity(a: Any, b: Any, questions: Sequence[Question], k: int = 5) -> dict[str, Any]:
    """Figures for Assistants ``a`` and ``b`` on ``questions`` (extractive, warm)."""
    in_context = {"a": 0, "b": 0}
    correct = {"a": 0, "b": 0}
    overlaps: list[float] = []
    answerable = [q for q in questions if q.answerable]
    for q in answerable:
        history = [dict(t) for t in q.history] or None
        answers = {"a": a.ask(q.question, history, k=k), "b": b.ask(q.question, history, k=k)}
        for side, answer in answers.items():
            texts = [h.chunk.text for h in answer.hits[:k]]
            rank = context_rank(q.answers, q.match, texts)
            in_context[side] += rank is not None and rank <= k
            correct[side] += not answer.abstained and answer_matches(
                q.answers, q.match, answer.answer
            )
        ids = [{h.chunk.id for h in answers[s].hits[:k]} for s in ("a", "b")]
        overlaps.append(len(ids[0] & ids[1]) / k)
    n = max(len(answerable), 1)
    return {
        "questions": len(answerable),
        "answer_in_context": {s: in_context[s] / n for s in in_context},
        "accuracy": {s: correct[s] / n for s in correct},
        "top_k_overlap": sum(overlaps) / max(len(overlaps), 1),
        "k": k,
    }
