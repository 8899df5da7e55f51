"""The store protocol: what retrieval asks of an index that fuses its own rankings.

Job: name the one method a store other than the embedded FAISS + BM25 index must offer
(``hybrid``: a query vector and text in, chunks fused by reciprocal rank fusion out, each with the
dense and BM25 rank it had), and the ``Ranked`` record it returns. ``retrieve.hybrid.search`` turns
``Ranked`` into ``Hit``s the same way for every store, so the reader, the conversation, the UI and
the evals never see which store answered. A store also offers ``chunks``, ``docs`` and ``bm25``
(term statistics: ``doc_freq``, ``has_prefix``, ``size``) for the answer stage and the documents
list; ``index.StoredIndex`` is the embedded store and fuses in ``retrieve.hybrid``.

Non-job: choosing a store from the settings (``factory``), building one (``build``,
``milvus_build``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..types import Chunk, DocInfo


@dataclass(frozen=True)
class Ranked:
    """One fused result: the chunk, its document, the fused score, and each ranker's
    (rank, score), ``None`` where that ranker did not return the chunk."""

    chunk: Chunk
    doc: DocInfo
    score: float
    dense: tuple[int, float] | None = None
    bm25: tuple[int, float] | None = None


@runtime_checkable
class HybridStore(Protocol):
    """A store that runs dense and BM25 search and fuses them itself (Milvus)."""

    chunks: list[Chunk]
    docs: dict[str, DocInfo]
    bm25: Any
    manifest: dict[str, Any]

    def hybrid(self, vector: np.ndarray, text: str, n: int, rrf_k: int) -> list[Ranked]: ...
