"""A random-projection stand-in for the embedding model, for the largest benchmark corpora only.

Job: vectors of the real model's dimension (384, L2-normalised float32) at a tiny fraction of the
model's cost, so that FAISS, BM25, index size, load time and query latency can be measured for
real on corpora too large to embed on 2 cores. Each word gets a fixed Gaussian vector (seeded by
a hash of the word), and a text is the normalised sum of its words' vectors: a random projection
of its bag of words, so texts that share words get similar vectors, as a real model's would.

It reports the real model's ``model_id`` so that the assistant loads the index it built with the
real query embedder (query embedding cost is then the real one). Its vectors carry no meaning
beyond shared words; every table that uses it says "synthetic vectors".

Non-job: semantic similarity, speed figures for embedding (those are measured on the real model
and extrapolated).
"""

from __future__ import annotations

import re
import zlib

import numpy as np

from assistant.store.embed import DIMENSION, MODEL_ID

_WORD = re.compile(r"\w+")


class RandomProjectionEmbedder:
    """Normalised sum of per-word Gaussian vectors; deterministic for a seed."""

    model_id = MODEL_ID  # stands in for the real model: see the module docstring
    dimension = DIMENSION

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._ids: dict[str, int] = {}
        self._table = np.zeros((0, self.dimension), dtype=np.float32)

    def _grow(self, words: list[str]) -> None:
        new = [w for w in dict.fromkeys(words) if w not in self._ids]
        if not new:
            return
        needed = len(self._ids) + len(new)
        if needed > len(self._table):  # grow by doubling: amortised O(1) per word
            table = np.empty((max(needed, 2 * len(self._table), 1024), self.dimension), np.float32)
            table[: len(self._ids)] = self._table[: len(self._ids)]
            self._table = table
        for word in new:
            rng = np.random.default_rng((self.seed, zlib.crc32(word.encode("utf-8"))))
            self._table[len(self._ids)] = rng.standard_normal(self.dimension, dtype=np.float32)
            self._ids[word] = len(self._ids)

    def embed(self, texts: list[str]) -> np.ndarray:
        words = [_WORD.findall(text.lower()) for text in texts]
        flat = [w for ws in words for w in ws]
        self._grow(flat)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if flat:
            from scipy.sparse import csr_matrix  # installed with sentence-transformers

            ids = np.fromiter((self._ids[w] for w in flat), dtype=np.int64, count=len(flat))
            owner = np.repeat(np.arange(len(texts)), [len(ws) for ws in words])
            counts = csr_matrix(
                (np.ones(len(flat), dtype=np.float32), (owner, ids)),
                shape=(len(texts), len(self._ids)),
            )
            out[:] = counts @ self._table[: len(self._ids)]
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)
