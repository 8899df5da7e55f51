"""``assistant eval``: the evaluation command and its input files.

Picks the suite(s) (``--suite``: own, squad2-val, squad11-val, squad2-sample or all; see
``suites``), reads a TOML/YAML file of Settings overrides and evals/thresholds.toml, runs
``runner.evaluate_suite`` on each and saves the report: one suite with ``report``,
several side by side with ``suites_report``. ``eval_command`` is the click command the CLI
registers. Metric rules live in ``metrics``; nothing here needs the network.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import yaml

from ..config import ROOT, Settings
from ..errors import AssistantError, ConfigError
from .compare import check_thresholds, thresholds_for
from .report import latest_result, results_table, save_run
from .runner import evaluate_suite
from .suites import QUESTIONS, SUITES, load_questions, load_suite
from .suites_report import save_suites_run, suites_table

__all__ = ["QUESTIONS", "eval_command", "load_overrides", "load_questions", "load_thresholds"]

RESULTS = ROOT / "evals" / "results"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"


def load_overrides(path: Path) -> dict[str, Any]:
    """Settings overrides from a TOML or YAML file (flat, or under a [settings] table)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix == ".toml" else yaml.safe_load(text)
    except (OSError, tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc}).") from exc
    data = data or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a table of setting = value pairs.")
    data = data.get("settings", data)
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting(s) {', '.join(unknown)}; see `assistant settings`."
        )
    return dict(data)


def load_thresholds(path: Path = THRESHOLDS) -> dict[str, dict[str, float]]:
    """The gate's floors and ceilings, ``{"min": {...}, "max": {...}}``, from thresholds.toml."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the thresholds ({exc}).") from exc


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _run_suites(
    names: tuple[str, ...], settings: Settings, questions_file: Path, limit: int | None,
    **options: Any,
) -> dict[str, dict[str, Any]]:  # fmt: skip
    results = {}
    for name in names:
        click.echo(f"suite {name}", err=True)
        suite = load_suite(name, settings, questions_file=questions_file)
        results[name] = evaluate_suite(
            suite, limit=limit, questions_file=_relative(questions_file), **options
        )
    return results


def _combined(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    first = next(iter(results.values()))["run"]
    keep = ("timestamp", "llm", "k", "config", "commit")
    run = {**{key: first[key] for key in keep}, "suites": list(results)}
    return {"run": run, "suites": results}


def _check_questions() -> int:
    script = ROOT / "evals" / "check_questions.py"
    return subprocess.run([sys.executable, str(script)], check=False).returncode


@click.command("eval")
@click.option("--suite", type=click.Choice([*SUITES, "all"]), default="own", show_default=True,
              help="Questions and corpus: own (evals/questions.jsonl), a SQuAD validation suite, "
              "the gate's squad2 sample, or all side by side.")  # fmt: skip
@click.option("--llm", default=None, help="Answer backend (default: the `llm` setting).")
@click.option("--k", "k", type=click.IntRange(1, 50), default=None, help="Passages per question.")
@click.option("--config", "config_file", help="TOML/YAML file of Settings overrides (top_k, ...).",
              type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--limit", type=click.IntRange(1), default=None,
              help="Only the first N questions of each suite.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print run, metrics and baseline as JSON.")
@click.option("--questions", "questions_file", default=QUESTIONS,
              help="Question file of the own suite (JSONL).", show_default="evals/questions.jsonl",
              type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--no-baseline", is_flag=True, help="Skip the LangChain baseline retrieval.")
@click.option("--no-peer", is_flag=True, help="Skip the best-sentence MiniLM peer.")
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=RESULTS,
              help="Where runs are saved and compared.", show_default="evals/results")  # fmt: skip
@click.option("--no-save", is_flag=True, help="Do not write evals/results/<timestamp>.*.")
@click.option("--gate", is_flag=True, help="Exit 1 when a metric misses evals/thresholds.toml.")
@click.option("--check", is_flag=True, help="Only validate the question file and exit.")
@click.option("--table", is_flag=True, help="Only print the latest saved run as a Markdown table.")
def eval_command(
    suite: str,
    llm: str | None,
    k: int | None,
    config_file: Path | None,
    limit: int | None,
    as_json: bool,
    questions_file: Path,
    no_baseline: bool,
    no_peer: bool,
    results_dir: Path,
    no_save: bool,
    gate: bool,
    check: bool,
    table: bool,
) -> None:
    """Run evaluation suites through the real pipeline and save a report.

    Example: assistant eval --suite squad2-val --limit 200 --no-baseline
    """
    if check:
        sys.exit(_check_questions())
    if table:
        latest = latest_result(results_dir)
        if latest is None:
            raise click.ClickException(
                f"No saved run in {results_dir}; run `assistant eval` first."
            )
        click.echo(suites_table(latest) if "suites" in latest else results_table(latest))
        return
    names = SUITES if suite == "all" else (suite,)
    try:
        overrides = load_overrides(config_file) if config_file else {}
        results = _run_suites(
            names, Settings(**overrides), questions_file, limit, k=k, llm=llm,
            baseline=not no_baseline, overrides=overrides, peer=not no_peer, progress=True,
        )  # fmt: skip
        limits = load_thresholds() if gate else {}
        problems = [
            f"{name}: {problem}"
            for name, result in results.items()
            for problem in check_thresholds(result["metrics"], thresholds_for(limits, name))
        ]
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(results, results_dir, save=not no_save, as_json=as_json)
    for problem in problems:
        click.echo(f"gate: {problem}", err=True)
    if problems:
        sys.exit(1)


def _report(
    results: dict[str, dict[str, Any]], results_dir: Path, save: bool, as_json: bool
) -> None:
    """Save the run (one suite: its report; several: side by side) and print it."""
    keep = ("run", "metrics", "peer", "baseline", "comparison")
    if len(results) == 1:
        result = next(iter(results.values()))
        paths = save_run(result, results_dir) if save else None
        data: dict[str, Any] = {key: result.get(key) for key in keep}
        text = results_table(result)
    else:
        combined = _combined(results)
        paths = save_suites_run(combined, results_dir) if save else None
        suites = {name: {key: r.get(key) for key in keep} for name, r in results.items()}
        data = {"run": combined["run"], "suites": suites}
        text = suites_table(combined)
    if paths:
        click.echo(f"saved {paths[0]} and {paths[1]}", err=True)
    click.echo(json.dumps(data, indent=1, ensure_ascii=False) if as_json else text)
