"""Both stores side by side: FAISS + BM25 files and Milvus (Lite), at 1x, 10x and 100x the corpus.

Job: for each size and store, in fresh processes: a full build, a no-op build, a one-document
change (the changed document embedded with the real model), and a serving process answering
first-turn eval questions (warm ask p50/p95, peak RSS); plus the own suite's answer-in-context@5
on both stores at 1x (``evals.stores.store_parity``). Prints Markdown tables; asserts nothing.

Vectors are real up to ``--real-embed-max`` (default 10x); beyond, the random-projection embedder
(``fake_embed``) stands in for both stores, as in ``bench_scaling`` (the table says so). The
Milvus figures are Milvus Lite's (in-process, pure Python): a Milvus server moves search and
storage out of the app process; its figures are not measured here (no server on these machines).

    python bench/bench_stores.py --scales 1,10,100 [--questions 40]
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path
from typing import Any

from build_workers import touch
from common import ROOT, Workspace, dir_mb, index_env, run_worker, table
from synth_corpus import read_pool, write_corpus

STORES = ("faiss", "milvus")


def store_env(work: Path, store: str) -> dict[str, str]:
    """ASSISTANT_* variables for one store over a workspace's corpus."""
    return {**index_env(work), "ASSISTANT_STORE": store,
            "ASSISTANT_MILVUS_URI": str(work / "index" / "milvus.db")}  # fmt: skip


def build(embedder: str = "st", rebuild: bool = False) -> dict[str, Any]:
    """One build of the store ASSISTANT_STORE names (worker): seconds, embedding seconds, counts."""
    started = time.perf_counter()
    from build_workers import _embedder_factory, _Stages, _TimedEmbedder

    from assistant.config import Settings
    from assistant.store.factory import build_store

    imported = time.perf_counter() - started
    stages = _Stages()
    timed = _TimedEmbedder(_embedder_factory(embedder), stages)
    report = build_store(Settings(), timed, rebuild=rebuild)
    return {
        "import_s": imported,
        "build_s": report.seconds,
        "documents": report.documents,
        "chunks": report.chunks,
        "embedded_views": timed.texts,
        "embed_s": stages.seconds.get("embed", 0.0),
        "model_load_s": stages.seconds.get("model_load", 0.0),
        "changed": report.changed,
    }


def parity(n_questions: int | None = None) -> dict[str, Any]:
    """The own suite on both stores over the same corpus (worker; both already built)."""
    from assistant.config import Settings
    from assistant.evals.command import load_questions
    from assistant.evals.stores import store_parity
    from assistant.pipeline import Assistant

    faiss = Assistant.load(Settings(store="faiss"))
    milvus = Assistant.load(Settings(store="milvus"), embedder=faiss.embedder)
    return store_parity(faiss, milvus, load_questions(limit=n_questions), k=5)


def run_scale(work: Path, scale: int, real: bool, n_questions: int) -> dict[str, Any]:
    corpus = work / "corpus"
    if scale == 1:
        shutil.copytree(ROOT / "corpus", corpus)
    else:
        write_corpus(corpus, scale, pool=read_pool())
    out: dict[str, Any] = {"scale": scale, "real_vectors": real, "stores": {}}
    for store in STORES:
        env = store_env(work, store)
        full = run_worker("bench_stores", "build", {"embedder": "st" if real else "fake",
                                                    "rebuild": True}, extra_env=env)  # fmt: skip
        noop = run_worker("bench_stores", "build", {}, extra_env=env)
        out["stores"][store] = {"full": full, "noop": noop}
    touch(str(corpus), 0)  # the same change for both stores
    for store in STORES:
        env = store_env(work, store)
        changed = run_worker("bench_stores", "build", {}, extra_env=env)
        serve = run_worker("serve_workers", "serve", {"n_questions": n_questions}, extra_env=env)
        size = dir_mb(work / "index" / "milvus.db") if store == "milvus" else None
        out["stores"][store].update(changed=changed, serve=serve, milvus_mb=size)
    out["faiss_mb"] = dir_mb(work / "index") - (out["stores"]["milvus"]["milvus_mb"] or 0)
    if scale == 1:
        out["parity"] = run_worker("bench_stores", "parity", {}, extra_env=store_env(work, "faiss"))
    return out


def tables(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        for store in STORES:
            s = r["stores"][store]
            steps = s["serve"]["steps_ms"]
            size = s["milvus_mb"] if store == "milvus" else r["faiss_mb"]
            rows.append((
                f"{r['scale']}x", store, s["full"]["chunks"],
                "real" if r["real_vectors"] else "synthetic", s["full"]["build_s"],
                s["full"]["build_s"] - s["full"]["embed_s"] - s["full"]["model_load_s"],
                s["noop"]["process_s"], s["noop"]["build_s"], s["changed"]["process_s"],
                s["changed"]["build_s"] - s["changed"]["embed_s"] - s["changed"]["model_load_s"],
                size, s["serve"]["index_load_s"], steps["retrieve"]["p50"], steps["total"]["p50"],
                steps["total"]["p95"], s["serve"]["peak_rss_mb"],
            ))  # fmt: skip
    headers = ["size", "store", "chunks", "vectors", "full build s", "  of which not embedding s",
               "no-op s (process)", "no-op s (build)", "1 doc changed s",
               "  of which not embedding s", "index MB",
               "store open s", "retrieve p50 ms", "ask p50 ms", "ask p95 ms",
               "serving peak RSS MB"]  # fmt: skip
    parts = [table(headers, rows, 2)]
    for r in results:
        if "parity" in r:
            p = r["parity"]
            parts.append(
                f"Own suite at {r['scale']}x, after the one-document change "
                f"({p['questions']} answerable questions, top 5): "
                f"answer-in-context FAISS {p['answer_in_context']['a']:.1%}, Milvus "
                f"{p['answer_in_context']['b']:.1%}; answer accuracy FAISS {p['accuracy']['a']:.1%}"
                f", Milvus {p['accuracy']['b']:.1%}; top-5 overlap {p['top_k_overlap']:.1%}."
            )
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10,100")
    parser.add_argument("--real-embed-max", type=int, default=10)
    parser.add_argument("--questions", type=int, default=40)
    parser.add_argument("--json", type=Path, default=None, help="Also write the raw figures.")
    parser.add_argument("--tables", type=Path, nargs="*", help="Only print tables of saved runs.")
    args = parser.parse_args()
    if args.tables:
        print(tables([r for path in args.tables for r in json.loads(path.read_text())]))
        return
    results = []
    for scale in (int(s) for s in args.scales.split(",")):
        with Workspace(f"stores{scale}") as ws:
            print(f"  stores: {scale}x ...", flush=True)
            results.append(run_scale(ws.path, scale, scale <= args.real_embed_max, args.questions))
    print(tables(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
