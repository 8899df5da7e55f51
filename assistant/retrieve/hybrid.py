"""Hybrid retrieval: dense (FAISS) and BM25 rankings fused with reciprocal rank fusion.

RRF (Cormack, Clarke & Büttcher 2009, "Reciprocal Rank Fusion outperforms Condorcet and individual
rank learning methods"): score(d) = Σ_r 1 / (k + rank_r(d)), k = 60. It needs no score calibration
between the two rankers, which have incomparable scales. Ties are broken by chunk order, so fusion
is deterministic. The query is expanded with ``lexicon`` (place names, Spanish/German words) for
both rankers. ``HybridRetriever`` is the same search as a LangChain ``BaseRetriever``; the parts
of a multi-part question are searched one by one and their hits interleaved. A
``store.protocol.HybridStore`` (Milvus) runs both rankers and the fusion itself; its results
become ``Hit``s here the same way. This module does not compose answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from ..store.embed import Embedder
from ..store.index import StoredIndex
from ..store.protocol import HybridStore, Ranked
from ..text import tokenize
from ..types import Hit
from .conversation import entities
from .lexicon import expand_query
from .parts import split_parts


def rrf(rankings: list[list[int]], k: int = 60) -> list[tuple[int, float]]:
    """Fuse ranked lists of ids; returns (id, score) best first, ties broken by id."""
    parts: dict[int, list[float]] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            parts.setdefault(item, []).append(1.0 / (k + rank))
    # fsum is exactly rounded, so the score does not depend on the order of the rankings
    scores = {item: math.fsum(values) for item, values in parts.items()}
    return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))


def diversify(
    fused: list[tuple[int, float]],
    doc_of: Callable[[int], str],
    k: int,
    max_per_doc: int | None,
) -> list[tuple[int, float]]:
    """The top ``k``, taking at most ``max_per_doc`` chunks of one document while chunks of other
    documents remain among the fused candidates (so that where documents disagree, both are
    seen); the places left free are filled in rank order."""
    if not max_per_doc:
        return fused[:k]
    chosen: list[tuple[int, float]] = []
    counts: dict[str, int] = {}
    for item in fused[: k * 4]:
        doc = doc_of(item[0])
        if counts.get(doc, 0) < max_per_doc and len(chosen) < k:
            chosen.append(item)
            counts[doc] = counts.get(doc, 0) + 1
    for item in fused:
        if len(chosen) >= k:
            break
        if item not in chosen:
            chosen.append(item)
    return sorted(chosen, key=lambda pair: (-pair[1], pair[0]))


def _fused_here(index: StoredIndex, vector: Any, text: str, n: int, rrf_k: int) -> list[Ranked]:
    """The embedded store's two rankings (FAISS, BM25), fused here by RRF."""
    dense_ids, dense_scores = index.dense_top(vector, n)
    bm25_ids, bm25_scores = index.bm25_top(tokenize(text), n)
    dense = {
        int(i): (r, float(s))
        for r, (i, s) in enumerate(zip(dense_ids, dense_scores, strict=True), 1)
    }
    sparse = {
        int(i): (r, float(s)) for r, (i, s) in enumerate(zip(bm25_ids, bm25_scores, strict=True), 1)
    }
    fused = rrf([[int(i) for i in dense_ids], [int(i) for i in bm25_ids]], k=rrf_k)
    return [
        Ranked(index.chunks[i], index.docs[index.chunks[i].doc_id], score, dense.get(i),
               sparse.get(i))
        for i, score in fused
    ]  # fmt: skip


def search(
    index: StoredIndex | HybridStore,
    embedder: Embedder,
    query: str,
    *,
    k: int = 5,
    candidates: int = 50,
    rrf_k: int = 60,
    max_per_doc: int | None = None,
) -> list[Hit]:
    """The top ``k`` chunks for ``query`` with each ranker's rank and score. The embedded store
    is fused here; a ``HybridStore`` (Milvus) fuses its own rankings."""
    if not query.strip() or (isinstance(index, StoredIndex) and not index.chunks):
        return []
    extra = expand_query(query)
    expanded = f"{query} {extra}".strip()
    vector = embedder.embed([expanded])[0]
    if isinstance(index, StoredIndex):
        ranked = _fused_here(index, vector, expanded, min(candidates, len(index.chunks)), rrf_k)
    else:
        ranked = index.hybrid(vector, expanded, candidates, rrf_k)
    fused = diversify(
        [(i, r.score) for i, r in enumerate(ranked)], lambda i: ranked[i].chunk.doc_id, k,
        max_per_doc,
    )  # fmt: skip
    hits = []
    for rank, (i, score) in enumerate(fused, start=1):
        r = ranked[i]
        hits.append(
            Hit(
                chunk=r.chunk,
                doc=r.doc,
                score=score,
                rank=rank,
                dense_rank=r.dense[0] if r.dense else None,
                dense_score=r.dense[1] if r.dense else None,
                bm25_rank=r.bm25[0] if r.bm25 else None,
                bm25_score=r.bm25[1] if r.bm25 else None,
            )
        )
    return hits


class HybridRetriever(BaseRetriever):
    """LangChain view of our hybrid search; each Document carries its ``Hit`` in metadata."""

    assistant: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [
            LCDocument(page_content=h.chunk.text, metadata={"hit": h, "doc": h.doc.doc_id})
            for h in self.assistant.retrieve(query, self.k)
        ]


def part_queries(query: str) -> list[str]:
    """The parts of a multi-part question, each standing alone: a later part ("and which
    committees does it have?") also names the first part's subject."""
    parts = split_parts(query)
    subject = " ".join(entities(parts[0])[:1]) if len(parts) > 1 else ""
    return [f"{p} ({subject})" if i and subject else p for i, p in enumerate(parts)]


def interleave(lists: list[list[Hit]], limit: int) -> list[Hit]:
    """The hits of several searches (one per part of a question), taking each list's first,
    then each one's second, ...; each chunk once, at most ``limit``."""
    if len(lists) == 1:
        return lists[0]
    seen: set[str] = set()
    hits: list[Hit] = []
    for group in zip(*lists, strict=False):
        for hit in group:
            if hit.chunk.id not in seen and len(hits) < limit:
                seen.add(hit.chunk.id)
                hits.append(hit)
    return hits
