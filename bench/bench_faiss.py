"""Exact (IndexFlatIP) against HNSW search, on the vectors of built indexes: where to cut over.

For each index (and optional subsets of its vectors) this builds both FAISS indexes exactly as
``assistant.store.index.make_faiss`` does (HNSW M=32, efConstruction=80, efSearch=512), and measures
build seconds, single-query search latency for the 100 neighbours retrieval asks for (2 x the 50
candidates; exact search also with one OpenMP thread), and HNSW recall@10 and recall@100
against exact search. Queries are the first-turn eval questions, embedded in the same space as
the index (the real model for real vectors, the random projection for synthetic ones). At the
largest size, efSearch is swept (128 to 1024). Synthetic vectors are harder for HNSW than the
model's (their similarities are flatter), so their recall is a pessimistic figure.

The cut-over rule (``recommend``): exact search while its one-thread p50 latency stays within the
time it takes to embed the query (the numpy embedder's measured p50), since then it is not what a
user waits for; exact search is linear in the number of vectors, so the cut-over is that budget
divided by the measured cost per vector, rounded down to a multiple of 50,000.

    python bench/bench_faiss.py INDEX_DIR [--fake] [--sizes 50000,100000]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
from common import data_dir, p50_p95, questions, run_worker, table

NEIGHBOURS = 100  # retrieve.search asks dense_top for 2 x candidates (50)
EF_SEARCH = (128, 256, 512, 1024)
STEP = 50_000  # the cut-over is rounded down to a multiple of this: robust to timing noise


def _latency(index: Any, queries: np.ndarray) -> tuple[float, float]:
    times = []
    for row in queries:
        started = time.perf_counter()
        index.search(row[None, :], NEIGHBOURS)
        times.append((time.perf_counter() - started) * 1000)
    return p50_p95(times)


def _recall(exact: np.ndarray, approx: np.ndarray, k: int) -> float:
    hits = [
        len(set(e[:k].tolist()) & set(a[:k].tolist())) / k
        for e, a in zip(exact, approx, strict=True)
    ]
    return float(np.mean(hits))


def _one_thread(measure: Any) -> Any:
    """``measure()`` with FAISS limited to one OpenMP thread in this thread, then restored."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        return measure()
    finally:
        faiss.omp_set_num_threads(threads)


def compare(index_dir: str, fake: bool = False, sizes: list[int] | None = None) -> dict[str, Any]:
    """Worker: flat vs HNSW on the index's vectors (and on its first ``sizes`` rows)."""
    import faiss

    from assistant.store.index import make_faiss

    vectors = np.load(data_dir(Path(index_dir)) / "vectors.npy")
    if fake:
        from fake_embed import RandomProjectionEmbedder

        embedder: Any = RandomProjectionEmbedder()
    else:
        from assistant.store.embed_numpy import NumpyEmbedder

        embedder = NumpyEmbedder()
    queries = np.ascontiguousarray(embedder.embed(questions()), dtype=np.float32)
    rows = []
    for n in sorted({*(s for s in sizes or [] if s < len(vectors)), len(vectors)}):
        subset = np.ascontiguousarray(vectors[:n])
        started = time.perf_counter()
        flat = make_faiss(subset, hnsw_threshold=n)
        flat_build = time.perf_counter() - started
        started = time.perf_counter()
        hnsw = make_faiss(subset, hnsw_threshold=0)
        hnsw_build = time.perf_counter() - started
        exact = flat.search(queries, NEIGHBOURS)[1]
        approx = hnsw.search(queries, NEIGHBOURS)[1]
        rows.append({
            "vectors": n,
            "flat_build_s": flat_build,
            "hnsw_build_s": hnsw_build,
            "flat_ms": _latency(flat, queries),
            "flat1_ms": _one_thread(lambda: _latency(flat, queries)),  # noqa: B023 (called now)
            "hnsw_ms": _latency(hnsw, queries),
            "recall10": _recall(exact, approx, 10),
            "recall100": _recall(exact, approx, NEIGHBOURS),
            "hnsw_mb": len(faiss.serialize_index(hnsw)) / 1e6,
            "flat_mb": len(faiss.serialize_index(flat)) / 1e6,
        })  # fmt: skip
    return {"rows": rows, "vectors": "synthetic" if fake else "real", "queries": len(queries),
            "ef_search": _ef_sweep(hnsw, exact, queries)}  # fmt: skip


def _ef_sweep(hnsw: Any, exact: np.ndarray, queries: np.ndarray) -> list[dict[str, Any]]:
    """Recall and latency of the largest HNSW index at other efSearch values (search only)."""
    out = []
    chosen = hnsw.hnsw.efSearch
    for ef in EF_SEARCH:
        hnsw.hnsw.efSearch = ef
        approx = hnsw.search(queries, NEIGHBOURS)[1]
        recall10, recall100 = _recall(exact, approx, 10), _recall(exact, approx, NEIGHBOURS)
        out.append({"ef": ef, "ms": _latency(hnsw, queries), "recall10": recall10,
                    "recall100": recall100, "vectors": hnsw.ntotal})  # fmt: skip
    hnsw.hnsw.efSearch = chosen
    return out


def run(index_dir: Path, fake: bool, sizes: list[int] | None = None) -> dict[str, Any]:
    kwargs = {"index_dir": str(index_dir), "fake": fake, "sizes": sizes or []}
    return run_worker("bench_faiss", "compare", kwargs)


def recommend(results: list[dict[str, Any]], embed_ms: float) -> dict[str, Any]:
    """The cut-over (see the module docstring) from the largest measured exact index."""
    rows = [row for r in results for row in r["rows"]]
    largest = max(rows, key=lambda row: row["vectors"])
    per_vector = largest["flat1_ms"][0] / largest["vectors"]
    cut = int(embed_ms / per_vector // STEP * STEP) if per_vector > 0 else 0
    return {"threshold": max(cut, STEP), "budget_ms": embed_ms, "per_vector_us": per_vector * 1e3}


def tables(results: list[dict[str, Any]], choice: dict[str, Any], current: int) -> str:
    rows = [
        (f"{row['vectors']:,} ({r['vectors']})", row["flat_ms"][0], row["flat_ms"][1],
         row["flat1_ms"][0], row["flat1_ms"][1], row["hnsw_ms"][0], row["hnsw_ms"][1],
         row["flat_build_s"], row["hnsw_build_s"], row["recall10"], row["recall100"],
         row["flat_mb"], row["hnsw_mb"])
        for r in results for row in r["rows"]
    ]  # fmt: skip
    headers = ["vectors", "flat p50 ms", "flat p95 ms", "flat 1-thread p50 ms",
               "flat 1-thread p95 ms", "HNSW p50 ms", "HNSW p95 ms",
               "flat build s", "HNSW build s", "HNSW recall@10", "HNSW recall@100",
               "flat MB", "HNSW MB"]  # fmt: skip
    verdict = "matches" if choice["threshold"] == current else "differs from"
    largest = max(results, key=lambda r: r["rows"][-1]["vectors"])
    sweep = [(s["ef"], s["ms"][0], s["ms"][1], s["recall10"], s["recall100"])
             for s in largest.get("ef_search", [])]  # fmt: skip
    sweep_table = table(["efSearch", "p50 ms", "p95 ms", "recall@10", "recall@100"], sweep, 3)
    return (
        table(headers, rows, 3)
        + f"\n\nHNSW efSearch at {largest['rows'][-1]['vectors']:,} vectors "
        f"({largest['vectors']}; the index uses 512):\n\n{sweep_table}"
        + '\n\n"flat": FAISS\'s default OpenMP threads (2), as the assistant searches today; '
        '"flat 1-thread": the same search limited to one OpenMP thread, which is as fast on an '
        "idle machine and does not wait for a busy second core.\n\n"
        f"Exact search (one thread) costs {choice['per_vector_us']:.3f} µs per vector per query; "
        f"within the query-embedding budget of {choice['budget_ms']:.1f} ms it stays exact up to "
        f"about **{choice['threshold']:,} vectors** (recommended `hnsw_threshold`; this "
        f"{verdict} the current setting, {current:,})."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("index_dir", type=Path)
    parser.add_argument("--fake", action="store_true", help="The index holds synthetic vectors.")
    parser.add_argument("--sizes", default="", help="Also measure these first-N subsets.")
    parser.add_argument("--embed-ms", type=float, default=10.0, help="Query embedding p50 (ms).")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    result = run(args.index_dir, args.fake, sizes)
    from assistant.config import Settings

    print(tables([result], recommend([result], args.embed_ms), Settings().hnsw_threshold))


if __name__ == "__main__":
    main()
