"""Index-building workers, each run in a fresh process by ``common.run_worker``.

``build`` runs ``assistant.store.build.build_index`` exactly as ``assistant index`` does, with
timers wrapped around its stages (load + clean + chunk, embedding, BM25 tokenising and building,
FAISS, writing, reading the previous index) so a report can say what dominates. ``touch`` changes
one document.

Non-job: tables and ratios (see ``bench_index`` and ``bench_scaling``).
"""

from __future__ import annotations

import functools
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

STAGES = ("model_load", "chunk", "embed", "tokenize", "bm25", "faiss", "write", "read_old")


class _Stages:
    """Accumulated seconds per stage, filled by wrappers around the build's functions."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def wrap(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[stage] += time.perf_counter() - started
                self.counts[stage] += 1

        return timed


class _TimedEmbedder:
    """Wraps an embedder (or a factory of one): times loading and embedding, counts texts."""

    def __init__(self, make: Callable[[], Any], stages: _Stages) -> None:
        self._make, self._stages = make, stages
        self._inner: Any = None
        from assistant.store.embed import DIMENSION, MODEL_ID

        self.model_id, self.dimension = MODEL_ID, DIMENSION
        self.texts = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        if self._inner is None:
            self._inner = self._stages.wrap("model_load", self._make)()
            self._stages.wrap("model_load", self._inner.embed)(["warm up"])  # first-call setup
        self.texts += len(texts)
        result: np.ndarray = self._stages.wrap("embed", self._inner.embed)(texts)
        return result


def _embedder_factory(kind: str) -> Callable[[], Any]:
    if kind == "fake":
        from fake_embed import RandomProjectionEmbedder

        return RandomProjectionEmbedder
    from assistant.store.embed import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder


def build(
    corpus_dir: str, index_dir: str, embedder: str = "st", rebuild: bool = False,
    hnsw_threshold: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One ``build_index`` run with per-stage seconds; ``embedder``: st (real model) or fake."""
    started = time.perf_counter()
    import assistant.store.build as build_module
    from assistant.config import Settings
    from assistant.ingest.chunk import ChunkSettings
    from assistant.store.bm25 import BM25

    imported = time.perf_counter() - started
    stages = _Stages()
    build_module._chunk_file = stages.wrap("chunk", build_module._chunk_file)
    build_module.tokenize = stages.wrap("tokenize", build_module.tokenize)
    build_module.make_faiss = stages.wrap("faiss", build_module.make_faiss)
    build_module.save_index = stages.wrap("write", build_module.save_index)
    build_module.load_index = stages.wrap("read_old", build_module.load_index)
    original_bm25 = BM25.build
    BM25.build = stages.wrap("bm25", original_bm25)  # type: ignore[method-assign]
    settings = Settings()
    threshold = settings.hnsw_threshold if hnsw_threshold is None else hnsw_threshold
    embedder_obj = _TimedEmbedder(_embedder_factory(embedder), stages)
    report = build_module.build_index(
        Path(corpus_dir), Path(index_dir), embedder_obj,
        chunk_settings=ChunkSettings(settings.chunk_size, settings.chunk_overlap),
        max_bytes=int(settings.max_file_mb * 1_000_000), hnsw_threshold=threshold,
        rebuild=rebuild,
    )  # fmt: skip
    BM25.build = original_bm25  # type: ignore[method-assign]
    return {
        "import_s": imported,
        "build_s": report.seconds,
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_chunks": report.embedded,
        "embedded_views": embedder_obj.texts,
        "changed": report.changed,
        "skipped": len(report.skipped),
        "stages": {
            **{s: stages.seconds.get(s, 0.0) for s in STAGES},
            # the rest of build_index: hashing, planning, manifest bookkeeping
            "other": report.seconds - sum(stages.seconds.get(s, 0.0) for s in STAGES),
        },
        "embedder": embedder,
        "hnsw_threshold": threshold,
    }


def touch(corpus_dir: str, number: int) -> str:
    """Change the smallest document a little (a new sentence); returns its name."""
    files = sorted(Path(corpus_dir).glob("*.txt"), key=lambda p: (p.stat().st_size, p.name))
    target = files[0]
    with open(target, "a", encoding="utf-8") as fh:
        fh.write(f"\n\nBenchmark edit number {number}: the cluster added {number + 3} members.\n")
    return target.name
