"""The trained reader's cost and the first pass's cut: what reading K candidates costs and finds.

For the first-turn questions of the own eval suite, retrieval runs once (top 5 passages); then
the extractive reader ranks the candidates reading the K best of the idf-overlap first pass
(K = 4 … 24, and every candidate), with several forward-pass batch sizes. Printed per setting:
the median and p95 of the per-question time, the cost per candidate read, the ratio to the query
embedding (the baseline, timed in the same process), and for answerable questions how often a
candidate read holds the gold answer (recall of the cut) and how often the best-ranked one does
(P@1). BLAS: one thread, as the reader runs in the app.

    python bench/bench_reader.py [--questions 60]
"""

from __future__ import annotations

import argparse
import statistics
import time

from assistant.config import Settings
from assistant.evals.metrics import answer_matches
from assistant.evals.suites import load_questions
from assistant.pipeline import Assistant
from assistant.read.extractive import ExtractiveReader


def _row(cells: list[object]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--questions", type=int, default=60)
    args = p.parse_args()
    assistant = Assistant.load(Settings(), build_if_missing=True)
    questions = [q for q in load_questions() if not q.history][: args.questions]
    hits = [assistant.retrieve(q.question, 5) for q in questions]
    embed_ms = []
    for q in questions:
        t = time.perf_counter()
        assistant.embedder.embed([q.question])
        embed_ms.append((time.perf_counter() - t) * 1000)
    base = statistics.median(embed_ms)
    reader = ExtractiveReader().load()
    reader.idf = assistant.reader_idf()
    print(f"query embedding (baseline): p50 {base:.1f} ms; {len(questions)} questions")
    print(_row(["candidates read (K)", "batch", "p50 ms", "p95 ms", "ms / candidate",
                "x embedding", "recall of the cut", "P@1"]))  # fmt: skip
    print(_row(["---:"] * 8))
    settings = [(k, 16) for k in (4, 8, 12, 16, 24, 1000)] + [(12, b) for b in (4, 8, 32)]
    for budget, batch in settings:
        reader.budget, reader.batch = budget, batch
        reader.rank(questions[0].question, hits[0])  # warm
        times, read, found, first, answerable = [], 0, 0, 0, 0
        for q, h in zip(questions, hits, strict=True):
            t = time.perf_counter()
            ranked, _ = reader.rank(q.question, h)
            times.append((time.perf_counter() - t) * 1000)
            read += len(ranked)
            if q.answerable:
                answerable += 1
                texts = [c.text for c in ranked]
                found += any(answer_matches(q.answers, q.match, t) for t in texts)
                first += bool(texts) and answer_matches(q.answers, q.match, texts[0])
        times.sort()
        p50, p95 = statistics.median(times), times[int(0.95 * (len(times) - 1))]
        label = "all" if budget >= 1000 else budget
        print(_row([label, batch, f"{p50:.0f}", f"{p95:.0f}", f"{sum(times) / max(read, 1):.1f}",
                    f"{p50 / base:.1f}", f"{found / max(answerable, 1):.3f}",
                    f"{first / max(answerable, 1):.3f}"]))  # fmt: skip


if __name__ == "__main__":
    main()
