"""``assistant eval``: the evaluation suite's command and its input files.

Reads evals/questions.jsonl, a TOML/YAML file of Settings overrides and evals/thresholds.toml,
runs ``evals_run.evaluate`` and saves the report with ``evals_report``. ``eval_command`` is the
click command the CLI registers. Metric rules live in ``evals_metrics``; nothing here needs the
network.
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

from .config import ROOT, Settings
from .errors import AssistantError, ConfigError, InputError
from .evals_metrics import Question, check_thresholds
from .evals_report import latest_result, results_table, save_run
from .evals_run import evaluate

QUESTIONS = ROOT / "evals" / "questions.jsonl"
RESULTS = ROOT / "evals" / "results"
THRESHOLDS = ROOT / "evals" / "thresholds.toml"


def load_questions(path: Path = QUESTIONS, limit: int | None = None) -> list[Question]:
    """Parse the question file; a bad line raises InputError naming the file and line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the question file ({exc}).") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            evidence = row.get("evidence") or []
            questions.append(
                Question(
                    id=row["id"],
                    category=row["category"],
                    question=row["question"],
                    answers=tuple(row["answers"]),
                    match=row["match"],
                    sources=tuple(row.get("sources", [])),
                    evidence=tuple([evidence] if isinstance(evidence, str) else evidence),
                    history=tuple(row.get("history") or []),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number}: bad question ({exc!r}); run `assistant eval --check`."
            ) from exc
    return questions[:limit] if limit else questions


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


def _check_questions() -> int:
    script = ROOT / "evals" / "check_questions.py"
    return subprocess.run([sys.executable, str(script)], check=False).returncode


@click.command("eval")
@click.option("--llm", default=None, help="Answer backend (default: the `llm` setting).")
@click.option("--k", "k", type=click.IntRange(1, 50), default=None, help="Passages per question.")
@click.option("--config", "config_file", help="TOML/YAML file of Settings overrides (top_k, ...).",
              type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N questions.")
@click.option("--json", "as_json", is_flag=True, help="Print run, metrics and baseline as JSON.")
@click.option("--questions", "questions_file", default=QUESTIONS, help="Question file (JSONL).",
              show_default="evals/questions.jsonl",
              type=click.Path(exists=True, dir_okay=False, path_type=Path))  # fmt: skip
@click.option("--no-baseline", is_flag=True, help="Skip the LangChain baseline retrieval.")
@click.option("--results-dir", type=click.Path(file_okay=False, path_type=Path), default=RESULTS,
              help="Where runs are saved and compared.", show_default="evals/results")  # fmt: skip
@click.option("--no-save", is_flag=True, help="Do not write evals/results/<timestamp>.*.")
@click.option("--gate", is_flag=True, help="Exit 1 when a metric misses evals/thresholds.toml.")
@click.option("--check", is_flag=True, help="Only validate the question file and exit.")
@click.option("--table", is_flag=True, help="Only print the latest saved run as a Markdown table.")
def eval_command(
    llm: str | None,
    k: int | None,
    config_file: Path | None,
    limit: int | None,
    as_json: bool,
    questions_file: Path,
    no_baseline: bool,
    results_dir: Path,
    no_save: bool,
    gate: bool,
    check: bool,
    table: bool,
) -> None:
    """Run the evaluation suite through the real pipeline and save a report.

    Example: assistant eval --limit 20 --no-baseline
    """
    if check:
        sys.exit(_check_questions())
    if table:
        latest = latest_result(results_dir)
        if latest is None:
            raise click.ClickException(
                f"No saved run in {results_dir}; run `assistant eval` first."
            )
        click.echo(results_table(latest))
        return
    try:
        overrides = load_overrides(config_file) if config_file else {}
        settings = Settings(**overrides)
        questions = load_questions(questions_file, limit)
        result = evaluate(
            settings, questions, k=k, llm=llm, baseline=not no_baseline, overrides=overrides,
            questions_file=_relative(questions_file), progress=True,
        )  # fmt: skip
        problems = check_thresholds(result["metrics"], load_thresholds()) if gate else []
    except AssistantError as exc:
        raise click.ClickException(str(exc)) from exc
    if not no_save:
        json_path, md_path = save_run(result, results_dir)
        click.echo(f"saved {json_path} and {md_path}", err=True)
    if as_json:
        keep = ("run", "metrics", "baseline", "comparison")
        click.echo(json.dumps({key: result.get(key) for key in keep}, indent=1, ensure_ascii=False))
    else:
        click.echo(results_table(result))
    for problem in problems:
        click.echo(f"gate: {problem}", err=True)
    if problems:
        sys.exit(1)
