"""Fit the reader's feature weights and calibration on the validation suites, behind the retriever.

    python -m assistant.read.fit                 # writes assistant/read/model/calibration.json

For every question of ``squad2-val`` and ``squad11-val`` (validation articles only; see
``evals/split.json``) it retrieves as the Assistant does, scores every candidate with the trained
reader and records the candidate's features (``features.FEATURES``) and whether it holds a gold
answer. Then, with few parameters:

1. a logistic regression over the features: which candidate answers (the ranking);
2. Platt scaling of the best candidate's combined score against "answering with it is right",
   on squad2-val (answerable and unanswerable questions);
3. the threshold with the best overall accuracy that refuses at most ``--max-false-refusal``
   of squad2-val's answerable questions.

Figures are reported cross-fitted by article (weights fitted on half the articles, measured on
the other half), so they are never measured on what was fitted. ``--cache`` keeps the collected
features, so a refit costs seconds.

Non-job: training the model (``train.py``), composing answers.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..config import ROOT
from ..evals.metrics import answer_matches
from ..evals.suites import load_suite, open_suite
from .calibrate import CALIBRATION, Calibration, auroc, choose_threshold, platt
from .extractive import ExtractiveReader
from .features import FEATURES, combine, fit_logistic
from .model import MODEL_DIR, Reader

# at most 5% of squad2-val's answerable questions refused: the corpus's false-refusal budget (the
# SQuAD 2.0 target allows 15%, but our own questions' answers score lower than SQuAD's, so a
# threshold at 15% there refused 28% of ours; docs/decisions.md)
MAX_FALSE_REFUSAL = 0.05
L2 = 1.0


def collect(name: str, model_dir: Path, limit: int = 0) -> list[dict[str, Any]]:
    """One record per question: its article, answerability, and each candidate's features and
    label (the candidate's text holds a gold answer)."""
    suite = load_suite(name)
    assistant = open_suite(suite)
    uncalibrated = Calibration(1.0, 0.0, 0.5, "uncalibrated")
    reader = ExtractiveReader(Reader(model_dir, blas_threads=1), uncalibrated).load()
    reader.idf = assistant.reader_idf()
    questions = suite.questions[:limit] if limit else suite.questions
    out, started = [], time.perf_counter()
    for n, q in enumerate(questions, 1):
        state = {"query": q.question, "k": assistant.settings.top_k, "timings": {}}
        hits = assistant._retrieve_step(state)
        ranked, _ = reader.rank(q.question, hits)
        out.append({
            "id": q.id, "article": q.sources[0] if q.sources else "", "answerable": q.answerable,
            "x": [list(c.features) for c in ranked],
            "y": [q.answerable and answer_matches(q.answers, q.match, c.text) for c in ranked],
        })  # fmt: skip
        if n % 200 == 0:
            print(
                f"{name}: {n}/{len(questions)} ({time.perf_counter() - started:.0f} s)", flush=True
            )
    return out


def _stack(records: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    xs = [np.asarray(r["x"], dtype=np.float64).reshape(-1, len(FEATURES)) for r in records]
    ys = [np.asarray(r["y"], dtype=np.float64) for r in records]
    return np.vstack(xs), np.concatenate(ys)


def best(records: list[dict[str, Any]], weights: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Per question: the best candidate's combined score and whether it holds the answer."""
    scores, right = [], []
    for r in records:
        if not r["x"]:
            scores.append(-50.0)
            right.append(False)
            continue
        z = combine(np.asarray(r["x"], dtype=np.float64), weights)
        i = int(np.argmax(z))
        scores.append(float(z[i]))
        right.append(bool(r["y"][i]))
    return np.array(scores), np.array(right)


def measure(fit_on: list[dict], test_on: list[dict], limit: float) -> dict[str, float]:
    """Fit weights, Platt and threshold on ``fit_on``; the figures on ``test_on``."""
    weights = fit_logistic(*_stack(fit_on), l2=L2)
    calibrate_on = [r for r in fit_on if r["suite"] == "squad2-val"]
    s_fit, r_fit = best(calibrate_on, weights)
    a_fit = np.array([r["answerable"] for r in calibrate_on])
    a, b = platt(s_fit, r_fit)
    t, _ = choose_threshold(1 / (1 + np.exp(-(a * s_fit + b))), r_fit, a_fit, limit)
    s, right = best(test_on, weights)
    ans = np.array([r["answerable"] for r in test_on])
    answered = 1 / (1 + np.exp(-(a * s + b))) >= t
    return {
        "right_answered": float((answered & right)[ans].mean()) if ans.any() else float("nan"),
        "best_right": float(right[ans].mean()) if ans.any() else float("nan"),
        "false_refusal": float((~answered)[ans].mean()) if ans.any() else float("nan"),
        "correct_abstention": float((~answered)[~ans].mean()) if (~ans).any() else float("nan"),
        "overall": float(((answered & right) | (~answered & ~ans)).mean()),
        "auroc": auroc(list(s[ans]), list(s[~ans])) if (~ans).any() else float("nan"),
    }


def _commit() -> str:
    out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--max-false-refusal", type=float, default=MAX_FALSE_REFUSAL)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--model", type=Path, default=MODEL_DIR)
    p.add_argument("--cache", type=Path, help="folder of collected features (read or written)")
    p.add_argument("--collect-only", help="collect one suite into --cache and stop")
    args = p.parse_args(argv)
    data = {}
    for name in [args.collect_only] if args.collect_only else ["squad2-val", "squad11-val"]:
        cached = args.cache / f"{name}.json" if args.cache else None
        if cached and cached.exists():
            data[name] = json.loads(cached.read_text())
            continue
        data[name] = collect(name, args.model, args.limit)
        for r in data[name]:
            r["suite"] = name
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            cached.write_text(json.dumps(data[name]))
    if args.collect_only:
        return 0
    squad2, squad11 = data["squad2-val"], data["squad11-val"]
    both = squad2 + squad11
    # cross-fitted figures: articles in two halves, each measured with what the other fitted
    articles = sorted({r["article"] for r in squad2})
    half = set(articles[::2])
    folds = [[r for r in both if (r["article"] in half) == side] for side in (True, False)]
    held = {}
    for i, (fit_on, test_on) in enumerate([(folds[0], folds[1]), (folds[1], folds[0])]):
        test2 = [r for r in test_on if r["suite"] == "squad2-val"]
        held[f"fold{i}"] = measure(fit_on, test2, args.max_false_refusal)
    # the shipped fit: every validation question
    weights = fit_logistic(*_stack(both), l2=L2)
    s2, r2 = best(squad2, weights)
    ans2 = np.array([r["answerable"] for r in squad2])
    a, b = platt(s2, r2)
    threshold, chosen = choose_threshold(1 / (1 + np.exp(-(a * s2 + b))), r2, ans2,
                                         args.max_false_refusal)  # fmt: skip
    figures: dict[str, Any] = dict(chosen)
    s11, r11 = best(squad11, weights)
    answered11 = 1 / (1 + np.exp(-(a * s11 + b))) >= threshold
    figures |= {
        "questions": len(squad2),
        "best_in_answerable": float(r2[ans2].mean()),
        "auroc_answerable": auroc(list(s2[ans2]), list(s2[~ans2])),
        "squad11_false_refusal": float((~answered11).mean()),
        "squad11_right": float((answered11 & r11).mean()),
        "held_out": held,
    }
    source = f"squad2-val + squad11-val, {datetime.now(UTC):%Y-%m-%d}, commit {_commit()}"
    data_out: dict[str, Any] = {
        **Calibration(a, b, float(threshold), source, tuple(weights)).to_dict(),
        "features": list(FEATURES),
        "max_false_refusal": args.max_false_refusal,
        "figures": figures,
    }
    (args.model / CALIBRATION.name).write_text(json.dumps(data_out, indent=2) + "\n")
    print(json.dumps(data_out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
