"""Command line: `assistant index / search / ask / chat / eval / serve / settings`.

A thin edge: parse arguments, call one pipeline function, render the result (human text by default,
``--json`` for machines). Errors from the library are printed as one clear line and a non-zero exit
code; no stack traces for expected failures.
"""

from __future__ import annotations

import json
import sys
import textwrap
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from .config import Settings, settings_table
from .errors import AssistantError, InputError

EXIT_PARTIAL = 3  # `assistant index` skipped some files: the index works, but is incomplete


def _fail_cleanly(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            click.secho(f"Error: {exc}", fg="red", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper


def _settings(**overrides: Any) -> Settings:
    return Settings(**{k: v for k, v in overrides.items() if v is not None})


def _load(settings: Settings, build: bool = False) -> Any:
    from .pipeline import Assistant

    return Assistant.load(settings, build_if_missing=build, progress=_progress())


def _progress() -> Callable[[int, int, str], None]:
    bar: dict[str, Any] = {}

    def update(done: int, total: int, name: str) -> None:
        from tqdm import tqdm

        if "bar" not in bar:
            bar["bar"] = tqdm(total=total, unit="doc", file=sys.stderr, leave=False)
        bar["bar"].set_postfix_str(name[-40:])
        bar["bar"].update(1)
        if done == total:
            bar.pop("bar").close()

    return update


class _Commands(click.Group):
    """Loads `eval` (matplotlib, baseline code) only when it is the command being run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), "eval"])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name == "eval":
            from .evals.command import eval_command

            return eval_command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands)
@click.version_option(package_name="assistant")
def main() -> None:
    """Q&A over documents about Mexico's industrial and IT clusters, with verified citations.

    Example: assistant ask "How many members does CLAUGTO have?"
    """


@main.command()
@click.option("--rebuild", is_flag=True, help="Re-embed everything instead of updating.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@_fail_cleanly
def index(rebuild: bool, as_json: bool) -> None:
    """Build or update the index from corpus/ (incremental; atomic).

    Example: assistant index
    """
    from .store.embed import SentenceTransformerEmbedder
    from .store.factory import build_store

    report = build_store(Settings(), SentenceTransformerEmbedder, rebuild=rebuild,
                         progress=_progress())  # fmt: skip
    if as_json:
        click.echo(json.dumps(report.__dict__, default=list))
    else:
        state = "updated" if report.changed else "already up to date"
        click.echo(
            f"Index {state}: {report.documents} documents, {report.chunks} chunks "
            f"({report.embedded} embedded, {report.removed} removed) in {report.seconds:.2f} s."
        )
        for name, reason in report.skipped:
            click.secho(f"  skipped {name}: {reason}", fg="yellow")
    if report.partial:
        sys.exit(EXIT_PARTIAL)


@main.command()
@click.argument("query")
@click.option("-k", type=int, default=None, help="Number of hits.")
@click.option("--json", "as_json", is_flag=True, help="Print hits as JSON.")
@_fail_cleanly
def search(query: str, k: int | None, as_json: bool) -> None:
    """Show the passages retrieval finds, with their provenance and ranks.

    Example: assistant search "aerospace clusters in Querétaro" -k 3
    """
    hits = _load(_settings()).retrieve(query, k)
    if as_json:
        click.echo(json.dumps([h.to_dict() for h in hits], ensure_ascii=False, indent=1))
        return
    for h in hits:
        where = f"{h.doc.title} — {h.chunk.section or '(no section)'}"
        ranks = f"fused {h.score:.4f} · dense #{h.dense_rank} · bm25 #{h.bm25_rank}"
        click.secho(f"[{h.rank}] {where}", bold=True)
        click.echo(f"    {ranks}")
        click.echo(textwrap.indent(textwrap.shorten(h.chunk.text, 300), "    "))


def render(answer: Any) -> str:
    """Human-readable answer with numbered sources and verification marks."""
    lines = [answer.answer]
    if answer.query != answer.question:
        lines.append(f"(searched for: {answer.query})")
    for s in answer.sentences:
        if not s.verified:
            lines.append(f"  ⚠ unverified: {textwrap.shorten(s.text, 80)} — {'; '.join(s.issues)}")
    for w in answer.warnings:
        lines.append(f"  ! {w}")
    for c in answer.citations:
        page = f", p. {c.page}" if c.page else ""
        meta = ", ".join(x for x in (c.publisher, c.date) if x)
        lines.append(f"  [{c.n}] {c.title} ({meta}){page} — {c.section}")
        lines.append(textwrap.indent(textwrap.fill(f"“{c.quote}”", 96), "      "))
    return "\n".join(lines)


@main.command()
@click.argument("question", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the answer contract as JSON.")
@click.option(
    "--llm", default=None, help="extractive | openai:<model> | ollama:<model> | llamacpp:<gguf>"
)
@click.option("-k", type=int, default=None, help="Number of sources.")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL file of {question, history}; one answer per line out.")  # fmt: skip
@_fail_cleanly
def ask(question: str | None, as_json: bool, llm: str | None, k: int | None,
        batch: Path | None) -> None:  # fmt: skip
    """Answer one question (or a batch) with citations.

    Example: assistant ask "When was CLUTIG founded?" --json
    """
    assistant = _load(_settings())
    if batch:
        for number, line in enumerate(batch.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                result = assistant.ask(item["question"], item.get("history"), llm=llm, k=k)
                click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
            except (json.JSONDecodeError, KeyError, TypeError, AssistantError) as exc:
                error = f"{batch}:{number}: {exc}"
                click.echo(json.dumps({"error": error, "line": number}, ensure_ascii=False))
        return
    if not question:
        raise InputError('Give a question: assistant ask "How many members does CLAUGTO have?"')
    result = assistant.ask(question, llm=llm, k=k)
    click.echo(
        json.dumps(result.to_dict(), ensure_ascii=False, indent=1) if as_json else render(result)
    )


@main.command()
@click.option("--llm", default=None, help="Answer backend for this session.")
@_fail_cleanly
def chat(llm: str | None) -> None:
    """An interactive session with history; citations under each answer. Ctrl-D to leave.

    Example: assistant chat
    """
    assistant = _load(_settings(), build=True)
    history: list[dict[str, str]] = []
    click.echo("Ask about Mexico's industrial and IT clusters. Empty line or Ctrl-D to quit.")
    while True:
        try:
            question = input("\nyou> ").strip()
        except EOFError:
            break
        if not question:
            break
        try:
            result = assistant.ask(question, history, llm=llm)
        except InputError as exc:
            click.secho(str(exc), fg="yellow")
            continue
        click.echo(f"assistant> {render(result)}")
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": result.answer}]  # fmt: skip


@main.command()
@_fail_cleanly
def serve() -> None:
    """Start the Gradio app (host and port from settings).

    Example: ASSISTANT_PORT=7861 assistant serve
    """
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import ui

    ui.main()


@main.command(name="settings")
@click.option("--json", "as_json", is_flag=True, help="Print the settings as JSON.")
def show_settings(as_json: bool) -> None:
    """List every setting, its environment variable and current value (secrets only as set or
    not set).

    Example: ASSISTANT_TOP_K=8 assistant settings
    """
    rows = settings_table()
    if as_json:
        keys = ("env", "value", "description")
        click.echo(json.dumps([dict(zip(keys, row, strict=True)) for row in rows], indent=1))
        return
    for env, value, description in rows:
        click.echo(f"{env:<32} {value:<28} {description}")
