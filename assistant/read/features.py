"""Features of a candidate beside the reader's logit, and the learned combination of them all.

Job: for each candidate span, the signals a small logistic model weighs together (fitted on the
validation suites behind the real retriever, ``fit.py``; weights in ``model/calibration.json``):

- ``logit``: the trained reader's sentence logit; ``span``: its span head's best start + end;
- ``coverage``: the idf-weighted share of the question's terms the span says, and
  ``context``: the same with its heading and the sentence before it;
- ``rank``: 1 / the hit's rank after fusion;
- ``typed``: the span holds what the question asks for (a figure for "how many", a year or a
  month for "when", a capitalised name the question does not say for "who");
- ``words``: log(1 + its number of words).

Non-job: choosing features by eval question; composing answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence

import numpy as np

from ..retrieve.parts import Kind
from ..text import tokenize
from .model import Scored

FEATURES = ("logit", "span", "coverage", "context", "rank", "typed", "words")
_FIGURE = re.compile(r"\d")
_DATE = re.compile(
    r"\b(1[5-9]\d\d|20\d\d)\b|\b(january|february|march|april|may|june|july|august|september|"
    r"october|november|december|century)\b",
    re.I,
)
_NAME = re.compile(r"(?<!^)(?<![.!?] )\b[A-Z][\w@&-]+")


def idf_from_df(df: Callable[[str], int], n_docs: int) -> Callable[[str], float]:
    """Smoothed idf; a term absent from the corpus gets the highest weight."""

    def idf(term: str) -> float:
        return math.log(1.0 + (n_docs + 1) / (df(term) + 0.5))

    return idf


def span_score(scored: Scored, start: int, end: int) -> float:
    """The span head's best start logit plus best end logit inside [start, end)."""
    off = scored.offsets
    inside = (off[:, 0] >= start) & (off[:, 1] <= end) & (off[:, 1] > 0)
    if not inside.any():
        return -20.0
    return float(scored.start[inside].max() + scored.end[inside].max())


def typed(kind: Kind, span: str, question: str) -> float:
    if kind == "number":
        return float(bool(_FIGURE.search(span)))
    if kind == "date":
        return float(bool(_DATE.search(span)))
    if kind == "name":
        asked = set(tokenize(question))
        return float(any(set(tokenize(m.group(0))) - asked for m in _NAME.finditer(span)))
    return 0.0


class Coverage:
    """The idf-weighted share of a question's terms found in a set of tokens."""

    def __init__(self, question: str, idf: Callable[[str], float] | None) -> None:
        terms = list(dict.fromkeys(tokenize(question)))
        self.weights = {t: (idf(t) if idf else 1.0) for t in terms}
        self.total = sum(self.weights.values()) or 1.0

    def __call__(self, tokens: set[str]) -> float:
        return sum(w for t, w in self.weights.items() if t in tokens) / self.total


def matrix(rows: Sequence[Sequence[float]]) -> np.ndarray:
    return np.asarray(rows, dtype=np.float64).reshape(-1, len(FEATURES))


def combine(x: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """The learned combination: bias + w . features, one score per row."""
    w = np.asarray(weights, dtype=np.float64)
    return np.asarray(x @ w[1:] + w[0], dtype=np.float64)


def fit_logistic(
    x: np.ndarray, y: np.ndarray, l2: float = 1.0, iterations: int = 50
) -> list[float]:
    """[bias, *weights] of an L2-regularised logistic regression (Newton's method)."""
    n, d = x.shape
    a = np.hstack([np.ones((n, 1)), x])
    w = np.zeros(d + 1)
    reg = np.full(d + 1, l2)
    reg[0] = 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a @ w)))
        g = a.T @ (p - y) + reg * w
        h = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg) + 1e-9 * np.eye(d + 1)
        step = np.linalg.solve(h, g)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return [float(v) for v in w]
