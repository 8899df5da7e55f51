"""The trained reader's cost: per passage and per candidate, by batch size and passages read.

For the first-turn questions of the own eval suite, retrieval runs once; then the reader scores
the top 1..5 passages with batch sizes 1, 4 and 8, each setting repeated, and the median of the
per-question times is printed beside the per-candidate cost and the query embedding (the
baseline, in the same process). BLAS threads: numpy's default and 1.

    python bench/bench_reader.py [--questions 40]
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.config import Settings
from assistant.evals.suites import load_questions
from assistant.pipeline import Assistant
from assistant.read.candidates import passages
from assistant.read.model import Reader


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--questions", type=int, default=40)
    args = p.parse_args()
    assistant = Assistant.load(Settings(), build_if_missing=True)
    questions = [q.question for q in load_questions() if not q.history][: args.questions]
    found = [passages(assistant.retrieve(q, 5)) for q in questions]
    embed_ms = []
    for q in questions:
        t = time.perf_counter()
        assistant.embedder.embed([q])
        embed_ms.append((time.perf_counter() - t) * 1000)
    base = statistics.median(embed_ms)
    print(f"query embedding (baseline): p50 {base:.1f} ms")
    print("| BLAS threads | passages | batch | p50 ms | p95 ms | ms / candidate | x embedding |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for threads in (None, 1):
        reader = Reader(blas_threads=threads).load()
        reader.score(questions[0], found[0])  # warm
        for n in (1, 3, 5):
            for batch in (1, 4, 8):
                times, spans = [], 0
                for q, ps in zip(questions, found, strict=True):
                    t = time.perf_counter()
                    reader.score(q, ps[:n], batch=batch)
                    times.append((time.perf_counter() - t) * 1000)
                    spans += sum(len(x.spans) for x in ps[:n])
                times.sort()
                p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
                per = sum(times) / max(spans, 1)
                label = "default" if threads is None else str(threads)
                print(f"| {label} | {n} | {batch} | {p50:.0f} | {p95:.0f} | {per:.1f} | "
                      f"{p50 / base:.1f} |")  # fmt: skip


if __name__ == "__main__":
    main()
