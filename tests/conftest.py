"""Shared fixtures: a tiny corpus with the fake embedder, and the real corpus with the real model.

Tests that need the real packaged model are marked ``model``; they still run in CI (`make test`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings
from assistant.store.embed import HashEmbedder, SentenceTransformerEmbedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """Three small documents and a catalog in a temporary folder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "alpha.txt").write_text(
        "Alpha Cluster Report\n\nThe Alpha Aerospace Cluster in Querétaro has 45 members. "
        "It was founded in 2009 and employs more than 35,000 people.\n\n"
        "Its committees are Human Capital, Supply Chain and Innovation.\n",
        encoding="utf-8",
    )
    (corpus / "beta.md").write_text(
        "# Beta IT Cluster\n\nThe Beta IT Cluster in Nuevo León represents 22 IT clusters. "
        "It was created in 2006 by the national council.\n",
        encoding="utf-8",
    )
    (corpus / "gamma.html").write_text(
        "<html><head><title>x</title><script>var s='hidden';</script></head><body>"
        "<h1>Gamma Energy</h1><p>The Gamma Energy Cluster has 19 IT clusters and tech parks "
        "in 16 states.</p></body></html>",
        encoding="utf-8",
    )
    (corpus / "catalog.yaml").write_text(
        "documents:\n  alpha.txt:\n    title: Alpha Report\n    publisher: Alpha Press\n"
        "    date: '2019'\n    kind: report\n",
        encoding="utf-8",
    )
    return corpus


@pytest.fixture
def tiny_settings(tiny_corpus: Path, tmp_path: Path) -> Settings:
    return Settings(corpus_dir=tiny_corpus, index_dir=tmp_path / "index", embedder="hash")


@pytest.fixture
def fake_embedder() -> HashEmbedder:
    return HashEmbedder()


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The repository corpus, indexed once per test session with the real packaged model."""
    from assistant.store.build import build_index

    base = tmp_path_factory.mktemp("real")
    corpus = base / "corpus"
    shutil.copytree(CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=base / "index")
    build_index(corpus, settings.index_dir, SentenceTransformerEmbedder())
    return settings


@pytest.fixture(scope="session")
def real_assistant(real_settings: Settings) -> Any:
    from assistant.pipeline import Assistant

    return Assistant.load(real_settings)
