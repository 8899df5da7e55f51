"""Fit the reader's calibration on the validation suite, behind the real retriever.

    python -m assistant.read.fit                 # writes assistant/read/model/calibration.json

For every question of ``squad2-val`` (validation articles only; see ``evals/split.json``) it
retrieves as the Assistant does, scores the candidates with the trained reader and records the
best logit and whether answering with that candidate would be right (its quote holds a gold
answer). Platt scaling maps the logit to P(right); the threshold is the one with the best overall
accuracy that refuses at most ``--max-false-refusal`` of the answerable questions. ``squad11-val``
(answerable only) is reported beside it, as a check the fit never saw.

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
from ..evals_metrics import answer_matches
from ..evals_suites import load_suite, open_suite
from .calibrate import CALIBRATION, Calibration, choose_threshold, platt
from .compose import quoted
from .extractive import ExtractiveReader
from .model import MODEL_DIR, Reader
from .train import auroc

MAX_FALSE_REFUSAL = 0.15  # the SQuAD 2.0 target (its unanswerable questions are adversarial)


def collect(name: str, model_dir: Path, limit: int = 0) -> dict[str, np.ndarray]:
    """Best logit, right-if-answered and answerable for each question of suite ``name``."""
    suite = load_suite(name)
    assistant = open_suite(suite)
    uncalibrated = Calibration(1.0, 0.0, 0.5, "uncalibrated")
    reader = ExtractiveReader(Reader(model_dir), uncalibrated).load()
    questions = suite.questions[:limit] if limit else suite.questions
    logits, right, answerable = [], [], []
    started = time.perf_counter()
    for n, q in enumerate(questions, 1):
        state = {"query": q.question, "k": assistant.settings.top_k, "timings": {}}
        hits = assistant._retrieve_step(state)
        ranked, _ = reader.rank(q.question, hits)
        best = ranked[0] if ranked else None
        logits.append(best.logit if best else -1e9)
        said = quoted(hits, best)[0] if best else ""
        ok = bool(said) and q.answerable and answer_matches(q.answers, q.match, said)
        right.append(ok)
        answerable.append(q.answerable)
        if n % 200 == 0:
            print(
                f"{name}: {n}/{len(questions)} ({time.perf_counter() - started:.0f} s)", flush=True
            )
    return {"logit": np.array(logits), "right": np.array(right), "answerable": np.array(answerable)}


def _commit() -> str:
    out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    return out.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--max-false-refusal", type=float, default=MAX_FALSE_REFUSAL)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--model", type=Path, default=MODEL_DIR)
    args = p.parse_args(argv)
    val = collect("squad2-val", args.model, args.limit)
    a, b = platt(val["logit"], val["right"])
    probs = 1 / (1 + np.exp(-(a * val["logit"] + b)))
    threshold, figures = choose_threshold(
        probs, val["right"], val["answerable"], args.max_false_refusal
    )
    ans = val["answerable"]
    figures |= {
        "questions": len(ans),
        "best_in_answerable": float(val["right"][ans].mean()),
        "auroc_answerable": auroc(list(val["logit"][ans]), list(val["logit"][~ans])),
    }
    check = collect("squad11-val", args.model, args.limit)
    check_probs = 1 / (1 + np.exp(-(a * check["logit"] + b)))
    figures["squad11_false_refusal"] = float((check_probs < threshold).mean())
    figures["squad11_right"] = float(((check_probs >= threshold) & check["right"]).mean())
    source = f"squad2-val, {datetime.now(UTC):%Y-%m-%d}, commit {_commit()}"
    data: dict[str, Any] = {
        **Calibration(a, b, float(threshold), source).to_dict(),
        "max_false_refusal": args.max_false_refusal,
        "figures": figures,
    }
    (args.model / CALIBRATION.name).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
