"""Retrieval ablation: chunk size, each ranker alone, and the plain LangChain recipe.

On every answerable question of evals/questions.jsonl (a follow-up is searched as its history's
last user turn followed by the question), measures over the top 5 chunks:

- answer-in-context@5: a gold answer occurs in the top-5 texts (whole word, accent/case-insensitive,
  numbers normalised: ``assistant.evals.metrics.context_rank``),
- source recall@5: a top-5 chunk comes from a gold source document,
- MRR@5: mean reciprocal rank of the first chunk holding the answer.

Variants: hybrid (dense + BM25, RRF) with chunk sizes 500, 900 and 1400 (overlap 1 sentence);
dense only and BM25 only on the 900 index (same lexicon-expanded query as the hybrid); and the
LangChain baseline (``assistant.evals.baseline``: RecursiveCharacterTextSplitter 1000/200 over the
raw files, same embedding model, exact FAISS). Each index is built from scratch in a temporary
folder with the packaged all-MiniLM-L6-v2, so "build s" includes embedding.

    .venv/bin/python bench/retrieval_ablation.py          # prints a Markdown table

It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.config import Settings  # noqa: E402
from assistant.evals.baseline import run_baseline  # noqa: E402
from assistant.evals.command import QUESTIONS, load_questions  # noqa: E402
from assistant.evals.metrics import (  # noqa: E402
    Question,
    context_rank,
    retrieval_metrics,
    source_rank,
)
from assistant.ingest.chunk import ChunkSettings  # noqa: E402
from assistant.retrieve.hybrid import search  # noqa: E402
from assistant.retrieve.lexicon import expand_query  # noqa: E402
from assistant.store.build import build_index  # noqa: E402 - after the path setup above
from assistant.store.embed import Embedder, SentenceTransformerEmbedder  # noqa: E402
from assistant.store.index import StoredIndex, load_index  # noqa: E402
from assistant.text import tokenize  # noqa: E402

K = 5
Ranker = Callable[[StoredIndex, str], list[int]]  # chunk indices, best first


def search_query(q: Question) -> str:
    """What is searched: the question, preceded by the last user turn for a follow-up."""
    users = [turn["content"] for turn in q.history if turn.get("role") == "user"]
    return f"{users[-1]} {q.question}" if users else q.question


def hybrid(embedder: Embedder, settings: Settings) -> Ranker:
    def rank(index: StoredIndex, query: str) -> list[int]:
        hits = search(
            index,
            embedder,
            query,
            k=K,
            candidates=settings.candidates,
            rrf_k=settings.rrf_k,
            max_per_doc=settings.max_per_doc,
        )
        return [index.chunks.index(h.chunk) for h in hits]

    return rank


def dense_only(embedder: Embedder) -> Ranker:
    def rank(index: StoredIndex, query: str) -> list[int]:
        expanded = f"{query} {expand_query(query)}".strip()
        ids, _ = index.dense_top(embedder.embed([expanded])[0], K)
        return [int(i) for i in ids]

    return rank


def bm25_only(index: StoredIndex, query: str) -> list[int]:
    expanded = f"{query} {expand_query(query)}".strip()
    ids, _ = index.bm25_top(tokenize(expanded), K)
    return [int(i) for i in ids]


def measure(
    index: StoredIndex, questions: list[Question], ranker: Ranker
) -> dict[str, float | None]:
    ranks = []
    for q in questions:
        top = [index.chunks[i] for i in ranker(index, search_query(q))]
        ranks.append(
            (
                context_rank(q.answers, q.match, [c.text for c in top]),
                source_rank(q.sources, [c.doc_id for c in top]),
            )
        )
    return retrieval_metrics(ranks, K)


def row(name: str, chunks: int, seconds: float, metrics: dict[str, float | None]) -> str:
    """One table row; a metric that could not be measured (no questions) shows as "n/a"."""

    def fmt(key: str, spec: str) -> str:
        value = metrics.get(key)
        return "n/a" if value is None else format(value, spec)

    return (
        f"| {name} | {chunks} | {seconds:.1f} | {fmt('answer_in_context', '.1%')} "
        f"| {fmt('source_recall', '.1%')} | {fmt('mrr', '.3f')} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 900, 1400])
    args = parser.parse_args()

    settings = Settings()
    questions = [q for q in load_questions(args.questions) if q.answerable]
    embedder = SentenceTransformerEmbedder()
    embedder.embed(["warm-up"])  # model load is not part of any build time
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            index_dir = Path(tmp) / f"index-{size}"
            chunking = ChunkSettings(size=size, overlap=1)
            report = build_index(settings.corpus_dir, index_dir, embedder, chunk_settings=chunking)
            index = load_index(index_dir)
            rankers: list[tuple[str, Ranker]] = [
                (f"hybrid, chunk {size}", hybrid(embedder, settings))
            ]
            if size == 900:
                rankers += [
                    ("dense only, chunk 900", dense_only(embedder)),
                    ("BM25 only, chunk 900", bm25_only),
                ]
            for name, ranker in rankers:
                metrics = measure(index, questions, ranker)
                rows.append(row(name, report.chunks, report.seconds, metrics))
    # the plain recipe, searched with the same query text (it has no conversation handling)
    asked = [dataclasses.replace(q, question=search_query(q)) for q in questions]
    started = time.perf_counter()
    baseline, _ = run_baseline(settings, asked, K, embedder=embedder)
    seconds = time.perf_counter() - started
    rows.append(
        row("LangChain baseline (1000/200, FAISS)", int(baseline["chunks"]), seconds, baseline)
    )

    print(f"Retrieval ablation: {len(questions)} answerable questions, top {K}.\n")
    print("| variant | chunks | build s | answer-in-context@5 | source recall@5 | MRR@5 |")
    print("|---|---:|---:|---:|---:|---:|")
    print("\n".join(rows))
    print(
        "\nbuild s: cleaning, chunking and embedding the corpus from scratch (the baseline figure "
        "also includes splitting and embedding the questions)."
    )


if __name__ == "__main__":
    main()
