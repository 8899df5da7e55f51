"""Evaluation reports of one suite: failure causes, Markdown tables, PNG charts, saved runs.

Takes the result dict built by ``runner`` (the same dict written as JSON to evals/results/) and
renders it; reads the previous run of the same suite to show what changed. Several suites side by
side are rendered by ``suites_report``, with these pieces. This module computes no metric
(see ``metrics``) and runs no model.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .compare import compare
from .metrics import Record

ROWS = [  # (metric key, label, format) in the order the tables show them
    ("answer_in_context", "answer-in-context@k", "pct"),
    ("source_recall", "source recall@k", "pct"),
    ("mrr", "MRR@k", "num"),
    ("accuracy", "answer accuracy (all questions)", "pct"),
    ("accuracy_answerable", "answer accuracy (answerable)", "pct"),
    ("citation_precision", "citation precision", "pct"),
    ("sentences_verified", "answer sentences verified", "pct"),
    ("correct_abstention", "correct abstentions (unanswerable)", "pct"),
    ("false_refusal", "false refusals (answerable)", "pct"),
    ("always_abstain", "always abstain: its overall (share unanswerable)", "pct"),
    ("answer_words_mean", "answer length (words, mean)", "num1"),
    ("answer_words_median", "answer length (words, median)", "num1"),
    ("latency_p50_ms", "latency p50 (ms, warm)", "ms"),
    ("latency_p95_ms", "latency p95 (ms, warm)", "ms"),
    ("total_s", "total time asking (s)", "s"),
    ("setup_s", "setup: load or build index (s)", "s"),
]
_BASELINE_KEYS = ("answer_in_context", "source_recall", "mrr")
_PEER_KEYS = ("accuracy", "accuracy_answerable", "citation_precision", "answer_words_mean",
              "answer_words_median")  # fmt: skip


def _fmt(value: Any, kind: str) -> str:
    if not isinstance(value, int | float):
        return "–"
    if kind == "pct":
        return f"{value:.1%}"
    if kind == "num":
        return f"{value:.3f}"
    if kind in ("ms", "num1"):
        return f"{value:.1f}"
    return f"{value:.1f}"


# Failures ----------------------------------------------------------------------------------------


def failure_cause(record: Record, k: int, context_missing: list[str] | None = None) -> str:
    """Why a question failed: retrieval (gold not in the top-k) or answer composition."""
    if record.error:
        return f"error: {record.error}"
    if not record.answerable:
        return "honesty: answered although the corpus holds no answer (should abstain)"
    in_context = record.context_rank is not None and record.context_rank <= k
    if not in_context:
        where = (
            f"a gold source was retrieved (rank {record.source_rank}) but no top-{k} passage holds "
            "the answer"
            if record.source_rank is not None and record.source_rank <= k
            else f"no gold source document in the top {k}"
        )
        gaps = (
            f"; missing from the context: {', '.join(context_missing)}" if context_missing else ""
        )
        return f"retrieval: {where}{gaps}"
    if record.abstained:
        return (
            f"composition: abstained although the answer was retrieved (rank {record.context_rank})"
        )
    lacks = ", ".join(record.missing) or "the gold answer"
    rank = record.context_rank
    return f"composition: the answer was retrieved (rank {rank}) but the text lacks {lacks}"


def severity(record: Record) -> tuple[int, int, str]:
    """Sort key, worst first: errors, unanswerable answered, wrong answers, then false refusals."""
    if record.error:
        level = 0
    elif not record.answerable:
        level = 1
    elif not record.abstained:
        level = 2
    else:
        level = 3
    return (level, 0 if record.context_rank is None else 1, record.id)


def worst_failures(records: Sequence[Record], n: int = 5) -> list[Record]:
    """The ``n`` worst failures, one of each kind first (errors, answered unanswerables, wrong
    answers, refusals), so the report shows every way the pipeline fails before repeating one."""
    failed = sorted((r for r in records if not r.correct), key=severity)
    picked, kinds = [], set()
    for record in failed:
        if severity(record)[0] not in kinds:
            picked.append(record)
            kinds.add(severity(record)[0])
    rest = [r for r in failed if r not in picked]
    return sorted([*picked, *rest][:n], key=severity)


# Markdown ----------------------------------------------------------------------------------------


def results_table(result: dict[str, Any]) -> str:
    """The headline table: this pipeline beside the plain LangChain baseline (retrieval rows) and,
    when the run has one, the best-sentence peer (answer rows)."""
    metrics, baseline = result.get("metrics", {}), result.get("baseline") or {}
    peer = result.get("peer") or {}
    k = result.get("run", {}).get("k", "k")
    head = "| metric | assistant | LangChain baseline |" + (" peer |" if peer else "")
    lines = [head, "|---|---:|---:|" + ("---:|" if peer else "")]
    for key, label, kind in ROWS:
        if key not in metrics:
            continue
        base = _fmt(baseline.get(key), kind) if key in _BASELINE_KEYS and baseline else "–"
        row = f"| {label.replace('@k', f'@{k}')} | {_fmt(metrics[key], kind)} | {base} |"
        if peer:
            row += f" {_fmt(peer.get(key), kind) if key in _PEER_KEYS else '–'} |"
        lines.append(row)
    return "\n".join(lines)


def category_table(result: dict[str, Any]) -> str:
    lines = ["| category | questions | accuracy |", "|---|---:|---:|"]
    for cat, row in result.get("metrics", {}).get("per_category", {}).items():
        lines.append(f"| {cat} | {row['n']} | {row['accuracy']:.1%} |")
    return "\n".join(lines)


def comparison_md(diff: dict[str, Any] | None) -> list[str]:
    if not diff:
        return ["No previous run in this folder to compare with."]
    labels = {key: label for key, label, _ in ROWS}
    out = [f"Previous run: {diff['previous_run']}.", ""]
    for title, names in (("Better", diff["better"]), ("Worse", diff["worse"])):
        items = [
            f"{labels.get(n, n)} {diff['deltas'][n]['previous']} → {diff['deltas'][n]['current']}"
            for n in names
        ]
        out.append(f"- **{title}:** " + ("; ".join(items) or "nothing"))
    out.append(f"- **Now correct:** {', '.join(diff['now_correct']) or 'none'}")
    out.append(f"- **Now wrong:** {', '.join(diff['now_wrong']) or 'none'}")
    return out


def failure_md(item: dict[str, Any], level: str = "###") -> list[str]:
    out = [
        f"{level} {item['id']} ({item['category']})",
        f"- question: {item['question']}",
        f"- expected: {' / '.join(item['expected']) or '(abstain)'}",
        f"- produced: {item['answer'] or '(empty)'}",
        f"- cause: **{item['cause']}**",
    ]
    for hit in item.get("top_hits", []):
        out.append(f"  - hit {hit['rank']}: `{hit['doc']}` {hit['section']}: “{hit['excerpt']}”")
    return out


def render_markdown(result: dict[str, Any], diff: dict[str, Any] | None, charts: list[str]) -> str:
    run = result["run"]
    head = [
        f"# Evaluation run {run['timestamp']}",
        "",
        f"Backend `{run['llm']}`, k = {run['k']}, {run['questions']} questions from "
        f"`{run['questions_file']}`, index: {run['index']}, overrides: {run['config'] or 'none'}.",
        "",
        results_table(result),
        "",
        "## Accuracy per category",
        "",
        category_table(result),
        "",
        *[f"![{Path(c).stem}]({Path(c).name})" for c in charts],
        "",
        "## Compared with the previous run",
        "",
        *comparison_md(diff),
        "",
        "## The five worst failures",
        "",
    ]
    for item in result.get("failures", []):
        head += [*failure_md(item), ""]
    head += ["## All failed questions", "", *failed_table(result.get("questions", []))]
    return "\n".join(head) + "\n"


def failed_table(questions: Sequence[dict[str, Any]], limit: int | None = None) -> list[str]:
    """The failed questions as Markdown table lines (the first ``limit`` of them)."""
    wrong = [q for q in questions if not q["correct"]]
    lines = ["| id | category | expected | produced | cause |", "|---|---|---|---|---|"]
    for q in wrong[:limit]:
        cells = [q["id"], q["category"], q.get("expected", "") or "(abstain)",
                 q.get("answer", "")[:90], q.get("cause", "")]  # fmt: skip
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return lines


# Charts and files --------------------------------------------------------------------------------


def write_charts(result: dict[str, Any], out_dir: Path, stem: str) -> list[str]:
    """Per-category accuracy bars and the latency histogram as small PNGs; returns their paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cats = result["metrics"].get("per_category", {})
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.barh(list(cats), [row["accuracy"] for row in cats.values()], color="#4c72b0")
    ax.set_xlim(0, 1)
    ax.set_xlabel("answer accuracy")
    ax.invert_yaxis()
    fig.tight_layout()
    accuracy = out_dir / f"{stem}-accuracy.png"
    fig.savefig(accuracy, dpi=80)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 2.8))
    ax.hist([q["latency_ms"] for q in result.get("questions", [])], bins=30, color="#55a868")
    ax.set_xlabel("latency per question (ms, warm)")
    ax.set_ylabel("questions")
    fig.tight_layout()
    latency = out_dir / f"{stem}-latency.png"
    fig.savefig(latency, dpi=80)
    plt.close(fig)
    return [str(accuracy), str(latency)]


def latest_result(results_dir: Path, exclude: str = "") -> dict[str, Any] | None:
    """The most recent saved run (file names sort by timestamp), skipping ``exclude``."""
    for path in sorted(results_dir.glob("*.json"), reverse=True):
        if path.stem != exclude:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
    return None


def previous_suite_result(
    results_dir: Path, suite: str, exclude: str = ""
) -> dict[str, Any] | None:
    """The most recent saved result of ``suite``: a run of that suite alone, or its part of a run
    of several (``{"suites": {name: result}}``); runs from before suites existed are ``own``."""
    for path in sorted(results_dir.glob("*.json"), reverse=True):
        if path.stem == exclude:
            continue
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        if suite in data.get("suites", {}):
            found: dict[str, Any] = data["suites"][suite]
            return found
        if "metrics" in data and data.get("run", {}).get("suite", "own") == suite:
            return data
    return None


def dumps(result: dict[str, Any]) -> str:
    """The result as JSON, one line per question so the file stays small and diffable."""
    head = {key: value for key, value in result.items() if key != "questions"}
    body = json.dumps(head, indent=1, ensure_ascii=False)
    rows = ",\n".join(
        "  " + json.dumps(q, ensure_ascii=False, separators=(",", ":"))
        for q in result.get("questions", [])
    )
    return body[: body.rindex("}")].rstrip() + ',\n "questions": [\n' + rows + "\n ]\n}\n"


def save_run(result: dict[str, Any], results_dir: Path) -> tuple[Path, Path]:
    """Write <timestamp>.json, .md and the charts; compare with the previous run in the folder."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = result["run"]["timestamp"]
    previous = previous_suite_result(results_dir, result["run"].get("suite", "own"), stem)
    diff = compare(previous, result) if previous else None
    result["comparison"] = diff
    charts = write_charts(result, results_dir, stem)
    json_path = results_dir / f"{stem}.json"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(dumps(result), encoding="utf-8")
    tmp.replace(json_path)
    md_path = results_dir / f"{stem}.md"
    md_path.write_text(render_markdown(result, diff, charts), encoding="utf-8")
    return json_path, md_path
