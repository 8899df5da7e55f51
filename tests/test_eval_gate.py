"""The quality gate: the whole evaluation suite, extractive mode, against evals/thresholds.toml.

Runs every question of evals/questions.jsonl through the real pipeline on an index built fresh
from corpus/ (so the gate measures the current code, not a stale index/), without the baseline.
Latency is reported by `assistant eval`, never asserted here.
"""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.evals import load_questions, load_thresholds
from assistant.evals_metrics import check_thresholds
from assistant.evals_run import evaluate

pytestmark = [pytest.mark.gate, pytest.mark.model, pytest.mark.slow]

TIMED = {"latency_p50_ms", "latency_p95_ms", "total_s", "setup_s"}


def test_thresholds_file_is_well_formed() -> None:
    thresholds = load_thresholds()
    assert set(thresholds) == {"min", "max"}
    assert not TIMED & (set(thresholds["min"]) | set(thresholds["max"])), "latency is not gated"
    for limit in [*thresholds["min"].values(), *thresholds["max"].values()]:
        assert 0.0 <= limit <= 1.0


def test_quality_gate(tmp_path_factory: pytest.TempPathFactory) -> None:
    index_dir = tmp_path_factory.mktemp("gate-index")
    settings = Settings(index_dir=index_dir, llm="extractive")
    questions = load_questions()
    assert len(questions) >= 150
    result = evaluate(
        settings,
        questions,
        llm="extractive",
        baseline=False,
        overrides={"index_dir": str(index_dir)},
        progress=False,
    )
    metrics = result["metrics"]
    assert metrics["questions"] == len(questions)
    assert metrics["errors"] == 0, [q for q in result["questions"] if q.get("error")][:3]
    problems = check_thresholds(metrics, load_thresholds())
    measured = {key: value for key, value in metrics.items() if key != "per_category"}
    worst = "\n".join(f"  {f['id']}: {f['cause']}" for f in result["failures"])
    assert not problems, "\n".join([*problems, f"measured: {measured}", "worst failures:", worst])
