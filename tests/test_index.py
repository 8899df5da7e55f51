"""The persisted index (assistant.store.index) and incremental builds (assistant.store.build), with
the fake embedder: what is re-embedded, what is rewritten, and how a damaged index is reported."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant.errors import IndexMismatchError, IndexMissingError
from assistant.ingest.chunk import ChunkSettings
from assistant.store.build import IndexReport, build_index
from assistant.store.embed import HashEmbedder
from assistant.store.index import FORMAT, MANIFEST, index_views, load_index, read_manifest
from assistant.text import tokenize


class CountingEmbedder(HashEmbedder):
    """The fake embedder, recording every text it is asked to embed and every instance made."""

    instances = 0

    def __init__(self) -> None:
        super().__init__()
        CountingEmbedder.instances += 1
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.texts.extend(texts)
        return super().embed(texts)


def build(
    corpus: Path, index_dir: Path, embedder: HashEmbedder | None = None, **kwargs: object
) -> IndexReport:
    return build_index(corpus, index_dir, embedder or CountingEmbedder(), **kwargs)  # type: ignore[arg-type]


def data_dir(index_dir: Path) -> Path:
    manifest = read_manifest(index_dir)
    assert manifest is not None
    return index_dir / manifest["data"]


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Name -> (inode, mtime) of every file: a rewrite changes at least one of them."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "index"


@pytest.fixture
def built(tiny_corpus: Path, index_dir: Path) -> IndexReport:
    return build(tiny_corpus, index_dir)


# First build --------------------------------------------------------------------------------------


def test_first_build_indexes_every_document(built: IndexReport, index_dir: Path) -> None:
    assert (built.documents, built.skipped, built.removed, built.changed) == (3, [], 0, True)
    assert built.embedded == built.chunks > 0
    index = load_index(index_dir)
    assert {c.doc_id for c in index.chunks} == {"alpha.txt", "beta.md", "gamma.html"}
    assert len(index.chunks) == built.chunks
    assert index.docs["alpha.txt"].title == "Alpha Report"  # from the catalog
    assert index.docs["alpha.txt"].publisher == "Alpha Press"
    manifest = read_manifest(index_dir)
    assert manifest is not None and manifest["format"] == FORMAT
    assert manifest["embedding_model"] == "hash-test-embedder"
    assert manifest["chunks"] == built.chunks
    assert all(len(d["hash"]) == 64 for d in manifest["documents"].values())
    # one row per view everywhere; every view maps to a chunk
    assert len(index.vectors) == len(index.view_chunk) == index.bm25.size
    assert index.faiss_index.ntotal == len(index.vectors)
    assert set(index.view_chunk.tolist()) == set(range(len(index.chunks)))


def test_only_one_data_folder_and_no_temporary_files(built: IndexReport, index_dir: Path) -> None:
    entries = sorted(p.name for p in index_dir.iterdir() if p.name != ".lock")
    assert entries == sorted([MANIFEST, data_dir(index_dir).name])
    assert data_dir(index_dir).name.startswith("data-")
    assert sorted(p.name for p in data_dir(index_dir).iterdir()) == [
        "bm25.npz",
        "chunks.jsonl",
        "faiss.index",
        "vectors.npy",
        "views.npy",
    ]


def test_stored_vectors_are_the_embedded_views(built: IndexReport, index_dir: Path) -> None:
    index = load_index(index_dir)
    embedder = HashEmbedder()
    for row, chunk_index in enumerate(index.view_chunk.tolist()):
        chunk = index.chunks[chunk_index]
        views = index_views(chunk, index.docs[chunk.doc_id])
        expected = embedder.embed(views)
        assert any(np.allclose(index.vectors[row], v) for v in expected)


# Incremental builds -------------------------------------------------------------------------------


def test_noop_run_embeds_nothing_and_rewrites_nothing(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    before_data = snapshot(data_dir(index_dir))
    manifest_before = (index_dir / MANIFEST).read_bytes()
    CountingEmbedder.instances = 0
    report = build_index(tiny_corpus, index_dir, CountingEmbedder)  # a factory: never called
    assert CountingEmbedder.instances == 0
    assert (report.embedded, report.removed, report.changed) == (0, 0, False)
    assert (report.documents, report.chunks) == (built.documents, built.chunks)
    assert (index_dir / MANIFEST).read_bytes() == manifest_before
    assert snapshot(data_dir(index_dir)) == before_data


def test_changing_one_document_re_embeds_only_its_chunks(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    old = load_index(index_dir)
    old_vectors = {
        old.chunks[c].id: old.vectors[row] for row, c in enumerate(old.view_chunk.tolist())
    }
    (tiny_corpus / "beta.md").write_text(
        "# Beta IT Cluster\n\nThe Beta IT Cluster in Nuevo León now represents 23 IT clusters.\n",
        encoding="utf-8",
    )
    embedder = CountingEmbedder()
    report = build(tiny_corpus, index_dir, embedder)
    new = load_index(index_dir)
    beta = [c for c in new.chunks if c.doc_id == "beta.md"]
    assert report.embedded == len(beta) and report.changed
    assert embedder.texts and all("Beta" in text for text in embedder.texts)
    assert any("23 IT clusters" in c.text for c in beta)
    assert not any("22 IT clusters" in c.text for c in new.chunks)
    # the other documents keep their chunks and their vectors
    others_old = [c for c in old.chunks if c.doc_id != "beta.md"]
    others_new = [c for c in new.chunks if c.doc_id != "beta.md"]
    assert others_new == others_old
    for row, c in enumerate(new.view_chunk.tolist()):
        chunk = new.chunks[c]
        if chunk.doc_id != "beta.md":
            assert np.array_equal(new.vectors[row], old_vectors[chunk.id])
    assert data_dir(index_dir).name != old.manifest["data"]
    assert not (index_dir / old.manifest["data"]).exists()  # the stale folder is tidied away


def test_adding_a_document_embeds_only_it(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    (tiny_corpus / "delta.txt").write_text("The Delta Cluster in Jalisco has 12 members.\n")
    embedder = CountingEmbedder()
    report = build(tiny_corpus, index_dir, embedder)
    delta = [c for c in load_index(index_dir).chunks if c.doc_id == "delta.txt"]
    assert report.embedded == len(delta) == 1
    assert report.documents == 4 and report.chunks == built.chunks + 1
    assert all("Delta" in text for text in embedder.texts)


def test_removing_a_document_drops_its_chunks_without_embedding(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    (tiny_corpus / "gamma.html").unlink()
    embedder = CountingEmbedder()
    report = build(tiny_corpus, index_dir, embedder)
    assert embedder.texts == []
    assert (report.removed, report.embedded, report.documents) == (1, 0, 2)
    index = load_index(index_dir)
    assert "gamma.html" not in {c.doc_id for c in index.chunks}
    assert "gamma.html" not in index.docs
    assert len(index.vectors) == len(index.view_chunk) == index.bm25.size
    found, _ = index.bm25_top(tokenize("Gamma Energy Cluster"), 5)
    assert found.size and all(index.chunks[i].doc_id != "gamma.html" for i in found)


@pytest.mark.parametrize(
    "change",
    [
        {"chunk_settings": ChunkSettings(size=400, overlap=1)},
        {"chunk_settings": ChunkSettings(size=900, overlap=0)},
        {"rebuild": True},
    ],
    ids=["chunk-size", "overlap", "rebuild"],
)
def test_settings_changes_and_rebuild_re_embed_everything(
    built: IndexReport, tiny_corpus: Path, index_dir: Path, change: dict[str, Any]
) -> None:
    report = build(tiny_corpus, index_dir, **change)
    assert report.embedded == report.chunks == len(load_index(index_dir).chunks)
    assert report.changed


def test_another_embedding_model_rebuilds_everything(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    class OtherModel(HashEmbedder):
        model_id = "other-model"

    report = build_index(tiny_corpus, index_dir, OtherModel(dimension=32))
    assert report.embedded == report.chunks
    index = load_index(index_dir, "other-model")
    assert index.vectors.shape[1] == 32
    with pytest.raises(IndexMismatchError, match="assistant index --rebuild"):
        load_index(index_dir, "hash-test-embedder")


def test_catalog_metadata_change_reaches_the_searchable_text(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    """The title, publisher and author are indexed with every chunk, so changing them in the
    catalog must update what BM25 finds, not only the manifest."""
    catalog = tiny_corpus / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("Alpha Press", "Zyxwv Publishing"))
    build(tiny_corpus, index_dir)
    index = load_index(index_dir)
    assert index.docs["alpha.txt"].publisher == "Zyxwv Publishing"
    found, _ = index.bm25_top(tokenize("Zyxwv"), 5)
    assert {index.chunks[i].doc_id for i in found} == {"alpha.txt"}


def test_catalog_date_change_updates_the_manifest_only(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    data_before = snapshot(data_dir(index_dir))
    catalog = tiny_corpus / "catalog.yaml"
    catalog.write_text(catalog.read_text().replace("'2019'", "'2020'"))
    embedder = CountingEmbedder()
    report = build(tiny_corpus, index_dir, embedder)
    assert embedder.texts == [] and report.changed
    assert load_index(index_dir).docs["alpha.txt"].date == "2020"
    assert snapshot(data_dir(index_dir)) == data_before


def test_empty_corpus_gives_an_empty_index(tmp_path: Path, index_dir: Path) -> None:
    corpus = tmp_path / "empty"
    corpus.mkdir()
    report = build(corpus, index_dir)
    assert (report.documents, report.chunks) == (0, 0)
    index = load_index(index_dir)
    assert index.chunks == [] and index.bm25_top(["x"], 5)[0].size == 0


# A damaged or missing index -----------------------------------------------------------------------


def test_missing_index_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexMissingError, match="Run `assistant index` first"):
        load_index(tmp_path / "nothing-here")


def _corrupt_manifest(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_text('{"format": 2, "data": ')


def _binary_manifest(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_bytes(b"\xff\xfe\x00garbage")


def _old_format(index_dir: Path) -> None:
    manifest = json.loads((index_dir / MANIFEST).read_text())
    (index_dir / MANIFEST).write_text(json.dumps({**manifest, "format": FORMAT - 1}))


def _not_an_object(index_dir: Path) -> None:
    (index_dir / MANIFEST).write_text("[1, 2, 3]")


def _truncated_vectors(index_dir: Path) -> None:
    path = data_dir(index_dir) / "vectors.npy"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _deleted_data(index_dir: Path) -> None:
    shutil.rmtree(data_dir(index_dir))


def _missing_faiss(index_dir: Path) -> None:
    (data_dir(index_dir) / "faiss.index").unlink()


def _lost_chunk_line(index_dir: Path) -> None:
    path = data_dir(index_dir) / "chunks.jsonl"
    path.write_text("".join(path.read_text().splitlines(keepends=True)[1:]))


def _garbled_chunks(index_dir: Path) -> None:
    (data_dir(index_dir) / "chunks.jsonl").write_text("{not json\n")


def _garbled_bm25(index_dir: Path) -> None:
    (data_dir(index_dir) / "bm25.npz").write_bytes(b"PK\x03\x04 broken zip")


DAMAGE = [
    _corrupt_manifest,
    _binary_manifest,
    _old_format,
    _not_an_object,
    _truncated_vectors,
    _deleted_data,
    _missing_faiss,
    _lost_chunk_line,
    _garbled_chunks,
    _garbled_bm25,
]


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_damaged_index_is_a_mismatch_naming_the_fix(
    built: IndexReport, index_dir: Path, damage: object
) -> None:
    damage(index_dir)  # type: ignore[operator]
    with pytest.raises(IndexMismatchError, match=r"assistant index --rebuild") as info:
        load_index(index_dir)
    assert str(index_dir) in str(info.value)


@pytest.mark.parametrize("damage", DAMAGE, ids=[d.__name__.strip("_") for d in DAMAGE])
def test_a_plain_build_repairs_a_damaged_index(
    built: IndexReport, tiny_corpus: Path, index_dir: Path, damage: object
) -> None:
    damage(index_dir)  # type: ignore[operator]
    report = build(tiny_corpus, index_dir)
    assert report.embedded == report.chunks == built.chunks
    assert len(load_index(index_dir).chunks) == built.chunks


def test_assistant_load_reports_a_missing_index(tiny_settings: object) -> None:
    from assistant.pipeline import Assistant

    with pytest.raises(IndexMissingError, match="assistant index"):
        Assistant.load(tiny_settings, embedder=HashEmbedder())  # type: ignore[arg-type]


def test_assistant_load_builds_when_asked(tiny_settings: object) -> None:
    from assistant.pipeline import Assistant

    assistant = Assistant.load(tiny_settings, embedder=HashEmbedder(), build_if_missing=True)  # type: ignore[arg-type]
    assert {d["doc_id"] for d in assistant.documents()} == {"alpha.txt", "beta.md", "gamma.html"}
    assert all(d["chunks"] >= 1 for d in assistant.documents())


def test_a_noop_build_tidies_what_a_killed_build_left(
    built: IndexReport, tiny_corpus: Path, index_dir: Path
) -> None:
    current = data_dir(index_dir)
    (index_dir / "data-0123456789ab").mkdir()  # switched away from, not yet removed
    (index_dir / ".data-ba9876543210.tmp").mkdir()  # written, never switched to
    (index_dir / f".{MANIFEST}.4242.tmp").write_text("{")
    report = build(tiny_corpus, index_dir)
    assert not report.changed
    assert sorted(p.name for p in index_dir.iterdir() if p.name != ".lock") == sorted(
        [MANIFEST, current.name]
    )
    assert len(load_index(index_dir).chunks) == built.chunks
