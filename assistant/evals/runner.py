"""The evaluation run: every question through the real Assistant, beside the plain baseline.

``evaluate`` loads the Assistant (on a temporary index when the overrides change chunking), or
takes one already open on a suite's own index (``suites.open_suite``), asks one warm-up
question so latency is measured warm, then asks every question with its history and turns each
Answer into a ``Record``; the peer (``peer``) answers from the same passages afterwards.
It returns the result dict that ``report`` saves. Metric rules live in ``metrics``;
input files and the CLI in ``command``.
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

from ..config import ROOT, Settings
from ..errors import AssistantError, IndexMismatchError, InputError
from ..store.build import CLEANER_VERSION
from ..store.factory import built_settings, scratch
from .baseline import run_baseline
from .metrics import (
    Question,
    Record,
    answer_matches,
    citation_supports,
    context_rank,
    missing_parts,
    source_rank,
    summarize,
    word_count,
)
from .peer import peer_summary, run_peer
from .report import failure_cause, worst_failures
from .suites import Suite, open_suite

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
    from ..pipeline import Assistant

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
        return record, {"top_hits": [], "context_missing": [], "passages": []}
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
        words=0 if answer.abstained else word_count(answer.answer),
        missing=missing_parts(q.answers, q.match, answer.answer) if q.answerable else [],
        answer=" ".join(answer.answer.split())[:160],
    )
    extra = {
        "top_hits": _top_hits(answer.hits),
        "context_missing": missing_parts(q.answers, q.match, "\n".join(texts)),
        "passages": texts,  # what the peer reads; not saved
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


def _ask_all(
    assistant: Any, questions: Sequence[Question], k: int, llm: str | None, progress: bool
) -> tuple[list[Record], dict[str, dict[str, Any]]]:
    from tqdm import tqdm

    records, extras = [], {}
    for q in tqdm(questions, desc="eval", unit="q", file=sys.stderr, disable=not progress):
        record, extras[q.id] = evaluate_question(assistant, q, k, llm)
        records.append(record)
    return records, extras


def _rows(
    records: Sequence[Record], extras: dict[str, dict[str, Any]], questions: Sequence[Question],
    k: int, base_ranks: dict[str, int | None],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:  # fmt: skip
    """Per-question rows (a failure with its cause) and the five worst failures in detail."""
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
        for r in worst_failures(records, 5)
    ]
    return rows, failures


@contextlib.contextmanager
def _opened(
    settings: Settings, overrides: dict[str, Any], assistant: Any
) -> Iterator[tuple[Any, str]]:
    if assistant is not None:
        yield assistant, str(assistant.settings.index_dir)
    else:
        with open_assistant(settings, overrides) as opened:
            yield opened


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
    assistant: Any = None,
    suite: str = "own",
    peer: bool = False,
) -> dict[str, Any]:
    """Run the suite and return the result dict (run, metrics, baseline, peer, questions,
    failures). ``assistant``: an Assistant already open on the suite's corpus (else one is
    loaded for ``settings``); ``peer``: also score the best-sentence peer on the same hits."""
    if not questions:
        raise InputError("No questions to evaluate; check --questions and --limit.")
    overrides = overrides or {}
    k = k or settings.top_k
    setup = time.perf_counter()
    with _opened(settings, overrides, assistant) as (opened, where):
        opened.ask(questions[0].question, llm=llm, k=k)  # warm-up: load lazily built parts
        setup_s = time.perf_counter() - setup
        started = time.perf_counter()
        records, extras = _ask_all(opened, questions, k, llm, progress)
        total_s = time.perf_counter() - started
        passages = {qid: extra["passages"] for qid, extra in extras.items()}
        peer_records = run_peer(opened.embedder, questions, passages) if peer else None
    metrics = summarize(records, k)
    metrics["total_s"] = round(total_s, 2)  # asking only, warm
    metrics["setup_s"] = round(setup_s, 2)  # loading (or building) the index and models
    base, base_ranks = run_baseline(settings, questions, k) if baseline else (None, {})
    rows, failures = _rows(records, extras, questions, k, base_ranks)
    run = {
        "timestamp": datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"),
        "suite": suite,
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
        "peer": peer_summary(peer_records, k) if peer_records else None,
        "questions": rows,
        "failures": failures,
    }


def evaluate_suite(
    suite: Suite,
    *,
    k: int | None = None,
    llm: str | None = None,
    baseline: bool = True,
    overrides: dict[str, Any] | None = None,
    limit: int | None = None,
    questions_file: str = "",
    progress: bool = True,
    peer: bool = True,
) -> dict[str, Any]:
    """``evaluate`` on a suite: ``own`` as always (the product's index, or a temporary one for
    other settings); any other suite on its own index in the cache, built or updated first."""
    questions = list(suite.questions[:limit] if limit else suite.questions)
    started = time.perf_counter()
    assistant = None if suite.name == "own" else open_suite(suite)
    opened_s = time.perf_counter() - started
    source = questions_file if suite.name == "own" else f"{suite.name}: {', '.join(suite.articles)}"
    result = evaluate(
        suite.settings, questions, k=k, llm=llm, baseline=baseline, overrides=overrides,
        questions_file=source, progress=progress, assistant=assistant, suite=suite.name,
        peer=peer,
    )  # fmt: skip
    result["metrics"]["setup_s"] = round(result["metrics"]["setup_s"] + opened_s, 2)
    # the whole suite: index, models, asking, the peer and the baseline
    result["run"]["wall_s"] = round(time.perf_counter() - started, 1)
    return result
