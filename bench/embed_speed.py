"""Query-embedding speed: the plain-numpy embedder against sentence-transformers (torch).

Each measurement runs in a fresh Python process (so imports and weight loads are cold in-process;
the OS file cache is warm after the first run), three times; the figures are medians.

    python bench/embed_speed.py            # prints a table
    python bench/embed_speed.py --runs 5

Reports import time, first-call latency (tokenizer + weights load + one embed), and the median
time to embed one 12-word query over 50 calls. It measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.store.embed import Embedder

ROOT = Path(__file__).resolve().parents[1]
QUERY = "Which aerospace companies in Querétaro employ the most people in the region?"
QUERY_CALLS = 50
KINDS = ("numpy", "numpy-blas-default", "sentence-transformers")


def _worker(kind: str) -> dict[str, float]:
    """Runs in the child process: import, first call, then QUERY_CALLS timed calls."""
    embedder: Embedder
    start = time.perf_counter()
    if kind == "sentence-transformers":
        import sentence_transformers  # noqa: F401  (the import is what is timed)

        import_s = time.perf_counter() - start
        package_s = 0.0
        from assistant.store.embed import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder()
    else:
        import assistant  # noqa: F401  (the package __init__ is part of the cold start)

        package_s = time.perf_counter() - start
        from assistant.store.embed_numpy import NumpyEmbedder

        import_s = time.perf_counter() - start
        embedder = NumpyEmbedder(blas_threads=1 if kind == "numpy" else None)
    start = time.perf_counter()
    embedder.embed([QUERY])
    first_s = time.perf_counter() - start
    timings = []
    for _ in range(QUERY_CALLS):
        start = time.perf_counter()
        embedder.embed([QUERY])
        timings.append(time.perf_counter() - start)
    return {
        "import_s": import_s,
        "package_s": package_s,
        "first_call_s": first_s,
        "query_ms": statistics.median(timings) * 1000,
        "torch_loaded": float("torch" in sys.modules),
    }


def _run(kind: str) -> dict[str, float]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [sys.executable, __file__, "--worker", kind],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per embedder")
    parser.add_argument("--worker", choices=KINDS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.worker)))
        return
    words = len(QUERY.split())
    print(f"query ({words} words): {QUERY!r}; {args.runs} fresh processes each, medians")
    medians: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        runs = [_run(kind) for _ in range(args.runs)]
        medians[kind] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    header = f"{'embedder':<24}{'import s':>10}{'first call s':>14}{'query ms':>10}{'torch?':>8}"
    print(header)
    for kind, m in medians.items():
        torch = "yes" if m["torch_loaded"] else "no"
        print(
            f"{kind:<24}{m['import_s']:>10.3f}{m['first_call_s']:>14.3f}"
            f"{m['query_ms']:>10.2f}{torch:>8}"
        )
    numpy, st = medians["numpy"], medians["sentence-transformers"]
    print(f"numpy import includes {numpy['package_s']:.3f} s for the `assistant` package __init__")
    cold_numpy = numpy["import_s"] + numpy["first_call_s"]
    cold_st = st["import_s"] + st["first_call_s"]
    print(
        f"ratio sentence-transformers / numpy: import {st['import_s'] / numpy['import_s']:.1f}x, "
        f"first call {st['first_call_s'] / numpy['first_call_s']:.1f}x, "
        f"query {st['query_ms'] / numpy['query_ms']:.1f}x, "
        f"import + first call {cold_st:.2f} s vs {cold_numpy:.2f} s ({cold_st / cold_numpy:.1f}x)"
    )


if __name__ == "__main__":
    main()
