"""Comparing runs and gating them: metric deltas between two saved runs, and the thresholds.

Pure functions over the result dicts ``runner.evaluate`` builds (as written to JSON): what got
better or worse since the previous run, which questions flipped, and which metric misses its
floor or ceiling in evals/thresholds.toml. Metrics themselves are computed in ``metrics``.
"""

from __future__ import annotations

from typing import Any

LOWER_IS_BETTER = frozenset(
    {"false_refusal", "latency_p50_ms", "latency_p95_ms", "total_s", "setup_s", "errors"}
)
NOISE = {
    "latency_p50_ms": 0.1,
    "latency_p95_ms": 0.1,
    "total_s": 0.1,
    "setup_s": 0.1,
}  # relative: timing jitter
# what a change may move either way: neither better nor worse
NEUTRAL = frozenset({"answer_words_mean", "answer_words_median", "always_abstain"})


def compare(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Metric deltas and flipped questions between two saved runs (dicts as written to JSON)."""
    before, after = previous.get("metrics", {}), current.get("metrics", {})
    deltas: dict[str, dict[str, float]] = {}
    better: list[str] = []
    worse: list[str] = []
    for name, now in after.items():
        was = before.get(name)
        if (
            not isinstance(now, int | float)
            or not isinstance(was, int | float)
            or name == "questions"
        ):
            continue
        delta = round(now - was, 4)
        deltas[name] = {"previous": was, "current": now, "delta": delta}
        jitter = abs(delta) <= NOISE.get(name, 0.0) * max(abs(was), 1e-9)
        if name in NEUTRAL or jitter or delta == 0:
            continue
        improved = (delta < 0) if name in LOWER_IS_BETTER else (delta > 0)
        (better if improved else worse).append(name)
    old = {q["id"]: q for q in previous.get("questions", [])}
    to_correct: list[str] = []
    to_wrong: list[str] = []
    for q in current.get("questions", []):
        prior = old.get(q["id"])
        if prior is None or prior["correct"] == q["correct"]:
            continue
        (to_correct if q["correct"] else to_wrong).append(q["id"])
    return {
        "previous_run": previous.get("run", {}).get("timestamp", ""),
        "deltas": deltas,
        "better": better,
        "worse": worse,
        "now_correct": to_correct,
        "now_wrong": to_wrong,
    }


def check_thresholds(metrics: dict[str, Any], thresholds: dict[str, dict[str, float]]) -> list[str]:
    """Violations of ``{"min": {metric: floor}, "max": {metric: ceiling}}``; [] when all pass."""
    problems = []
    for bound, limits in thresholds.items():
        if bound not in ("min", "max"):
            problems.append(f"unknown threshold table [{bound}]: use [min] or [max]")
            continue
        for name, limit in limits.items():
            if name not in metrics:
                problems.append(f"[{bound}] {name}: no such metric in the run")
            elif metrics[name] is None:
                problems.append(f"{name} was not measured (no questions of that kind)")
            elif bound == "min" and metrics[name] < limit:
                problems.append(f"{name} = {metrics[name]} fell below its floor {limit}")
            elif bound == "max" and metrics[name] > limit:
                problems.append(f"{name} = {metrics[name]} rose above its ceiling {limit}")
    return problems


def thresholds_for(thresholds: dict[str, Any], suite: str) -> dict[str, dict[str, float]]:
    """The ``{"min", "max"}`` tables of one suite: the top-level ones for ``own``, the suite's
    own table (``[squad2-sample.min]``) for the others; none when the file names none."""
    if suite == "own":
        return {key: thresholds[key] for key in ("min", "max") if key in thresholds}
    table: dict[str, dict[str, float]] = thresholds.get(suite, {})
    return table
