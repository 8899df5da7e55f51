"""The persisted index: FAISS (dense, inner product on normalised vectors) + BM25 + manifest.

Layout under ``index/``::

    manifest.json        what was built, with which model and chunking, a content hash per document,
                         and which data folder holds it. Replacing this file is the commit point.
    data-<id>/           chunks.jsonl, vectors.npy, views.npy, faiss.index, bm25.npz
                         (vectors, FAISS and BM25 rows are views; views.npy maps them to chunks)

A build writes a fresh ``data-<id>/`` folder, fsyncs it, then atomically replaces ``manifest.json``
(temp file + ``os.replace``). A build killed at any moment leaves the old manifest pointing at the
old, complete folder; stale folders are removed by the next successful build. Loading checks the
manifest and every file, and any problem raises ``IndexMismatchError`` naming the fix.
This module does not read the corpus (see ``build``).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zipfile import BadZipFile

import numpy as np

from ..errors import IndexMismatchError, IndexMissingError
from ..types import Chunk, DocInfo
from .bm25 import BM25

FORMAT = 2
MANIFEST = "manifest.json"
REBUILD_HINT = "Run `assistant index --rebuild` to rebuild it."


def doc_context(doc: DocInfo) -> str:
    """Who published a document and what it is called: searchable with every chunk."""
    return " ".join(x for x in (doc.title, doc.publisher, doc.author) if x)


VIEW_CHARS = 1000  # longer chunks (big tables) are indexed as several windows ("views")


def index_views(chunk: Chunk, doc: DocInfo) -> list[str]:
    """What is embedded and BM25-indexed for a chunk, with its title and section for context.

    A chunk longer than ``VIEW_CHARS`` stays one chunk (a table is answered whole) but is indexed
    as several line-aligned windows, each repeating the first line (a table's caption): the dense
    model reads only 256 tokens, and BM25 would otherwise drown a table row in a long document."""
    head = f"{doc_context(doc)}\n{chunk.section}\n"
    if len(chunk.text) <= VIEW_CHARS:
        return [head + chunk.text]
    lines = chunk.text.split("\n")
    caption, views, window = lines[0], [], ""
    for line in lines[1:]:
        if window and len(window) + len(line) > VIEW_CHARS:
            views.append(f"{head}{caption}\n{window}")
            window = ""
        window = f"{window}\n{line}" if window else line
    if window:
        views.append(f"{head}{caption}\n{window}")
    return views or [head + chunk.text]  # one long line: a single view, never none


def make_faiss(vectors: np.ndarray, hnsw_threshold: int) -> Any:
    """Exact inner-product search up to ``hnsw_threshold`` vectors, HNSW beyond.

    Measured on 2 cores (bench/RESULTS.md, bench/bench_faiss.py): exact search costs ~0.065 µs
    per vector per query on one thread, ~10 ms at 150k vectors, about what embedding the query
    costs (2-3x that when FAISS's second OpenMP thread waits for a busy core); HNSW answers in
    ~1 ms but finds fewer of the true neighbours, and its build (~20-60 s at 150k) is paid again
    on every re-index. efSearch 512 (saved in the index file): recall@10 0.90 against
    exact search at 151k vectors vs 0.75 with 128, for ~1 ms a query."""
    import faiss

    dim = vectors.shape[1] if vectors.ndim == 2 and vectors.shape[1] else 1
    index: Any
    if len(vectors) > hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = 512
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


@dataclass
class StoredIndex:
    """Everything retrieval needs, in memory."""

    chunks: list[Chunk]
    vectors: np.ndarray  # one row per view
    view_chunk: np.ndarray  # view row -> chunk index
    faiss_index: Any
    bm25: BM25  # one document per view
    docs: dict[str, DocInfo]
    manifest: dict[str, Any] = field(default_factory=dict)

    def _by_chunk(self, views: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
        """Best view per chunk, in rank order, at most ``n`` chunks."""
        seen: dict[int, float] = {}
        for view, score in zip(views.tolist(), scores.tolist(), strict=True):
            chunk = int(self.view_chunk[view])
            if chunk not in seen:
                seen[chunk] = score
                if len(seen) == n:
                    break
        return np.fromiter(seen, dtype=np.int64), np.fromiter(seen.values(), dtype=np.float32)

    def dense_top(self, query: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
        if not self.chunks:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        wanted = min(len(self.view_chunk), n * 2)
        scores, ids = self.faiss_index.search(query.reshape(1, -1).astype(np.float32), wanted)
        keep = ids[0] >= 0
        return self._by_chunk(ids[0][keep], scores[0][keep], n)

    def bm25_top(self, tokens: list[str], n: int) -> tuple[np.ndarray, ...]:
        views, scores = self.bm25.top(tokens, min(len(self.view_chunk), n * 2))
        return self._by_chunk(views, scores, n)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def atomic_write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    _write_bytes(tmp, json.dumps(data, indent=1, ensure_ascii=False).encode("utf-8"))
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    path = index_dir / MANIFEST
    if not path.exists():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IndexMismatchError(f"{path} is corrupt ({exc}). {REBUILD_HINT}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise IndexMismatchError(
            f"{path} is from another version of the assistant (format "
            f"{manifest.get('format') if isinstance(manifest, dict) else '?'}, expected {FORMAT}). "
            f"{REBUILD_HINT}"
        )
    return manifest


def save_index(index_dir: Path, index: StoredIndex, manifest: dict[str, Any]) -> None:
    """Write a new data folder, then switch the manifest to it (atomic), then tidy old folders."""
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    name = f"data-{os.urandom(6).hex()}"
    tmp = index_dir / f".{name}.tmp"
    tmp.mkdir()
    lines = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in index.chunks)
    _write_bytes(tmp / "chunks.jsonl", lines.encode("utf-8"))
    for filename, array in (("vectors.npy", index.vectors.astype(np.float32)),
                            ("views.npy", index.view_chunk.astype(np.int32))):  # fmt: skip
        with open(tmp / filename, "wb") as fh:
            np.save(fh, array)
            fh.flush()
            os.fsync(fh.fileno())
    faiss.write_index(index.faiss_index, str(tmp / "faiss.index"))
    with open(tmp / "bm25.npz", "wb") as fh:
        np.savez(fh, **index.bm25.to_arrays())  # type: ignore[arg-type]
        fh.flush()
        os.fsync(fh.fileno())
    _fsync_dir(tmp)
    os.replace(tmp, index_dir / name)
    _fsync_dir(index_dir)
    atomic_write_json(index_dir / MANIFEST, {**manifest, "data": name})
    tidy(index_dir, keep=name)
    index.manifest = {**manifest, "data": name}


def tidy(index_dir: Path, keep: str) -> None:
    """Remove data folders other than ``keep`` and temporary files left by killed builds."""
    for old in index_dir.iterdir():
        if old.name != keep and old.is_dir() and old.name.lstrip(".").startswith("data-"):
            shutil.rmtree(old, ignore_errors=True)
        elif old.name.startswith(f".{MANIFEST}.") and old.name.endswith(".tmp"):
            old.unlink(missing_ok=True)


def load_index(index_dir: Path, model_id: str | None = None) -> StoredIndex:
    """The index on disk, checked; raises IndexMissingError or IndexMismatchError with the fix."""
    import faiss

    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexMissingError(f"No index in {index_dir}. Run `assistant index` first.")
    if model_id and manifest.get("embedding_model") != model_id:
        raise IndexMismatchError(
            f"The index in {index_dir} was built with {manifest.get('embedding_model')!r}, "
            f"not {model_id!r}. {REBUILD_HINT}"
        )
    data = index_dir / str(manifest.get("data", ""))
    try:
        with open(data / "chunks.jsonl", encoding="utf-8") as fh:
            chunks = [Chunk.from_dict(json.loads(line)) for line in fh if line.strip()]
        vectors = np.load(data / "vectors.npy", allow_pickle=False)
        view_chunk = np.load(data / "views.npy", allow_pickle=False)
        faiss_index = faiss.read_index(str(data / "faiss.index"))
        with np.load(data / "bm25.npz", allow_pickle=False) as arrays:
            bm25 = BM25.from_arrays(dict(arrays))
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, EOFError, BadZipFile) as exc:
        raise IndexMismatchError(
            f"The index in {index_dir} is damaged ({type(exc).__name__}: {exc}). {REBUILD_HINT}"
        ) from exc
    sizes = {len(view_chunk), len(vectors), faiss_index.ntotal, bm25.size}
    in_range = not len(view_chunk) or int(view_chunk.max()) < len(chunks)
    if len(sizes) != 1 or len(chunks) != manifest.get("chunks") or not in_range:
        raise IndexMismatchError(f"The index in {index_dir} is inconsistent. {REBUILD_HINT}")
    try:  # a manifest written by another version may describe documents differently
        docs = {
            doc_id: DocInfo(**entry["info"])
            for doc_id, entry in manifest.get("documents", {}).items()
        }
    except (AttributeError, KeyError, TypeError) as exc:
        raise IndexMismatchError(
            f"The index in {index_dir} describes its documents in another format "
            f"({type(exc).__name__}: {exc}). {REBUILD_HINT}"
        ) from exc
    return StoredIndex(chunks, vectors, view_chunk, faiss_index, bm25, docs, manifest)
