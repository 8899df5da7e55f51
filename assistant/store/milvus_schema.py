"""Milvus: connecting (Lite file or server, one code path), the two collections, BM25 terms.

``connect`` opens a ``pymilvus.MilvusClient`` for ``ASSISTANT_MILVUS_URI``: a path ending in
``.db`` runs Milvus Lite in this process; ``http(s)://host:port`` talks to a Milvus server or
cluster (with a token, or a user and password). Every failure to connect becomes a
``StoreUnavailableError`` that names the setting and what to do.

Two collections per name prefix (``ASSISTANT_MILVUS_COLLECTION``):

    <name>_views  one row per indexed view of a chunk (a table is several views, as in the FAISS
                  store): pk "<doc hash>.<chunk no>.<view no>", chunk_id (content hash), doc_id,
                  doc_hash, the chunk's text, section, page, start, end, kind, seq, view; ``terms``
                  (the view as ``text.tokenize`` reads it, analysed by Milvus's standard
                  tokenizer), ``dense`` (all-MiniLM-L6-v2, inner product) and ``sparse`` (made
                  from ``terms`` by Milvus's BM25 function, k1 1.2, b 0.75 as ``bm25.BM25``).
    <name>_docs   one row per document: doc_id, the committed content hash (the only version
                  search shows), ``dirty`` (rows of another version may exist), the catalog
                  metadata, the chunk and view counts; one ``__settings__`` row (model, chunking).

The BM25 input is our own tokens, not Milvus's English analyser, so that both stores rank with
the same terms (stemming, accent folding, numbers, place names). The standard tokenizer splits
"3.5" at the dot, so a decimal token is written "3p5" (no token mixes digits and letters).
Non-job: search (``milvus_store``), building (``milvus_build``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..errors import ConfigError, StoreUnavailableError

FORMAT = 1  # bump when the collections' fields change: the next build recreates them
SETTINGS_ROW = "__settings__"
VARCHAR_MAX = 65_535  # bytes, Milvus's limit for one VARCHAR value
VIEW_FIELDS = [
    "chunk_id",
    "doc_id",
    "doc_hash",
    "body",
    "section",
    "page",
    "start",
    "end",
    "kind",
    "seq",
    "view",
]
DOC_FIELDS = ["doc_id", "hash", "dirty", "info", "chunks", "views"]
QUERY_WINDOW = 16_384  # most rows one Milvus query returns (maxQueryResultWindow)
URI_HINT = "ASSISTANT_MILVUS_URI"


def is_lite(uri: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*://", uri)


def lite_path(uri: str) -> Path:
    """The Milvus Lite file a URI names, made absolute; it must end in ``.db``."""
    path = Path(uri).expanduser().resolve()
    if path.suffix != ".db":
        raise ConfigError(
            f"{URI_HINT}={uri!r} is neither a server URI (http://host:19530) nor a Milvus Lite "
            "file: a Milvus Lite file name must end in .db (e.g. ./index/milvus.db)."
        )
    return path


def connect(
    uri: str,
    *,
    token: str = "",
    user: str = "",
    password: str = "",
    db: str = "",
    timeout: float = 10.0,
) -> Any:
    """A MilvusClient for ``uri``; raises ``StoreUnavailableError`` naming the setting."""
    from pymilvus import MilvusClient
    from pymilvus.exceptions import MilvusException

    target = uri
    if is_lite(uri):
        path = lite_path(uri)
        path.parent.mkdir(parents=True, exist_ok=True)
        target = str(path)
    options: dict[str, Any] = {"uri": target, "timeout": timeout}
    options.update(
        {
            k: v
            for k, v in (("token", token), ("user", user), ("password", password), ("db_name", db))
            if v
        }
    )
    try:
        client = MilvusClient(**options)
        client.list_collections(timeout=timeout)  # a server that accepts the socket may refuse us
    except (MilvusException, OSError, ValueError) as exc:
        raise unavailable(uri, exc) from exc
    return client


def unavailable(uri: str, exc: BaseException) -> StoreUnavailableError:
    """The error for a Milvus that cannot be used, with what to do for the likely cause."""
    text = str(getattr(exc, "message", "") or exc)
    if is_lite(uri):
        return StoreUnavailableError(
            f"Cannot open the Milvus Lite file {uri} ({URI_HINT}): {text}. Milvus Lite allows one "
            "process per file: stop the other process using it (e.g. the UI) and retry, or run a "
            "Milvus server and set ASSISTANT_MILVUS_URI=http://host:19530."
        )
    if re.search(r"auth|credential|password|token|permission|denied|unauthenticated", text, re.I):
        return StoreUnavailableError(
            f"The Milvus server at {uri} ({URI_HINT}) refused the connection: {text}. Check "
            "ASSISTANT_MILVUS_TOKEN, or ASSISTANT_MILVUS_USER and ASSISTANT_MILVUS_PASSWORD."
        )
    return StoreUnavailableError(
        f"Cannot reach a Milvus server at {uri} ({URI_HINT}): {text}. Start the server (see "
        "docs/scale-out.md), fix the URI, or use a Milvus Lite file (ASSISTANT_MILVUS_URI="
        "./index/milvus.db)."
    )


def failures() -> tuple[type[BaseException], ...]:
    """What pymilvus raises when Milvus fails or cannot be reached."""
    import grpc
    from pymilvus.exceptions import MilvusException

    return (MilvusException, grpc.RpcError, OSError)


def encode_terms(tokens: list[str]) -> str:
    """Our tokens as the text Milvus's standard tokenizer splits back into the same tokens."""
    return " ".join(t.replace(".", "p") for t in tokens)


_DECIMAL = re.compile(r"(?<=\d)p(?=\d)")


def decode_terms(text: str) -> list[str]:
    return [_DECIMAL.sub(".", t) for t in text.split()]


def create_collections(client: Any, name: str, dimension: int) -> None:
    """Create ``<name>_views`` and ``<name>_docs`` with their indexes (see the module docstring)."""
    from pymilvus import DataType, Function, FunctionType, MilvusClient

    views = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    views.add_field("pk", DataType.VARCHAR, is_primary=True, max_length=64)
    for field, length in (
        ("chunk_id", 64),
        ("doc_id", 1024),
        ("doc_hash", 64),
        ("body", VARCHAR_MAX),
        ("section", 4096),
        ("kind", 16),
    ):
        views.add_field(field, DataType.VARCHAR, max_length=length)
    for field in ("page", "start", "end", "seq", "view"):
        views.add_field(field, DataType.INT64)
    views.add_field(
        "terms",
        DataType.VARCHAR,
        max_length=VARCHAR_MAX,
        enable_analyzer=True,
        analyzer_params={"tokenizer": "standard"},
    )
    views.add_field("dense", DataType.FLOAT_VECTOR, dim=dimension)
    views.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    views.add_function(
        Function(
            name="bm25",
            function_type=FunctionType.BM25,
            input_field_names=["terms"],
            output_field_names=["sparse"],
        )
    )
    index = client.prepare_index_params()
    index.add_index(field_name="dense", index_type="AUTOINDEX", metric_type="IP")
    # pymilvus 3 sends index parameters as flat key-value pairs, which a server reads; Milvus Lite
    # reads only a JSON "params" entry (older pymilvus's form, which servers read too): send both,
    # or Lite scores BM25 with its default k1 of 1.5.
    bm25 = {"bm25_k1": 1.2, "bm25_b": 0.75}
    index.add_index(
        field_name="sparse",
        index_type="SPARSE_INVERTED_INDEX",
        metric_type="BM25",
        params={**bm25, "params": bm25},
    )
    for field in ("doc_id", "chunk_id"):
        index.add_index(field_name=field, index_type="INVERTED")
    _create(client, f"{name}_views", views, index)

    docs = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    docs.add_field("doc_id", DataType.VARCHAR, is_primary=True, max_length=1024)
    docs.add_field("hash", DataType.VARCHAR, max_length=64)
    docs.add_field("dirty", DataType.BOOL)
    docs.add_field("info", DataType.JSON)
    docs.add_field("chunks", DataType.INT64)
    docs.add_field("views", DataType.INT64)
    docs.add_field("_v", DataType.FLOAT_VECTOR, dim=2)  # Milvus needs a vector field; unused
    index = client.prepare_index_params()
    index.add_index(field_name="_v", index_type="AUTOINDEX", metric_type="L2")
    _create(client, f"{name}_docs", docs, index)


def _create(client: Any, collection: str, schema: Any, index: Any) -> None:
    """Create, index (without pymilvus's half-second polling: the collection is empty), load."""
    client.create_collection(collection, schema=schema, consistency_level="Strong")
    client.create_index(collection, index, sync=False)
    client.load_collection(collection)


def release_lite(uri: str) -> None:
    """Close this process's Milvus Lite server for ``uri``, so another process may open the file
    (Milvus Lite: one process per file). No-op for a server URI."""
    if is_lite(uri):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(str(lite_path(uri)))


def doc_row(
    doc_id: str, digest: str, dirty: bool, info: dict[str, Any], chunks: int, views: int
) -> dict:
    return {
        "doc_id": doc_id,
        "hash": digest,
        "dirty": dirty,
        "info": info,
        "chunks": chunks,
        "views": views,
        "_v": [0.0, 0.0],
    }


def quote(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
