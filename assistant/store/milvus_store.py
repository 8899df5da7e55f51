"""The Milvus store: hybrid search of the dense and BM25 requests, fused by Milvus's RRFRanker.

Job: answer ``hybrid(vector, text, n, rrf_k)`` for ``retrieve.hybrid.search`` with one
``hybrid_search`` (dense and BM25 ``AnnSearchRequest``s, ``RRFRanker(rrf_k)``, grouped by
chunk so a table's views count once), plus the two single searches that give each hit its dense
and BM25 rank for the debug view (the three requests run at the same time). Only rows of a
document's committed version count (``<name>_docs``): a build in progress, or one killed
halfway, never shows a document twice or half. The documents table is small and cached; a row of
an unknown version makes the store re-read it (at most once a second), so replicas pick up a
writer's changes without being told.

Milvus fuses per view, then groups: a table whose best dense view and best BM25 view differ
scores as its better view, where the FAISS store adds both (``retrieve.hybrid.rrf`` over chunks).

``chunks``, ``docs`` and ``bm25`` (term statistics) are read on first use: today's answer stage
wants corpus-wide document frequencies and every chunk's text (acronyms), which costs one scan of
the collection per process; search itself needs neither. Non-job: building (``milvus_build``).
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property
from typing import Any

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..text import tokenize
from ..types import Chunk, DocInfo
from .bm25 import BM25
from .milvus_schema import (
    DOC_FIELDS,
    FORMAT,
    QUERY_WINDOW,
    SETTINGS_ROW,
    VIEW_FIELDS,
    decode_terms,
    encode_terms,
    failures,
    quote,
)
from .milvus_schema import unavailable as _unavailable
from .protocol import Ranked

REFRESH_S = 1.0  # at most one re-read of the documents table a second
DEPTH = 2  # views per sub-request: twice the chunks wanted, as the FAISS store reads
RANK_FIELDS = ["chunk_id", "doc_id", "doc_hash"]
HINT = "Run `assistant index` (with the same ASSISTANT_STORE and ASSISTANT_MILVUS_URI) first."


def read_docs(client: Any, name: str) -> dict[str, dict[str, Any]]:
    """Every row of ``<name>_docs`` by doc_id (the settings row included). One query up to
    ``QUERY_WINDOW`` documents; an iterator beyond (Milvus Lite logs errors for iterators)."""
    collection, where = f"{name}_docs", 'doc_id != ""'
    rows = client.query(
        collection,
        filter=where,
        output_fields=DOC_FIELDS,
        limit=QUERY_WINDOW,
        consistency_level="Strong",
    )
    if len(rows) >= QUERY_WINDOW:
        iterator = client.query_iterator(
            collection, batch_size=4000, filter=where, output_fields=DOC_FIELDS
        )
        rows = []
        try:
            while batch := iterator.next():
                rows.extend(batch)
        finally:
            iterator.close()
    return {r["doc_id"]: r for r in rows}


def _info(row: dict[str, Any]) -> dict[str, Any]:
    info = row["info"]
    return json.loads(info) if isinstance(info, str) else dict(info)


def _chunk(entity: dict[str, Any]) -> Chunk:
    page = int(entity["page"])
    return Chunk(
        id=entity["chunk_id"],
        doc_id=entity["doc_id"],
        text=entity["body"],
        section=entity["section"],
        page=page if page >= 0 else None,
        start=int(entity["start"]),
        end=int(entity["end"]),
        kind=entity["kind"],
    )


class MilvusStore:
    """A ``protocol.HybridStore`` over ``<name>_views`` and ``<name>_docs``."""

    def __init__(self, client: Any, name: str, uri: str, model_id: str | None = None) -> None:
        self.client, self.name, self.uri = client, name, uri
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="milvus")
        self._read_at = 0.0
        try:
            names = set(client.list_collections())
            if not {f"{name}_views", f"{name}_docs"} <= names:
                raise IndexMissingError(f"No Milvus collection {name!r} at {uri}. {HINT}")
            for collection in (f"{name}_views", f"{name}_docs"):
                client.load_collection(collection)
            self._refresh(force=True)
        except failures() as exc:
            raise _unavailable(uri, exc) from exc
        built = self.manifest.get("embedding_model")
        if model_id and built != model_id:
            raise IndexMismatchError(
                f"The Milvus collection {name!r} at {uri} was built with {built!r}, not "
                f"{model_id!r}. Run `assistant index --rebuild`."
            )

    # -- the documents table ------------------------------------------------------------------
    def _refresh(self, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._read_at < REFRESH_S:
                return
            rows = read_docs(self.client, self.name)
            self._read_at = time.monotonic()
            settings = rows.pop(SETTINGS_ROW, None)
            if settings is None:
                raise IndexMissingError(f"The Milvus collection {self.name!r} is empty. {HINT}")
            if _info(settings).get("format") != FORMAT:
                raise IndexMismatchError(
                    f"The Milvus collection {self.name!r} at {self.uri} is from another version "
                    "of the assistant. Run `assistant index` to rebuild it."
                )
            committed = {d: r for d, r in rows.items() if r["hash"]}
            self.hashes = {d: r["hash"] for d, r in committed.items()}
            self.docs = {d: DocInfo(**_info(r)) for d, r in committed.items()}
            self.counts = {d: int(r["chunks"]) for d, r in committed.items()}
            self.views = {d: int(r["views"]) for d, r in committed.items()}
            self.manifest = {
                **_info(settings),
                "store": "milvus",
                "faiss": "milvus",
                "chunks": sum(self.counts.values()),
            }

    def _committed(self, entity: dict[str, Any]) -> bool:
        doc, digest = entity["doc_id"], entity["doc_hash"]
        if self.hashes.get(doc) != digest:
            self._refresh()  # a writer may have committed a new version since we last read
        return self.hashes.get(doc) == digest

    # -- search -------------------------------------------------------------------------------
    def hybrid(self, vector: np.ndarray, text: str, n: int, rrf_k: int) -> list[Ranked]:
        from pymilvus import AnnSearchRequest, RRFRanker

        views = f"{self.name}_views"
        terms = encode_terms(list(dict.fromkeys(tokenize(text))))  # each term once, as BM25.scores
        dense_q = [np.asarray(vector, dtype=np.float32).tolist()]
        requests = [AnnSearchRequest(data=dense_q, anns_field="dense", param={}, limit=DEPTH * n)]
        if terms:
            requests.append(
                AnnSearchRequest(data=[terms], anns_field="sparse", param={}, limit=DEPTH * n)
            )
        common = {"limit": DEPTH * n, "group_by_field": "chunk_id", "consistency_level": "Bounded"}
        try:
            fused = self._pool.submit(
                self.client.hybrid_search,
                views,
                requests,
                ranker=RRFRanker(rrf_k),
                output_fields=VIEW_FIELDS,
                **common,
            )
            dense = self._pool.submit(
                self.client.search,
                views,
                data=dense_q,
                anns_field="dense",
                output_fields=RANK_FIELDS,
                **common,
            )
            sparse = (
                self._pool.submit(
                    self.client.search,
                    views,
                    data=[terms],
                    anns_field="sparse",
                    output_fields=RANK_FIELDS,
                    **common,
                )
                if terms
                else None
            )
            results = fused.result()[0]
            dense_ranks = self._ranks(dense.result()[0])
            bm25_ranks = self._ranks(sparse.result()[0]) if sparse else {}
        except failures() as exc:  # the server went away, or refused
            raise _unavailable(self.uri, exc) from exc
        out: list[Ranked] = []
        for hit in results:
            entity = hit["entity"]
            if not self._committed(entity) or len(out) == n:
                continue
            out.append(
                Ranked(
                    _chunk(entity),
                    self.docs[entity["doc_id"]],
                    float(hit["distance"]),
                    dense_ranks.get(entity["chunk_id"]),
                    bm25_ranks.get(entity["chunk_id"]),
                )
            )
        return out

    def _ranks(self, results: Any) -> dict[str, tuple[int, float]]:
        """chunk_id -> (1-based rank among committed rows, score) of one ranker's results.
        Milvus Lite reports BM25 scores negated; the magnitude is the BM25 score."""
        ranks: dict[str, tuple[int, float]] = {}
        for hit in results:
            if self._committed(hit["entity"]):
                ranks[hit["entity"]["chunk_id"]] = (len(ranks) + 1, abs(float(hit["distance"])))
        return ranks

    # -- what the answer stage and the documents list read --------------------------------------
    def scan(self, fields: list[str]) -> list[dict[str, Any]]:
        """Every committed row of ``<name>_views`` (the given fields), by (doc_id, seq, view):
        one query per group of documents holding at most half ``QUERY_WINDOW`` committed rows
        (the other half leaves room for rows of a version being written)."""
        groups: list[list[str]] = [[]]
        size = 0
        for doc_id in sorted(self.hashes):
            if groups[-1] and size + self.views[doc_id] > QUERY_WINDOW // 2:
                groups.append([])
                size = 0
            groups[-1].append(doc_id)
            size += self.views[doc_id]
        rows: list[dict[str, Any]] = []
        for group in (g for g in groups if g):
            where = f"doc_id in [{', '.join(quote(d) for d in group)}]"
            found = self.client.query(
                f"{self.name}_views",
                filter=where,
                limit=QUERY_WINDOW,
                output_fields=["doc_id", "doc_hash", "seq", "view", *fields],
            )
            rows += [r for r in found if self.hashes[r["doc_id"]] == r["doc_hash"]]
        return sorted(rows, key=lambda r: (r["doc_id"], r["seq"], r["view"]))

    @cached_property
    def _rows(self) -> list[dict[str, Any]]:
        return self.scan([f for f in VIEW_FIELDS if f not in ("doc_id", "doc_hash")] + ["terms"])

    @cached_property
    def chunks(self) -> list[Chunk]:
        return [_chunk(r) for r in self._rows if r["view"] == 0]

    @cached_property
    def bm25(self) -> BM25:
        """Term statistics of the indexed views, as the FAISS store's BM25 holds them."""
        return BM25.build([decode_terms(r["terms"]) for r in self._rows])

    def close(self) -> None:
        self._pool.shutdown(wait=False)
