"""Index benchmarks on the real corpus: full build, no-op rebuild, one-document-changed rebuild.

Works on a copy of corpus/ with its own index (never the repository's index/). Every run is a
fresh process: the full build and the one-changed rebuild through the instrumented worker
(``build_workers.build``: per-stage seconds, chunks per second embedded, peak RSS), the no-op
rebuild through the real ``assistant index`` command (what a user waits for). Prints medians.

    python bench/bench_index.py [--noop-runs 5] [--changed-runs 3]
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from build_workers import touch
from common import Workspace, index_env, p50_p95, run_cli, run_worker, table


def run(work: Path, *, full_runs: int = 1, noop_runs: int = 5, changed_runs: int = 3) -> dict:
    """Benchmarks on ``work/corpus`` (already copied) into ``work/index``."""
    args = {"corpus_dir": str(work / "corpus"), "index_dir": str(work / "index")}
    full = [
        run_worker("build_workers", "build", {**args, "rebuild": True}) for _ in range(full_runs)
    ]
    noop_worker = run_worker("build_workers", "build", args)
    noop_cli = [run_cli(["index"], index_env(work)) for _ in range(noop_runs)]
    changed = []
    for number in range(changed_runs):
        touch(args["corpus_dir"], number)
        changed.append(run_worker("build_workers", "build", args))
    return {"full": full, "noop_worker": noop_worker, "noop_cli_s": noop_cli, "changed": changed}


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)


def _stage(runs: list[dict[str, Any]], stage: str) -> float:
    return statistics.median(float(r["stages"][stage]) for r in runs)


def tables(results: dict) -> str:
    full, changed, noop = results["full"], results["changed"], results["noop_worker"]
    embed = _stage(full, "embed")
    views = full[0]["embedded_views"]
    noop_p50, noop_p95 = p50_p95(results["noop_cli_s"])
    rows = [
        ("full build", len(full), _median(full, "process_s"), _median(full, "build_s"),
         full[0]["embedded_chunks"], full[0]["embedded_chunks"] / embed, views / embed,
         _median(full, "peak_rss_mb")),
        ("no-op rebuild (`assistant index`)", len(results["noop_cli_s"]), noop_p50,
         noop["build_s"], 0, float("nan"), float("nan"), noop["peak_rss_mb"]),
        ("one document changed", len(changed), _median(changed, "process_s"),
         _median(changed, "build_s"), changed[0]["embedded_chunks"],
         float("nan"), float("nan"), _median(changed, "peak_rss_mb")),
    ]  # fmt: skip
    headers = ["operation", "runs", "process s (p50)", "build_index s (p50)", "chunks embedded",
               "chunks/s embedded", "views/s embedded", "peak RSS MB"]  # fmt: skip
    stage_rows = [
        (name, *(_stage(runs, s) for s in ("model_load", "chunk", "embed", "tokenize", "bm25",
                                           "faiss", "write", "read_old", "other")))
        for name, runs in (("full build", full), ("one document changed", changed))
    ]  # fmt: skip
    stage_headers = ["seconds in", "model load", "load+clean+chunk", "embed", "tokenize",
                     "BM25", "FAISS", "write", "read old index", "other"]  # fmt: skip
    return "\n\n".join(
        [
            f"### Index build ({full[0]['chunks']} chunks, {views} indexed views; fresh "
            f"process each run; no-op p95 {noop_p95:.2f} s)",
            table(headers, rows, 2),
            "Where the build time goes (medians, seconds):",
            table(stage_headers, stage_rows, 3),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--full-runs", type=int, default=1)
    parser.add_argument("--noop-runs", type=int, default=5)
    parser.add_argument("--changed-runs", type=int, default=3)
    args = parser.parse_args()
    with Workspace("index") as ws:
        ws.copy_corpus()
        results = run(ws.path, full_runs=args.full_runs, noop_runs=args.noop_runs,
                      changed_runs=args.changed_runs)  # fmt: skip
    print(tables(results))


if __name__ == "__main__":
    main()
