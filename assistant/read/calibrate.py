"""Calibration: the reader's best logit -> P(the passages answer the question), and one threshold.

Job: Platt scaling (a one-feature logistic regression, fitted by Newton's method) of the best
candidate's logit against whether answering with that candidate is right, on the *validation*
suite; the threshold on that probability chosen there (``choose_threshold``); and the file
``model/calibration.json`` that holds both with the run that set them. ``Calibration.prob`` is
monotone in the logit by construction (the slope is kept positive).

Non-job: collecting the logits (``python -m assistant.read.fit``), composing answers.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .features import FEATURES

CALIBRATION = Path(__file__).resolve().parent / "model" / "calibration.json"


@dataclass(frozen=True)
class Calibration:
    a: float  # slope (> 0)
    b: float  # intercept
    threshold: float  # answer when prob >= threshold
    source: str = ""  # the validation run that set them
    weights: tuple[float, ...] = ()  # bias and weights of features.FEATURES (empty: logit only)

    def prob(self, logit: float) -> float:
        if not math.isfinite(logit):
            return 0.0 if logit < 0 else 1.0
        z = self.a * logit + self.b
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def answers(self, logit: float) -> bool:
        return self.prob(logit) >= self.threshold

    def to_dict(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b, "threshold": self.threshold, "source": self.source,
                "weights": list(self.weights)}  # fmt: skip


def load_calibration(path: Path = CALIBRATION) -> Calibration:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        weights = tuple(float(w) for w in data.get("weights") or ())
        if weights and len(weights) != len(FEATURES) + 1:
            raise ValueError(f"{len(weights)} weights for {len(FEATURES)} features and a bias")
        return Calibration(float(data["a"]), float(data["b"]), float(data["threshold"]),
                           str(data.get("source", "")), weights)  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"Cannot read the reader's calibration {path} ({exc}). Restore it with "
            f"`git checkout -- {path}` or refit it: `python -m assistant.read.fit`."
        ) from exc


def platt(logits: np.ndarray, labels: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """(a, b) maximising the likelihood of labels under sigmoid(a * logit + b).

    Platt's target smoothing ((n+ + 1) / (n+ + 2), 1 / (n- + 2)) keeps the fit finite when the
    classes separate (Platt 1999, "Probabilistic outputs for support vector machines")."""
    x = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    finite = np.isfinite(x)
    x, y = x[finite], y[finite]
    pos, neg = y.sum(), len(y) - y.sum()
    t = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))
    a, b = 1.0, 0.0
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a * x + b)))
        g = np.array([np.sum((p - t) * x), np.sum(p - t)])
        w = p * (1 - p) + 1e-9
        h = np.array([[np.sum(w * x * x), np.sum(w * x)], [np.sum(w * x), np.sum(w)]])
        step = np.linalg.solve(h + 1e-9 * np.eye(2), g)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    if a <= 0:
        raise ConfigError("The reader's logits do not rise with correctness: retrain the model.")
    return float(a), float(b)


def choose_threshold(
    probs: np.ndarray, right: np.ndarray, answerable: np.ndarray, max_false_refusal: float
) -> tuple[float, dict[str, float]]:
    """The threshold maximising overall accuracy ((right answers + right abstentions) / all)
    among those refusing at most ``max_false_refusal`` of the answerable questions."""
    probs, right, answerable = map(np.asarray, (probs, right, answerable))
    best: tuple[float, dict[str, float]] | None = None
    for t in np.unique(np.concatenate([probs, [0.0]])):
        answered = probs >= t
        refused = ~answered & answerable
        fr = refused.sum() / max(answerable.sum(), 1)
        if fr > max_false_refusal:
            continue
        overall = ((answered & right).sum() + (~answered & ~answerable).sum()) / len(probs)
        figures = {
            "overall": float(overall),
            "false_refusal": float(fr),
            "correct_abstention": float(
                (~answered & ~answerable).sum() / max((~answerable).sum(), 1)
            ),
        }
        if best is None or overall > best[1]["overall"]:
            best = (float(t), figures)
    if best is None:
        raise ConfigError("No threshold meets the false-refusal limit.")
    return best


def auroc(positive: list[float], negative: list[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positive or not negative:
        return float("nan")
    scores = np.array(positive + negative)
    ranks = scores.argsort().argsort().astype(float) + 1
    # average ranks of ties
    for value in np.unique(scores):
        same = scores == value
        ranks[same] = ranks[same].mean()
    n_pos = len(positive)
    return float((ranks[:n_pos].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * len(negative)))
