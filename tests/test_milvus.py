"""The Milvus store against a real Milvus Lite file: build, search, incremental update and delete,
a build killed with SIGKILL mid-update, clear errors, and parity with the FAISS store.

Everything runs on real Milvus Lite (``milvus-lite``, in-process); only the embedder is the fake
one, except in the parity test (marked ``model``), which uses the packaged model on the real
corpus and the own eval suite.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.errors import ConfigError, IndexMissingError, StoreUnavailableError
from assistant.pipeline import Assistant
from assistant.store.embed import HashEmbedder
from assistant.store.factory import build_store, open_store
from assistant.store.milvus_schema import VIEW_FIELDS, release_lite

ROOT = Path(__file__).resolve().parent.parent


class CountingEmbedder(HashEmbedder):
    """The fake embedder, counting the texts it embeds."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed(self, texts: list[str]) -> Any:
        self.texts += len(texts)
        return super().embed(texts)


def milvus_settings(corpus: Path, tmp: Path, **extra: Any) -> Settings:
    values = {
        "corpus_dir": corpus,
        "index_dir": tmp / "index",
        "embedder": "hash",
        "store": "milvus",
        "milvus_uri": str(tmp / "index" / "milvus.db"),
        **extra,
    }
    return Settings(**values)


def write_docs(folder: Path, names: range, edition: str = "first") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        text = (
            f"Cluster {n} Report\n\nThe cluster number {n} has {n * 7 + 3} members in its "
            f"{edition} edition. It was founded in {1990 + n}.\n\nIts committees are Human "
            f"Capital and Innovation {n}. The survey counted {n * 11} companies.\n"
        )
        (folder / f"doc{n:02d}.txt").write_text(text, encoding="utf-8")


def rows_by_doc(store: Any) -> Counter[str]:
    """Rows of every version in the views collection, per document (not only committed ones)."""
    rows = store.client.query(
        f"{store.name}_views", filter='pk != ""', output_fields=["doc_id"], limit=16_000
    )
    return Counter(r["doc_id"] for r in rows)


def assert_consistent(settings: Settings, corpus: Path) -> None:
    """Every corpus file is one clean, committed document whose rows are all of that version."""
    store = open_store(settings)
    try:
        docs = store.client.query(
            f"{store.name}_docs",
            filter='doc_id != "__settings__"',
            output_fields=["doc_id", "hash", "dirty"],
            limit=1000,
        )
        assert sorted(d["doc_id"] for d in docs) == sorted(p.name for p in corpus.glob("*.txt"))
        assert not any(d["dirty"] for d in docs)
        views = store.client.query(
            f"{store.name}_views",
            filter='pk != ""',
            output_fields=["doc_id", "doc_hash", "seq"],
            limit=16_000,
        )
        hashes = {d["doc_id"]: d["hash"] for d in docs}
        assert all(v["doc_hash"] == hashes[v["doc_id"]] for v in views), "a stale version"
        per_doc = Counter(v["doc_id"] for v in views)
        assert all(per_doc[d] == store.counts[d] for d in hashes), "doubled or missing rows"
    finally:
        store.close()


def test_build_search_and_documents(tiny_corpus: Path, tmp_path: Path) -> None:
    settings = milvus_settings(tiny_corpus, tmp_path)
    embedder = CountingEmbedder()
    report = build_store(settings, embedder)
    assert report.changed and report.documents == 3 and report.chunks >= 3
    assistant = Assistant.load(settings, embedder=HashEmbedder())
    hits = assistant.retrieve("How many members does the Alpha Aerospace Cluster have?", k=3)
    assert hits[0].chunk.doc_id == "alpha.txt"
    assert hits[0].dense_rank is not None and hits[0].bm25_rank is not None
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.chunk.id for h in hits}) == len(hits)
    assert hits[0].doc.title == "Alpha Report" and hits[0].doc.publisher == "Alpha Press"
    assert hits[0].chunk.text in (tiny_corpus / "alpha.txt").read_text(encoding="utf-8")
    assert {d["doc_id"]: d["chunks"] for d in assistant.documents()} == assistant._index.counts
    answer = assistant.ask("How many members does the Alpha Aerospace Cluster have?")
    assert "45" in answer.answer and answer.citations
    before = embedder.texts
    assert not build_store(settings, embedder).changed  # no-op: nothing embedded
    assert embedder.texts == before


def test_incremental_update_and_delete(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_docs(corpus, range(12))
    settings = milvus_settings(corpus, tmp_path)
    embedder = CountingEmbedder()
    build_store(settings, embedder)
    write_docs(corpus, range(5, 6), edition="second")  # one document changed
    (corpus / "doc07.txt").unlink()  # one removed
    before = embedder.texts
    report = build_store(settings, embedder)
    assert report.changed and report.removed == 1 and report.documents == 11
    assert_consistent(settings, corpus)
    store = open_store(settings)
    assert embedder.texts - before == store.views["doc05.txt"], "only the changed document"
    assistant = Assistant.load(settings, embedder=HashEmbedder())
    hits = assistant.retrieve("cluster number 5 second edition", k=3)
    assert hits[0].chunk.doc_id == "doc05.txt" and "second" in hits[0].chunk.text
    assert not any(h.chunk.doc_id == "doc07.txt" for h in assistant.retrieve("cluster 7", k=10))
    assert "doc07.txt" not in {d["doc_id"] for d in assistant.documents()}


def test_table_views_count_once(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    rows = "\n".join(
        f"{state} | {n} companies | {n * 3} jobs"
        for n, state in enumerate(["Querétaro", "Jalisco", "Sonora", "Puebla"] * 30)
    )
    (corpus / "t.txt").write_text(
        f"Census\n\nTABLE 1 – Companies by state\n{rows}\n", encoding="utf-8"
    )
    settings = milvus_settings(corpus, tmp_path)
    build_store(settings, HashEmbedder())
    store = open_store(settings)
    assert rows_by_doc(store)["t.txt"] > len(store.chunks), "a long table is several views"
    assistant = Assistant.load(settings, embedder=HashEmbedder())
    hits = assistant.retrieve("Sonora companies jobs", k=5)
    assert len({h.chunk.id for h in hits}) == len(hits)


SCRIPT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import assistant.store.milvus_build as mb
    from assistant.store.embed import HashEmbedder
    from assistant.config import Settings
    from assistant.store.factory import build_store

    mb.BATCH_VIEWS = 4  # several write groups, so a kill can land between them
    original = mb._Sync._write
    def announce(client):
        for name in ("insert", "upsert", "delete"):
            call = getattr(client, name)
            def wrapped(*args, _call=call, _name=name, **kwargs):
                print(_name, flush=True)
                time.sleep(0.03)
                return _call(*args, **kwargs)
            setattr(client, name, wrapped)
    def write(self, group, rows):
        announce(self.client)
        return original(self, group, rows)
    mb._Sync._write = write
    corpus, tmp = Path(sys.argv[1]), Path(sys.argv[2])
    s = Settings(corpus_dir=corpus, index_dir=tmp / "index", store="milvus",
                 milvus_uri=str(tmp / "index" / "milvus.db"))
    report = build_store(s, HashEmbedder())
    print("finished", report.documents, flush=True)
    """
)


@pytest.mark.slow
@pytest.mark.parametrize("kill_at", [2, 7, 13])
def test_build_killed_mid_update_then_restarted(tmp_path: Path, kill_at: int) -> None:
    corpus = tmp_path / "corpus"
    write_docs(corpus, range(16))
    settings = milvus_settings(corpus, tmp_path)
    build_store(settings, HashEmbedder())
    release_lite(settings.milvus_uri)  # Milvus Lite: one process per file
    write_docs(corpus, range(0, 16, 2), edition="second")  # 8 changed
    write_docs(corpus, range(20, 23))  # 3 added
    for n in (1, 3):
        (corpus / f"doc{n:02d}.txt").unlink()  # 2 removed
    script = tmp_path / "build.py"
    script.write_text(SCRIPT, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(corpus), str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    writes = 0
    for line in proc.stdout:
        writes += line.split()[0] in ("insert", "upsert", "delete")
        if writes == kill_at:
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the build finished before it could be killed"
    report = build_store(settings, HashEmbedder())  # the restart
    assert report.documents == 17
    assert_consistent(settings, corpus)
    assistant = Assistant.load(settings, embedder=HashEmbedder())
    hits = assistant.retrieve("cluster number 4 second edition", k=1)
    assert hits[0].chunk.doc_id == "doc04.txt" and "second" in hits[0].chunk.text


def test_search_ignores_rows_of_uncommitted_versions(tmp_path: Path) -> None:
    """What a reader sees while a writer is between inserting and committing a version."""
    corpus = tmp_path / "corpus"
    write_docs(corpus, range(3))
    settings = milvus_settings(corpus, tmp_path)
    build_store(settings, HashEmbedder())
    store = open_store(settings)
    one = store.client.query(
        f"{store.name}_views",
        filter='doc_id == "doc01.txt"',
        output_fields=[*VIEW_FIELDS, "terms", "dense"],
        limit=10,
    )
    store.client.insert(
        f"{store.name}_views",
        [{**r, "pk": "pending." + r["pk"], "doc_hash": "f" * 64} for r in one],
    )
    assistant = Assistant.load(settings, embedder=HashEmbedder())
    hits = assistant.retrieve("cluster number 1 members", k=10)
    assert sum(h.chunk.doc_id == "doc01.txt" for h in hits) == len(one)
    assert len(assistant._index.chunks) == sum(assistant._index.counts.values())


def test_missing_collection_and_bad_settings(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="assistant index"):
        open_store(milvus_settings(tmp_path, tmp_path))
    with pytest.raises(ConfigError, match=r"ASSISTANT_MILVUS_URI.*must end in .db"):
        open_store(milvus_settings(tmp_path, tmp_path, milvus_uri=str(tmp_path / "x.sqlite")))
    with pytest.raises(ConfigError, match="ASSISTANT_STORE"):
        open_store(Settings(store="elastic"))
    with pytest.raises(ConfigError, match="ASSISTANT_MILVUS_WRITER=false"):
        build_store(milvus_settings(tmp_path, tmp_path, milvus_writer=False), HashEmbedder())


def test_unreachable_server_names_the_setting(tmp_path: Path) -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    settings = milvus_settings(
        tmp_path, tmp_path, milvus_uri=f"http://127.0.0.1:{port}", milvus_timeout=2
    )
    with pytest.raises(StoreUnavailableError, match=rf"127.0.0.1:{port}.*ASSISTANT_MILVUS_URI"):
        open_store(settings)
    with pytest.raises(StoreUnavailableError, match="ASSISTANT_MILVUS_URI"):
        build_store(settings, HashEmbedder())


def test_server_that_refuses_names_the_setting(tmp_path: Path) -> None:
    """A listener that is not Milvus: it answers every connection with an HTTP 401 and closes."""
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    stop = threading.Event()

    def refuse() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            with conn:
                conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")

    thread = threading.Thread(target=refuse, daemon=True)
    thread.start()
    try:
        settings = milvus_settings(
            tmp_path,
            tmp_path,
            milvus_uri=f"http://127.0.0.1:{port}",
            milvus_timeout=2,
            milvus_token="root:wrong",
        )
        with pytest.raises(StoreUnavailableError, match="ASSISTANT_MILVUS_"):
            open_store(settings)
    finally:
        stop.set()
        thread.join()
        server.close()


@pytest.mark.slow
def test_lite_file_held_by_another_process(tiny_corpus: Path, tmp_path: Path) -> None:
    settings = milvus_settings(tiny_corpus, tmp_path)
    build_store(settings, HashEmbedder())
    release_lite(settings.milvus_uri)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, pymilvus; c = pymilvus.MilvusClient(sys.argv[1]); "
            "print('open', flush=True); sys.stdin.read()",
            settings.milvus_uri,
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(StoreUnavailableError, match=r"one process per file.*ASSISTANT_MILVUS"):
            open_store(settings)
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.model
@pytest.mark.slow
def test_parity_with_the_faiss_store(
    real_settings: Settings, real_assistant: Any, tmp_path: Path, record_property: Any
) -> None:
    """answer-in-context@5 of the own eval suite within 2 points of the FAISS store."""
    from assistant.evals.command import load_questions
    from assistant.evals.stores import store_parity
    from assistant.store.embed import SentenceTransformerEmbedder

    settings = real_settings.model_copy(
        update={
            "store": "milvus",
            "milvus_uri": str(tmp_path / "milvus.db"),
            "index_dir": tmp_path,
        }
    )
    build_store(settings, SentenceTransformerEmbedder())
    milvus = Assistant.load(settings, embedder=real_assistant.embedder)
    figures = store_parity(real_assistant, milvus, load_questions(), k=5)
    record_property("parity", figures)
    print(f"\nparity (a = FAISS, b = Milvus): {figures}")
    faiss_at5, milvus_at5 = (figures["answer_in_context"][s] for s in ("a", "b"))
    assert abs(faiss_at5 - milvus_at5) <= 0.02, figures
