"""The report of a run over several suites: every suite side by side, then each in detail.

A run of several suites is ``{"run": {...}, "suites": {name: result}}``, each ``result`` the dict
``runner.evaluate`` returns for one suite. This module renders the side-by-side table (rows =
suites), the failure classes of every suite, a PNG chart, and for each suite its headline table,
the comparison with that suite's previous run, its worst failures and its failed questions, and
writes ``<run>.json``, ``<run>.md`` and ``<run>-suites.png``. It computes no metric beyond
counting failure classes (see ``metrics``) and runs no model.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .compare import compare
from .report import (
    comparison_md,
    dumps,
    failed_table,
    failure_md,
    previous_suite_result,
    results_table,
)

FAILED_ROWS = 200  # failed questions listed per suite in the Markdown; the JSON has them all
CLASSES = (
    "retrieval",  # the gold answer is not in the top-k passages
    "composition: wrong answer",  # retrieved, but the answer lacks it
    "composition: abstained",  # retrieved, but the assistant abstained
    "honesty",  # an unanswerable question answered
    "error",
)


def _pct(value: Any) -> str:
    return f"{value:.1%}" if isinstance(value, int | float) else "–"


def _pair(a: Any, b: Any) -> str:
    if not isinstance(a, int | float) or not isinstance(b, int | float):
        return "–"
    return f"{a:.1f} / {b:.1f}"


Column = tuple[str, Callable[[dict[str, Any], dict[str, Any]], str]]
COLUMNS: list[Column] = [  # (header, cell from (metrics, peer))
    ("accuracy (answerable)", lambda m, p: _pct(m.get("accuracy_answerable"))),
    ("correct abstentions", lambda m, p: _pct(m.get("correct_abstention"))),
    ("false refusals", lambda m, p: _pct(m.get("false_refusal"))),
    ("overall", lambda m, p: _pct(m.get("overall"))),
    ("always abstain", lambda m, p: _pct(m.get("always_abstain"))),
    ("peer overall", lambda m, p: _pct(p.get("overall"))),
    ("citation precision", lambda m, p: _pct(m.get("citation_precision"))),
    (
        "answer words mean / median",
        lambda m, p: _pair(m.get("answer_words_mean"), m.get("answer_words_median")),
    ),
    ("p50 / p95 ms", lambda m, p: _pair(m.get("latency_p50_ms"), m.get("latency_p95_ms"))),
    ("questions", lambda m, p: str(m.get("questions", "–"))),
]


def suites_table(run: dict[str, Any]) -> str:
    """Rows = suites, columns = the figures every suite is measured on."""
    lines = [
        "| suite | " + " | ".join(h for h, _ in COLUMNS) + " | time (s) |",
        "|---|" + "---:|" * (len(COLUMNS) + 1),
    ]
    for name, result in run["suites"].items():
        metrics, peer = result.get("metrics", {}), result.get("peer") or {}
        cells = [cell(metrics, peer) for _, cell in COLUMNS]
        wall = result["run"].get("wall_s", metrics.get("setup_s", 0) + metrics.get("total_s", 0))
        lines.append(f"| {name} | " + " | ".join([*cells, f"{wall:.0f}"]) + " |")
    return "\n".join(lines)


def failure_class(row: dict[str, Any]) -> str:
    """The class of a failed question's row (as saved): one of ``CLASSES``."""
    if row.get("error"):
        return "error"
    if not row["answerable"]:
        return "honesty"
    if str(row.get("cause", "")).startswith("retrieval"):
        return "retrieval"
    return "composition: abstained" if row["abstained"] else "composition: wrong answer"


def classes_table(run: dict[str, Any]) -> str:
    """Failed questions per class, per suite (counts, and the share of the suite's questions)."""
    lines = [
        "| suite | failed | " + " | ".join(CLASSES) + " |",
        "|---|" + "---:|" * (1 + len(CLASSES)),
    ]
    for name, result in run["suites"].items():
        rows = result.get("questions", [])
        counts = Counter(failure_class(q) for q in rows if not q["correct"])
        cells = [f"{counts[c]} ({counts[c] / max(len(rows), 1):.0%})" for c in CLASSES]
        lines.append(f"| {name} | {sum(counts.values())} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_chart(run: dict[str, Any], path: Path) -> Path:
    """Grouped bars: per suite, the assistant's rates beside always-abstain and the peer."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bars = [
        ("accuracy (answerable)", lambda m, p: m.get("accuracy_answerable")),
        ("correct abstentions", lambda m, p: m.get("correct_abstention")),
        ("overall", lambda m, p: m.get("overall")),
        ("always abstain", lambda m, p: m.get("always_abstain")),
        ("peer overall", lambda m, p: p.get("overall")),
        ("citation precision", lambda m, p: m.get("citation_precision")),
    ]
    names = list(run["suites"])
    fig, ax = plt.subplots(figsize=(9, 0.9 + 1.1 * len(names)))
    height = 0.8 / len(bars)
    for i, (label, get) in enumerate(bars):
        values = []
        for name in names:
            result = run["suites"][name]
            value = get(result.get("metrics", {}), result.get("peer") or {})
            values.append(value if isinstance(value, int | float) else 0.0)
        ax.barh([n + i * height for n in range(len(names))], values, height, label=label)
    ax.set_yticks([n + 0.4 - height / 2 for n in range(len(names))], names)
    ax.set_xlim(0, 1)
    ax.invert_yaxis()
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def _suite_md(name: str, result: dict[str, Any], diff: dict[str, Any] | None) -> list[str]:
    run = result["run"]
    rows = result.get("questions", [])
    failed = sum(1 for q in rows if not q["correct"])
    out = [
        f"## {name}",
        "",
        f"{run['questions']} questions from `{run['questions_file']}`; index: {run['index']}.",
        "",
        results_table(result),
        "",
        "### Compared with the previous run of this suite",
        "",
        *comparison_md(diff),
        "",
        "### The five worst failures",
        "",
    ]
    for item in result.get("failures", []):
        out += [*failure_md(item, "####"), ""]
    shown = f"the first {FAILED_ROWS} of {failed}" if failed > FAILED_ROWS else f"all {failed}"
    out += [f"### Failed questions ({shown}; every question is in the JSON)", ""]
    return [*out, *failed_table(rows, FAILED_ROWS), ""]


def render_suites_markdown(
    run: dict[str, Any], diffs: dict[str, dict[str, Any] | None], chart: str
) -> str:
    head = run["run"]
    out = [
        f"# Evaluation run {head['timestamp']}",
        "",
        f"Backend `{head['llm']}`, k = {head['k']}, commit `{head['commit']}`, suites: "
        f"{', '.join(run['suites'])}, overrides: {head['config'] or 'none'}.",
        "",
        suites_table(run),
        "",
        "Overall = (right answers + right abstentions) / all questions; *always abstain* is the "
        "overall of a reader that always abstains (the share of unanswerable questions); the "
        "*peer* answers every question with the passage sentence closest to it by "
        "all-MiniLM-L6-v2 cosine, over the same retrieval. Time: the whole suite (building or "
        "checking its index, loading models, asking, the peer and the baseline).",
        "",
        f"![suites]({Path(chart).name})",
        "",
        "## Failure classes",
        "",
        classes_table(run),
        "",
    ]
    for name, result in run["suites"].items():
        out += _suite_md(name, result, diffs.get(name))
    return "\n".join(out) + "\n"


def save_suites_run(run: dict[str, Any], results_dir: Path) -> tuple[Path, Path]:
    """Write <timestamp>.json, .md and -suites.png; each suite is compared with its previous run."""
    results_dir.mkdir(parents=True, exist_ok=True)
    stem = run["run"]["timestamp"]
    diffs = {}
    for name, result in run["suites"].items():
        previous = previous_suite_result(results_dir, name, exclude=stem)
        diffs[name] = result["comparison"] = compare(previous, result) if previous else None
    chart = write_chart(run, results_dir / f"{stem}-suites.png")
    parts = [
        f" {json.dumps(name)}: {dumps(result).strip()}" for name, result in run["suites"].items()
    ]
    body = json.dumps({"run": run["run"]}, indent=1, ensure_ascii=False)
    text = body[: body.rindex("}")].rstrip() + ',\n "suites": {\n' + ",\n".join(parts) + "\n }\n}\n"
    json_path = results_dir / f"{stem}.json"
    tmp = json_path.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(json_path)
    md_path = results_dir / f"{stem}.md"
    md_path.write_text(render_suites_markdown(run, diffs, str(chart)), encoding="utf-8")
    return json_path, md_path
