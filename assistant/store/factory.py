"""The store named by ``ASSISTANT_STORE``: a name -> factory dict for opening and building.

Job: wiring, beside ``pipeline`` (which calls it): read the store settings once and hand plain
arguments to the store modules. ``faiss`` (default) is the embedded FAISS + BM25 index under
``index_dir`` (``index``, ``build``); ``milvus`` is a Milvus Lite file or a Milvus server, the same
code for both (``milvus_schema``, ``milvus_store``, ``milvus_build``). What is returned is either
a ``StoredIndex`` or a ``protocol.HybridStore``; ``retrieve.hybrid.search`` serves both.

Non-job: search and building themselves.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config import Settings
from ..errors import ConfigError
from ..ingest.chunk import ChunkSettings
from .build import IndexReport, Progress, build_index
from .index import load_index, read_manifest


def _client(s: Settings) -> Any:
    from .milvus_schema import connect

    return connect(
        s.milvus_uri,
        token=s.milvus_token,
        user=s.milvus_user,
        password=s.milvus_password,
        db=s.milvus_db,
        timeout=s.milvus_timeout,
    )


def _open_faiss(s: Settings, model_id: str | None) -> Any:
    return load_index(s.index_dir, model_id)


def _open_milvus(s: Settings, model_id: str | None) -> Any:
    from .milvus_store import MilvusStore

    return MilvusStore(_client(s), s.milvus_collection, s.milvus_uri, model_id)


def _build_faiss(s: Settings, embedder: Any, rebuild: bool, progress: Progress | None) -> Any:
    return build_index(
        s.corpus_dir,
        s.index_dir,
        embedder,
        chunk_settings=ChunkSettings(s.chunk_size, s.chunk_overlap),
        max_bytes=int(s.max_file_mb * 1_000_000),
        hnsw_threshold=s.hnsw_threshold,
        rebuild=rebuild,
        progress=progress,
    )


def _build_milvus(s: Settings, embedder: Any, rebuild: bool, progress: Progress | None) -> Any:
    from .milvus_build import build_milvus
    from .milvus_schema import failures, unavailable

    if not s.milvus_writer:
        raise ConfigError(
            "This process only answers (ASSISTANT_MILVUS_WRITER=false): index on the writer "
            "(see docs/scale-out.md), or set ASSISTANT_MILVUS_WRITER=true where one writer runs."
        )
    client = _client(s)
    try:
        return build_milvus(
            s.corpus_dir,
            client,
            s.milvus_collection,
            s.index_dir,
            embedder,
            chunk_settings=ChunkSettings(s.chunk_size, s.chunk_overlap),
            max_bytes=int(s.max_file_mb * 1_000_000),
            rebuild=rebuild,
            progress=progress,
        )
    except failures() as exc:
        raise unavailable(s.milvus_uri, exc) from exc


def _built_faiss(s: Settings) -> dict[str, Any] | None:
    manifest = read_manifest(s.index_dir)
    return None if manifest is None else dict(manifest.get("settings", {}))


def _built_milvus(s: Settings) -> dict[str, Any] | None:
    from ..errors import IndexMissingError

    try:
        return dict(_open_milvus(s, None).manifest.get("settings", {}))
    except IndexMissingError:
        return None


OPEN: dict[str, Callable[[Settings, str | None], Any]] = {
    "faiss": _open_faiss,
    "milvus": _open_milvus,
}
BUILD: dict[str, Callable[[Settings, Any, bool, Progress | None], IndexReport]] = {
    "faiss": _build_faiss,
    "milvus": _build_milvus,
}
BUILT: dict[str, Callable[[Settings], dict[str, Any] | None]] = {
    "faiss": _built_faiss,
    "milvus": _built_milvus,
}


def _kind(s: Settings) -> str:
    kind = s.store.strip().lower()
    if kind not in OPEN:
        raise ConfigError(f"Unknown store {s.store!r} (ASSISTANT_STORE): use faiss or milvus.")
    return kind


def open_store(s: Settings, model_id: str | None = None) -> Any:
    """The index to search: raises IndexMissingError / IndexMismatchError with the fix, or
    StoreUnavailableError naming ASSISTANT_MILVUS_URI."""
    return OPEN[_kind(s)](s, model_id)


def build_store(
    s: Settings, embedder: Any, *, rebuild: bool = False, progress: Progress | None = None
) -> IndexReport:
    """Bring the configured store up to date with ``s.corpus_dir`` (incremental)."""
    return BUILD[_kind(s)](s, embedder, rebuild, progress)


def built_settings(s: Settings) -> dict[str, Any] | None:
    """The chunking/cleaning settings the configured store was built with (None: not built)."""
    return BUILT[_kind(s)](s)


def scratch(s: Settings, folder: Path) -> Settings:
    """The same settings with the index in ``folder`` (an evaluation's temporary index)."""
    update: dict[str, Any] = {"index_dir": folder}
    if _kind(s) == "milvus":
        from .milvus_schema import is_lite

        if is_lite(s.milvus_uri):
            update["milvus_uri"] = str(folder / "milvus.db")
        else:
            suffix = re.sub(r"\W", "_", folder.name)[-8:]
            update["milvus_collection"] = f"{s.milvus_collection}_eval_{suffix}"
    return s.model_copy(update=update)
