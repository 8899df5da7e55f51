"""The evaluation run: every question through the real Assistant, beside the plain baseline.

``evaluate`` loads the Assistant (on a temporary index when the overrides change chunking), asks
one warm-up question so latency is measured warm, then asks every question with its history and
turns each Answer into a ``Record``. It returns the result dict that ``evals_report`` saves.
Metric rules live in ``evals_metrics``; input files and the CLI in ``evals``.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .build import CLEANER_VERSION
from .config import ROOT, Settings
from .errors import AssistantError, IndexMismatchError, InputError
from .evals_baseline import run_baseline
from .evals_metrics import (
    Question,
    Record,
    answer_matches,
    citation_supports,
    context_rank,
    missing_parts,
    source_rank,
    summarize,
)
from .evals_report import failure_cause, worst_failures
from .stores import built_settings, scratch

# Settings that change what is in the index: overriding one needs an index of its own.
INDEX_KEYS = frozenset({"corpus_dir", "max_file_mb", "embedding_model", "hnsw_threshold"})


def _index_differs(settings: Settings) -> bool:
    """True when the index on disk was built with other chunking/cleaning than ``settings``."""
    try:
        built = built_settings(settings)
    except IndexMismatchError:
        return True
    if built is None:
        return False  # none yet: Assistant.load builds it with these settings
    wanted = {
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "cleaner": CLEANER_VERSION,
    }
    return any(built.get(key) != value for key, value in wanted.items())


@contextlib.contextmanager
def open_assistant(settings: Settings, overrides: dict[str, Any]) -> Iterator[tuple[Any, str]]:
    """The loaded Assistant and where its index lives: a temporary index built for ``settings``
    when the overrides change what is indexed or the index on disk was built differently."""
    from .pipeline import Assistant

    base = Settings()
    changed = any(
        getattr(settings, key) != getattr(base, key) for key in INDEX_KEYS & set(overrides)
    )
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        if changed or _index_differs(settings):
            temp = scratch(settings, Path(tmp))
            yield Assistant.load(temp, build_if_missing=True), "temporary, built for these settings"
        else:
            yield Assistant.load(settings, build_if_missing=True), str(settings.index_dir)


def _top_hits(hits: Sequence[Any], n: int = 3) -> list[dict[str, Any]]:
    return [
        {
            "rank": position,
            "doc": h.doc.doc_id,
            "section": h.chunk.section[-80:],
            "excerpt": " ".join(h.chunk.text.split())[:160],
        }
        for position, h in enumerate(hits[:n], 1)
    ]


def evaluate_question(assistant: Any, q: Question, k: int, llm: str | None) -> tuple[Record, dict]:
    """Ask one question; return its Record and details kept in case it is a failure."""
    started = time.perf_counter()
    try:
        answer = assistant.ask(q.question, [dict(t) for t in q.history] or None, llm=llm, k=k)
    except AssistantError as exc:
        record = Record(
            q.id, q.category, q.answerable, correct=False, abstained=False, error=str(exc)
        )
        return record, {"top_hits": [], "context_missing": []}
    latency = (time.perf_counter() - started) * 1000
    texts = [h.chunk.text for h in answer.hits[:k]]
    matched = answer_matches(q.answers, q.match, answer.answer)
    record = Record(
        id=q.id,
        category=q.category,
        answerable=q.answerable,
        correct=(not answer.abstained and matched) if q.answerable else answer.abstained,
        abstained=answer.abstained,
        context_rank=context_rank(q.answers, q.match, texts) if q.answerable else None,
        source_rank=source_rank(q.sources, [h.doc.doc_id for h in answer.hits[:k]]),
        citations=len(answer.citations),
        citations_ok=sum(
            citation_supports(c.quote, q.evidence, q.answers) for c in answer.citations
        ),
        sentences=len(answer.sentences),
        sentences_ok=sum(s.verified for s in answer.sentences),
        latency_ms=round(latency, 2),
        missing=missing_parts(q.answers, q.match, answer.answer) if q.answerable else [],
        answer=" ".join(answer.answer.split())[:160],
    )
    extra = {
        "top_hits": _top_hits(answer.hits),
        "context_missing": missing_parts(q.answers, q.match, "\n".join(texts)),
    }
    return record, extra


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return ""
    return out.stdout.strip()


def evaluate(
    settings: Settings,
    questions: Sequence[Question],
    *,
    k: int | None = None,
    llm: str | None = None,
    baseline: bool = True,
    overrides: dict[str, Any] | None = None,
    questions_file: str = "",
    progress: bool = True,
) -> dict[str, Any]:
    """Run the suite and return the result dict (run, metrics, baseline, questions, failures)."""
    from tqdm import tqdm

    if not questions:
        raise InputError("No questions to evaluate; check --questions and --limit.")
    overrides = overrides or {}
    k = k or settings.top_k
    records, extras = [], {}
    setup = time.perf_counter()
    with open_assistant(settings, overrides) as (assistant, where):
        assistant.ask(questions[0].question, llm=llm, k=k)  # warm-up: load lazily built parts
        setup_s = time.perf_counter() - setup
        started = time.perf_counter()
        for q in tqdm(questions, desc="eval", unit="q", file=sys.stderr, disable=not progress):
            record, extras[q.id] = evaluate_question(assistant, q, k, llm)
            records.append(record)
    metrics = summarize(records, k)
    metrics["total_s"] = round(time.perf_counter() - started, 2)  # asking only, warm
    metrics["setup_s"] = round(setup_s, 2)  # loading (or building) the index and models
    base, base_ranks = run_baseline(settings, questions, k) if baseline else (None, {})
    failed = worst_failures(records, 5)
    by_id = {q.id: q for q in questions}
    rows = []
    for r in records:
        row = r.to_dict()
        if not r.correct:
            row["cause"] = failure_cause(r, k, extras[r.id]["context_missing"])
            row["expected"] = " / ".join(by_id[r.id].answers)[:120]
        if r.id in base_ranks:
            row["baseline_context_rank"] = base_ranks[r.id]
        rows.append(row)
    failures = [
        {
            "id": r.id,
            "category": r.category,
            "question": by_id[r.id].question,
            "expected": list(by_id[r.id].answers),
            "answer": r.answer,
            "cause": failure_cause(r, k, extras[r.id]["context_missing"]),
            "top_hits": extras[r.id]["top_hits"],
        }
        for r in failed
    ]
    run = {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "llm": llm or settings.llm,
        "k": k,
        "questions": len(questions),
        "questions_file": questions_file,
        "config": overrides,
        "index": where,
        "commit": _commit(),
    }
    return {
        "run": run,
        "metrics": metrics,
        "baseline": base,
        "questions": rows,
        "failures": failures,
    }
