"""Scaling: build time, index size, ask latency and memory at 1x, 10x, 100x and 1000x the corpus.

1x is the real corpus; larger sizes are synthetic corpora (``synth_corpus``, fixed seed). Each
size gets a full build, a no-op rebuild and a one-document-changed rebuild (the changed document
embedded with the real model), a serving process answering first-turn eval questions, and the
flat-vs-HNSW comparison (``bench_faiss``) on its vectors, every step in a fresh process.

Embedding with the real model is measured up to ``real_embed_max`` (default 10x: on 2 cores the
model embeds ~15 chunks/s, so 100x would take ~17 min); beyond, a random-projection embedder
(``fake_embed``) stands in, the table says "synthetic vectors", and the real embedding time is
extrapolated from the measured chunks/s. Everything else (cleaning, chunking, BM25, FAISS,
writing, loading, querying, memory) is measured for real at every size.

    python bench/bench_scaling.py --scales 1,10,100,1000
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import bench_faiss
from build_workers import touch
from common import ROOT, Workspace, data_dir, dir_mb, index_env, run_worker, table
from synth_corpus import read_pool, write_corpus


def run_scale(work: Path, scale: int, real: bool, n_questions: int, faiss_sizes: list[int]) -> dict:
    """All measurements at one corpus size, in ``work`` (corpus/ and index/ are created)."""
    corpus, index = work / "corpus", work / "index"
    started = time.perf_counter()
    if scale == 1:
        shutil.copytree(ROOT / "corpus", corpus)
        corpus_info: dict[str, Any] = {"files": len(list(corpus.glob("*.txt")))}
    else:
        corpus_info = write_corpus(corpus, scale, pool=read_pool())
    generate_s = time.perf_counter() - started
    args = {"corpus_dir": str(corpus), "index_dir": str(index)}
    full = run_worker("build_workers", "build",
                      {**args, "embedder": "st" if real else "fake", "rebuild": True})  # fmt: skip
    noop = run_worker("build_workers", "build", args)
    touch(str(corpus), 0)
    changed = run_worker("build_workers", "build", args)  # embeds the change with the real model
    serve = run_worker("serve_workers", "serve", {"n_questions": n_questions},
                       extra_env=index_env(work))  # fmt: skip
    sizes = [s for s in faiss_sizes if s < full["chunks"]]
    faiss = bench_faiss.run(index, fake=not real, sizes=sizes)
    return {
        "scale": scale,
        "real_vectors": real,
        "corpus": {**corpus_info, "generate_s": generate_s, "mb": dir_mb(corpus)},
        "full": full,
        "noop": noop,
        "changed": changed,
        "serve": serve,
        "index_mb": dir_mb(data_dir(index)),
        "faiss": faiss,
    }


def run(scales: list[int], real_embed_max: int, n_questions: int = 40,
        faiss_sizes: list[int] | None = None, keep: bool = False) -> list[dict]:  # fmt: skip
    results = []
    for scale in scales:
        with Workspace(f"scale{scale}", keep=keep) as ws:
            print(f"  scaling: {scale}x ...", flush=True)
            results.append(run_scale(ws.path, scale, scale <= real_embed_max, n_questions,
                                     faiss_sizes or []))  # fmt: skip
    return results


def embed_rate(results: list[dict]) -> float:
    """Views per second the real model embedded, at the largest real-vector size."""
    real = [r for r in results if r["real_vectors"]]
    if not real:
        return float("nan")
    best = max(real, key=lambda r: r["full"]["embedded_views"])
    return float(best["full"]["embedded_views"] / best["full"]["stages"]["embed"])


def real_build_s(result: dict, rate: float, model_load: float) -> float:
    """Full build time with the real model: measured, or synthetic build + extrapolated embed."""
    full = result["full"]
    if result["real_vectors"]:
        return float(full["build_s"])
    return float(full["build_s"] - full["stages"]["embed"] - full["stages"]["model_load"]
                 + model_load + full["embedded_views"] / rate)  # fmt: skip


def model_load_s(results: list[dict]) -> float:
    """Median sentence-transformers load time over the one-document-changed rebuilds."""
    loads = sorted(r["changed"]["stages"]["model_load"] for r in results)
    return loads[len(loads) // 2] if loads else float("nan")


LABELS = {
    "model_load": "model load", "chunk": "load+clean+chunk", "embed": "embed",
    "tokenize": "BM25 tokenize", "bm25": "BM25 build", "faiss": "FAISS build", "write": "write",
    "read_old": "read old index", "other": "other build.py work",
}  # fmt: skip


def _dominant(stages: dict[str, float], top: int = 2) -> str:
    best = sorted(stages.items(), key=lambda kv: -kv[1])[:top]
    return ", ".join(f"{LABELS.get(name, name)} {sec:.1f} s" for name, sec in best if sec > 0)


def tables(results: list[dict]) -> str:
    rate, load = embed_rate(results), model_load_s(results)
    rows = []
    for r in results:
        steps, full = r["serve"]["steps_ms"], r["full"]
        vectors = "real" if r["real_vectors"] else "synthetic vectors"
        rows.append((
            f"{r['scale']}x", full["chunks"], full["embedded_views"], vectors,
            full["build_s"], real_build_s(r, rate, load), f"{r['noop']['process_s']:.2f}",
            r["changed"]["process_s"], r["index_mb"], r["serve"]["index_load_s"],
            steps["retrieve"]["p50"], steps["answer"]["p50"], steps["total"]["p50"],
            steps["total"]["p95"], full["peak_rss_mb"], r["changed"]["peak_rss_mb"],
            r["serve"]["peak_rss_mb"], r["serve"]["faiss"],
        ))  # fmt: skip
    headers = ["size", "chunks", "views", "vectors", "build s (as run)", "build s (real model)",
               "no-op s", "1 doc changed s", "index MB", "index load s", "retrieve p50 ms",
               "answer p50 ms", "ask p50 ms", "ask p95 ms", "full build peak MB",
               "1 doc changed peak MB", "serving peak MB", "FAISS"]  # fmt: skip
    dominant = [
        (f"{r['scale']}x", _dominant(r["full"]["stages"]), _dominant(r["changed"]["stages"]),
         f"retrieve {r['serve']['steps_ms']['retrieve']['p50']:.0f} ms "
         f"(query embedding {r['serve']['query_embed_ms']['p50']:.0f} ms), "
         f"answer {r['serve']['steps_ms']['answer']['p50']:.0f} ms")
        for r in results
    ]  # fmt: skip
    note = (
        f'"build s (real model)" is measured where vectors are real; for synthetic vectors it is '
        f"the measured build minus the random-projection embedding, plus the measured model load "
        f"({load:.1f} s) and the views embedded at the measured {rate:.1f} views/s (synthetic "
        "vectors; embedding time extrapolated from the measured chunks/s). No-op and one-changed "
        "rebuilds: a fresh process, spawn to exit; the changed document is embedded with the real "
        "model at every size (its peak includes torch). Ask latencies: extractive mode, warm, "
        "first-turn eval questions."
    )
    return "\n\n".join([
        table(headers, rows, 1), note, "What dominates (two largest stages, seconds):",
        table(["size", "full build", "one document changed", "ask"], dominant),
    ])  # fmt: skip


def plot(results: list[dict], path: Path) -> None:
    """Latency, build time and memory against corpus size (log-log), saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rate, load = embed_rate(results), model_load_s(results)
    chunks = [r["full"]["chunks"] for r in results]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4))
    ax = axes[0]
    for key, label in (
        ("total", "ask p50"),
        ("retrieve", "retrieve p50"),
        ("answer", "answer p50"),
    ):
        ax.plot(chunks, [r["serve"]["steps_ms"][key]["p50"] for r in results], "o-", label=label)
    ax.plot(chunks, [r["serve"]["steps_ms"]["total"]["p95"] for r in results], "o--",
            label="ask p95")  # fmt: skip
    ax.set(title="Warm ask latency (extractive)", ylabel="ms")
    ax = axes[1]
    ax.plot(chunks, [real_build_s(r, rate, load) for r in results], "o-",
            label="full build, real model (* extrapolated)")  # fmt: skip
    ax.plot(chunks, [r["full"]["build_s"] for r in results], "o--", label="full build as run")
    ax.plot(chunks, [r["changed"]["process_s"] for r in results], "s-", label="one doc changed")
    ax.plot(chunks, [r["noop"]["process_s"] for r in results], "^-", label="no-op")
    ax.set(title="Index build time", ylabel="s")
    ax = axes[2]
    ax.plot(chunks, [r["serve"]["peak_rss_mb"] for r in results], "o-", label="serving peak RSS")
    ax.plot(chunks, [r["full"]["peak_rss_mb"] for r in results], "s-", label="indexing peak RSS")
    ax.plot(chunks, [r["index_mb"] for r in results], "^-", label="index on disk")
    ax.set(title="Memory and disk", ylabel="MB")
    plain = matplotlib.ticker.FuncFormatter(lambda value, _: f"{value:g}")
    sizes = ", ".join(f"{r['scale']}x{'' if r['real_vectors'] else '*'}" for r in results)
    for ax in axes:
        ax.set(xscale="log", yscale="log", xlabel=f"chunks in the index ({sizes})")
        for axis in (ax.xaxis, ax.yaxis):
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("Scaling on 2 cores (1x = the real corpus; larger: synthetic corpora; "
                 "* = synthetic vectors, embedding time extrapolated)")  # fmt: skip
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100,1000")
    parser.add_argument("--real-embed-max", type=int, default=10)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--plot", type=Path, default=ROOT / "docs" / "bench-scaling.png")
    args = parser.parse_args()
    results = run([int(s) for s in args.scales.split(",")], args.real_embed_max, args.questions)
    print(tables(results))
    plot(results, args.plot)
    print(f"\nPlot: {args.plot}")


if __name__ == "__main__":
    main()
