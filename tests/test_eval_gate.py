"""The quality gate: the own suite and a sample of squad2-val, against evals/thresholds.toml.

Runs every question of evals/questions.jsonl through the real pipeline on an index built fresh
from corpus/ (so the gate measures the current code, not a stale index/), without the baseline;
then the fixed, seeded squad2-sample (400 questions of the SQuAD 2.0 validation articles, from
../shared/data/qa) on an index of its corpus built fresh in a temporary folder, against the
``[squad2-sample.*]`` tables. Latency is reported by `assistant eval`, never asserted here.
"""

from __future__ import annotations

import pytest

from assistant.config import Settings
from assistant.evals.command import load_questions, load_thresholds
from assistant.evals.compare import check_thresholds, thresholds_for
from assistant.evals.runner import evaluate, evaluate_suite
from assistant.evals.suites import SAMPLE_SIZE, SUITES, load_suite

pytestmark = [pytest.mark.gate, pytest.mark.model, pytest.mark.slow]

TIMED = {"latency_p50_ms", "latency_p95_ms", "total_s", "setup_s"}


def test_thresholds_file_is_well_formed() -> None:
    thresholds = load_thresholds()
    assert {"min", "max", "squad2-sample"} <= set(thresholds) <= {"min", "max", *SUITES}
    for suite in SUITES:
        tables = thresholds_for(thresholds, suite)
        assert set(tables) <= {"min", "max"}
        names = {name for table in tables.values() for name in table}
        assert not TIMED & names, "latency is not gated"
        for limit in [value for table in tables.values() for value in table.values()]:
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
    problems = check_thresholds(metrics, thresholds_for(load_thresholds(), "own"))
    measured = {key: value for key, value in metrics.items() if key != "per_category"}
    worst = "\n".join(f"  {f['id']}: {f['cause']}" for f in result["failures"])
    assert not problems, "\n".join([*problems, f"measured: {measured}", "worst failures:", worst])


def test_squad_sample_gate(tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("gate-suites")  # a fresh index of the suite's corpus
    suite = load_suite("squad2-sample", Settings(llm="extractive"), cache=cache)
    assert len(suite.questions) == SAMPLE_SIZE
    result = evaluate_suite(suite, llm="extractive", baseline=False, peer=False, progress=False)
    metrics = result["metrics"]
    assert metrics["questions"] == SAMPLE_SIZE
    assert metrics["errors"] == 0, [q for q in result["questions"] if q.get("error")][:3]
    limits = thresholds_for(load_thresholds(), "squad2-sample")
    assert limits.get("min"), "evals/thresholds.toml has no [squad2-sample.min] floors"
    problems = check_thresholds(metrics, limits)
    measured = {key: value for key, value in metrics.items() if key != "per_category"}
    worst = "\n".join(f"  {f['id']}: {f['cause']}" for f in result["failures"])
    assert not problems, "\n".join([*problems, f"measured: {measured}", "worst failures:", worst])
