"""Question-answering workers, each run in a fresh process by ``common.run_worker``.

``serve``: what a serving process does (load the index, answer many questions), with the
per-stage timings the pipeline records in ``Answer.timings_ms``. ``cold_ask``: the steps of one
``assistant ask`` run, timed one by one. ``compare_recipe``: our build and retrieval against the
plain LangChain recipe's, run alternately in one process, for ratios.

Non-job: tables (see ``bench_ask`` and ``bench_scaling``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from common import FORBIDDEN_ON_ASK, p50_p95, questions

STEPS = ("condense", "retrieve", "answer", "verify", "total")


def _stats(values: list[float]) -> dict[str, float]:
    p50, p95 = p50_p95(values)
    return {"p50": p50, "p95": p95, "n": len(values)}


def serve(n_questions: int = 60, warmup: int = 3) -> dict[str, Any]:
    """Load the assistant (settings from ASSISTANT_* variables), answer first-turn eval
    questions (extractive); p50/p95 of each step, plus query embedding alone."""
    started = time.perf_counter()
    from assistant.pipeline import Assistant

    imported = time.perf_counter() - started
    started = time.perf_counter()
    assistant = Assistant.load()
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    assistant.embedder.embed(["warm up"])
    model = time.perf_counter() - started
    asked = questions(n_questions)
    for q in asked[:warmup]:
        assistant.ask(q)
    timings: dict[str, list[float]] = {s: [] for s in STEPS}
    embed_ms: list[float] = []
    for q in asked:
        answer = assistant.ask(q)
        for step in STEPS:
            timings[step].append(float(answer.timings_ms.get(step, 0.0)))
        started = time.perf_counter()
        assistant.embedder.embed([q])
        embed_ms.append((time.perf_counter() - started) * 1000)
    return {
        "import_s": imported,
        "index_load_s": loaded,
        "model_load_s": model,
        "chunks": len(assistant._index.chunks),
        "faiss": assistant._index.manifest.get("faiss", "?"),
        "steps_ms": {s: _stats(v) for s, v in timings.items()},
        "query_embed_ms": _stats(embed_ms),
    }


def cold_ask(question: str) -> dict[str, Any]:
    """The steps of ``assistant ask QUESTION``, timed: imports, index load, model load, answer."""
    t0 = time.perf_counter()
    from assistant import cli

    t1 = time.perf_counter()
    assistant = cli._load(cli._settings())
    t2 = time.perf_counter()
    assistant.embedder.embed([question])  # tokenizer and weights load on the first embed
    t3 = time.perf_counter()
    text = cli.render(assistant.ask(question))
    t4 = time.perf_counter()
    return {
        "imports_s": t1 - t0,
        "index_load_s": t2 - t1,
        "model_load_s": t3 - t2,
        "answer_s": t4 - t3,
        "answered": bool(text.strip()),
        "heavy_modules": [m for m in FORBIDDEN_ON_ASK if m in sys.modules],
    }


def compare_recipe(
    corpus_dir: str, scratch_dir: str, n_questions: int = 60, rounds: int = 2
) -> dict[str, Any]:
    """The assistant against the plain recipe in one process, sharing one loaded
    sentence-transformers model: full build time (our build into ``scratch_dir``, the recipe in
    memory), then retrieval latency, queried alternately. The recipe is queried with the same
    query embedder as the assistant (numpy) and, as LangChain would, with sentence-transformers.
    The assistant serves the index named by ASSISTANT_INDEX_DIR."""
    from baseline_recipe import build_recipe

    from assistant.config import Settings
    from assistant.ingest.chunk import ChunkSettings
    from assistant.pipeline import Assistant
    from assistant.store.build import build_index
    from assistant.store.embed import SentenceTransformerEmbedder

    torch_embedder = SentenceTransformerEmbedder()
    torch_embedder.embed(["warm up"])
    settings = Settings()
    build_s: dict[str, list[float]] = {"assistant": [], "recipe": []}
    for _ in range(rounds):
        started = time.perf_counter()
        build_index(
            Path(corpus_dir), Path(scratch_dir), torch_embedder, rebuild=True,
            chunk_settings=ChunkSettings(settings.chunk_size, settings.chunk_overlap),
            hnsw_threshold=settings.hnsw_threshold,
        )  # fmt: skip
        build_s["assistant"].append(time.perf_counter() - started)
        started = time.perf_counter()
        recipe, build = build_recipe(Path(corpus_dir), torch_embedder)
        build_s["recipe"].append(time.perf_counter() - started)
    assistant = Assistant.load()
    numpy_recipe = recipe.model_copy(update={"embedder": assistant.embedder})
    variants: dict[str, Any] = {
        "assistant": assistant.retrieve,
        "recipe_numpy_query": numpy_recipe.invoke,
        "recipe_torch_query": recipe.invoke,
    }
    asked = questions(n_questions)
    for run in variants.values():
        for q in asked[:3]:
            run(q)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for q in asked:
            for name, run in variants.items():
                started = time.perf_counter()
                run(q)
                times[name].append((time.perf_counter() - started) * 1000)
    return {
        "recipe_chunks": build["chunks"],
        "build_s": {k: _stats(v) for k, v in build_s.items()},
        "retrieve_ms": {k: _stats(v) for k, v in times.items()},
    }


def nothing() -> dict[str, Any]:
    """Does nothing: a fresh process's start-up cost, for the cold-start breakdown."""
    return {}
