"""Build or update the Milvus collections from the corpus folder, one document at a time.

Job: the same plan as ``build`` (hash each file with its catalog title; unchanged documents are not
touched, new or changed ones are loaded, cleaned, chunked, embedded and written, removed ones are
deleted; a change of model or chunking recreates the collections), with work and writes
proportional to the documents that changed, never to the corpus: rows are inserted and deleted
by document and content hash, and nothing else is read but the small documents table.

Crash safety without transactions. ``<name>_docs`` says, per document, which content hash is
committed (search shows only rows of that version) and whether rows of another version may exist
(``dirty``). A change writes, in order: the document marked dirty; its new rows; the new hash
committed (still dirty); the old version's rows deleted; the document clean. A build killed at any
point (``kill -9``) leaves at most the documents it was writing dirty; the next build first deletes
every dirty document's rows of other versions, then carries on, so no document is lost, doubled or
half-written, and the documents it had finished are not redone. Writers are serialised by a file
lock beside the index folder: several writers on one Milvus server must be one writer (see
docs/scale-out.md).

Non-job: search (``milvus_store``), the FAISS store (``build``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import LoadError
from ..ingest.chunk import ChunkSettings
from ..ingest.load import corpus_files, doc_info, read_catalog
from ..text import tokenize
from ..types import Chunk, DocInfo
from .build import CLEANER_VERSION, IndexReport, Progress, _chunk_file, _hash, _locked, _title_text
from .embed import Embedder
from .index import doc_context, index_views
from .milvus_schema import (
    FORMAT,
    SETTINGS_ROW,
    VARCHAR_MAX,
    create_collections,
    doc_row,
    encode_terms,
    quote,
)
from .milvus_store import _info, read_docs

log = logging.getLogger(__name__)
BATCH_VIEWS = 1000  # rows embedded and written together (one insert of ~5 MB)


def build_milvus(
    corpus_dir: Path,
    client: Any,
    name: str,
    lock_dir: Path,
    embedder: Embedder | Callable[[], Embedder],
    *,
    chunk_settings: ChunkSettings | None = None,
    max_bytes: int = 20_000_000,
    rebuild: bool = False,
    progress: Progress | None = None,
) -> IndexReport:
    """Bring the collections ``<name>_*`` up to date with ``corpus_dir``; see the docstring."""
    started = time.perf_counter()
    with _locked(lock_dir):
        report = _Sync(client, name, embedder, chunk_settings or ChunkSettings()).run(
            corpus_dir, max_bytes, rebuild, progress
        )
    report.seconds = time.perf_counter() - started
    return report


def _rows(chunks: list[Chunk], info: DocInfo, digest: str) -> tuple[list[dict], list[str]]:
    """The rows of one document (without vectors) and the view texts to embed."""
    rows, texts = [], []
    for seq, chunk in enumerate(chunks):
        for view, text in enumerate(index_views(chunk, info)):
            row = {
                "pk": f"{digest[:16]}.{seq}.{view}",
                "chunk_id": chunk.id,
                "doc_id": chunk.doc_id,
                "doc_hash": digest,
                "body": chunk.text,
                "section": chunk.section,
                "page": -1 if chunk.page is None else chunk.page,
                "start": chunk.start,
                "end": chunk.end,
                "kind": chunk.kind,
                "seq": seq,
                "view": view,
                "terms": encode_terms(tokenize(text)),
            }
            for field, limit in (("body", VARCHAR_MAX), ("terms", VARCHAR_MAX), ("section", 4096)):
                if len(str(row[field]).encode("utf-8")) > limit:
                    raise LoadError(
                        chunk.doc_id,
                        f"a passage's {field} is over Milvus's "
                        f"{limit:,}-byte limit for one text field",
                    )
            rows.append(row)
            texts.append(text)
    return rows, texts


class _Sync:
    """One build: recover, plan, remove, add (see the module docstring)."""

    def __init__(self, client: Any, name: str, embedder: Any, settings: ChunkSettings) -> None:
        self.client, self.name, self.chunking = client, name, settings
        self.views, self.docs = f"{name}_views", f"{name}_docs"
        self._source, self._embedder = embedder, None
        self.report = IndexReport()

    def embedder(self) -> Embedder:
        if self._embedder is None:
            source = self._source
            is_factory = isinstance(source, type) or not hasattr(source, "embed")
            self._embedder = source() if is_factory else source
        return self._embedder  # type: ignore[return-value]

    def _open(self, rebuild: bool) -> dict[str, dict[str, Any]]:
        """The documents table, after (re)creating the collections when settings changed."""
        model_id = getattr(self._source, "model_id", None) or self.embedder().model_id
        dimension = int(getattr(self._source, "dimension", 0) or self.embedder().dimension)
        key = {
            "embedding_model": model_id,
            "chunk_size": self.chunking.size,
            "chunk_overlap": self.chunking.overlap,
            "cleaner": CLEANER_VERSION,
        }
        names = set(self.client.list_collections())
        rows: dict[str, dict[str, Any]] = {}
        if {self.views, self.docs} <= names:
            for collection in (self.views, self.docs):
                self.client.load_collection(collection)
            rows = read_docs(self.client, self.name)
        meta = rows.pop(SETTINGS_ROW, None)
        old = _info(meta) if meta else {}
        if rebuild or old.get("settings") != key or old.get("format") != FORMAT:
            for collection in (self.views, self.docs):
                if collection in names:
                    self.client.drop_collection(collection)
            create_collections(self.client, self.name, dimension)
            info = {
                "format": FORMAT,
                "embedding_model": model_id,
                "dimension": dimension,
                "settings": key,
            }
            self.client.upsert(self.docs, [doc_row(SETTINGS_ROW, "", False, info, 0, 0)])
            return {}
        return rows

    def _recover(self, rows: dict[str, dict[str, Any]]) -> None:
        """Delete the other versions' rows of documents a killed build left dirty."""
        for doc_id, row in list(rows.items()):
            if not row["dirty"]:
                continue
            log.warning("finishing the interrupted update of %s", doc_id)
            self.client.delete(
                self.views, filter=f"doc_id == {quote(doc_id)} and doc_hash != {quote(row['hash'])}"
            )
            if row["hash"]:
                rows[doc_id] = {**row, "dirty": False}
                self.client.upsert(self.docs, [{**row, "dirty": False, "_v": [0.0, 0.0]}])
            else:
                del rows[doc_id]
                self.client.delete(self.docs, ids=[doc_id])

    def _remove(self, doc_ids: list[str], rows: dict[str, dict[str, Any]]) -> None:
        if not doc_ids:
            return
        self.client.upsert(self.docs, [doc_row(d, "", True, _info(rows[d]), 0, 0) for d in doc_ids])
        listed = ", ".join(quote(d) for d in doc_ids)
        self.client.delete(self.views, filter=f"doc_id in [{listed}]")
        self.client.delete(self.docs, ids=doc_ids)
        for doc_id in doc_ids:
            rows.pop(doc_id, None)

    def _write(
        self,
        group: list[tuple[str, str, DocInfo, list[dict], list[str]]],
        rows: dict[str, dict[str, Any]],
    ) -> None:
        """Write the new versions of a group of documents in the crash-safe order."""
        old = {d: rows[d] for d, *_ in group if d in rows}
        self.client.upsert(
            self.docs,
            [
                {**old[d], "dirty": True, "_v": [0.0, 0.0]}
                if d in old
                else doc_row(d, "", True, info.to_dict(), 0, 0)
                for d, _, info, _, _ in group
            ],
        )
        texts = [t for *_, views in group for t in views]
        vectors = self.embedder().embed(texts) if texts else np.zeros((0, 1), dtype=np.float32)
        flat = [r for *_, new, _ in group for r in new]
        for row, vector in zip(flat, vectors, strict=True):
            row["dense"] = vector.tolist()
        for at in range(0, len(flat), BATCH_VIEWS):
            self.client.insert(self.views, flat[at : at + BATCH_VIEWS])
        committed = [
            doc_row(d, h, True, i.to_dict(), len({r["seq"] for r in new}), len(new))
            for d, h, i, new, _ in group
        ]
        self.client.upsert(self.docs, committed)
        stale = [
            f"(doc_id == {quote(d)} and doc_hash != {quote(h)})" for d, h, *_ in group if d in old
        ]
        if stale:
            self.client.delete(self.views, filter=" or ".join(stale))
        self.client.upsert(self.docs, [{**row, "dirty": False} for row in committed])
        for row in committed:
            rows[row["doc_id"]] = row
        self.report.embedded += sum(row["chunks"] for row in committed)

    def run(
        self, corpus_dir: Path, max_bytes: int, rebuild: bool, progress: Progress | None
    ) -> IndexReport:
        rows = self._open(rebuild)
        self._recover(rows)
        catalog, plan = read_catalog(corpus_dir), []
        for path in corpus_files(corpus_dir):
            doc_id = path.relative_to(corpus_dir).as_posix()
            entry = catalog.get(doc_id)
            try:
                info = doc_info(doc_id, entry, "" if entry else _title_text(path))
                plan.append((doc_id, path, _hash(path, doc_context(info)), info))
            except OSError as exc:
                self.report.skipped.append((doc_id, f"cannot be read ({exc.strerror or exc})"))
        todo = [p for p in plan if rows.get(p[0], {}).get("hash") != p[2]]
        removed = sorted(set(rows) - {p[0] for p in plan})
        relabel = [
            {**rows[d], "info": i.to_dict(), "_v": [0.0, 0.0]}
            for d, _, h, i in plan
            if d in rows and rows[d]["hash"] == h and _info(rows[d]) != i.to_dict()
        ]
        if relabel:  # catalog fields that are not indexed (date, kind): no re-embedding
            self.client.upsert(self.docs, relabel)
        self._remove(removed, rows)
        self.report.removed = len(removed)
        group: list[tuple[str, str, DocInfo, list[dict], list[str]]] = []
        failed: list[str] = []
        for i, (doc_id, path, digest, info) in enumerate(todo, start=1):
            if progress:
                progress(i, len(todo), doc_id)
            try:
                new, texts = _rows(
                    _chunk_file(path, doc_id, self.chunking, max_bytes), info, digest
                )
            except LoadError as exc:
                log.warning("skipped %s: %s", doc_id, exc.reason)
                self.report.skipped.append((doc_id, exc.reason))
                failed += [doc_id] if doc_id in rows else []  # as the FAISS store: dropped
                continue
            group.append((doc_id, digest, info, new, texts))
            if sum(len(g[3]) for g in group) >= BATCH_VIEWS:
                self._write(group, rows)
                group = []
        if group:
            self._write(group, rows)
        self._remove(failed, rows)
        self.report.documents = len(rows)
        self.report.chunks = sum(int(r["chunks"]) for r in rows.values())
        self.report.changed = bool(todo or removed or relabel or failed)
        return self.report
