"""Okapi BM25 over an inverted index held in numpy arrays (Robertson & Zaragoza 2009, "The
Probabilistic Relevance Framework: BM25 and Beyond", eq. 3.15; idf with the +1 of Lucene so that
very common terms never score negative).

Scoring touches only the postings of the query terms, so a query costs O(postings), not O(corpus).
Tokens come from ``text.tokenize`` (accent- and case-folded). This module does not persist files
itself beyond ``to_arrays``/``from_arrays``; ``index`` decides where they go.
"""

from __future__ import annotations

import bisect

import numpy as np


class BM25:
    def __init__(self, k1: float = 1.2, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.vocab: dict[str, int] = {}
        self.offsets = np.zeros(1, dtype=np.int64)  # postings of term t: [offsets[t], offsets[t+1])
        self.doc_ids = np.zeros(0, dtype=np.int32)
        self.tfs = np.zeros(0, dtype=np.float32)
        self.doc_len = np.zeros(0, dtype=np.float32)
        self._sorted_terms: list[str] | None = None  # for has_prefix, made on first use

    @classmethod
    def build(cls, docs: list[list[str]], k1: float = 1.2, b: float = 0.75) -> BM25:
        self = cls(k1, b)
        postings: dict[str, dict[int, int]] = {}
        for doc_id, tokens in enumerate(docs):
            for token in tokens:
                row = postings.setdefault(token, {})
                row[doc_id] = row.get(doc_id, 0) + 1
        self.vocab = {term: i for i, term in enumerate(sorted(postings))}
        sizes = [len(postings[t]) for t in sorted(postings)]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        ids: list[int] = []
        tfs: list[int] = []
        for term in sorted(postings):
            row = postings[term]
            ids.extend(row.keys())
            tfs.extend(row.values())
        self.doc_ids = np.asarray(ids, dtype=np.int32)
        self.tfs = np.asarray(tfs, dtype=np.float32)
        self.doc_len = np.asarray([len(d) for d in docs], dtype=np.float32)
        return self

    @property
    def size(self) -> int:
        return len(self.doc_len)

    def doc_freq(self, term: str) -> int:
        """In how many documents ``term`` occurs."""
        t = self.vocab.get(term)
        return 0 if t is None else int(self.offsets[t + 1] - self.offsets[t])

    def has_prefix(self, prefix: str) -> bool:
        """Whether some term of the vocabulary starts with ``prefix``."""
        if self._sorted_terms is None:
            self._sorted_terms = sorted(self.vocab)
        at = bisect.bisect_left(self._sorted_terms, prefix)
        return at < len(self._sorted_terms) and self._sorted_terms[at].startswith(prefix)

    def scores(self, query: list[str]) -> np.ndarray:
        """BM25 score of every document for the query tokens (zeros where no term matches)."""
        out = np.zeros(self.size, dtype=np.float32)
        if not self.size:
            return out
        avgdl = float(self.doc_len.mean()) or 1.0
        for term in set(query):
            t = self.vocab.get(term)
            if t is None:
                continue
            lo, hi = self.offsets[t], self.offsets[t + 1]
            ids, tf = self.doc_ids[lo:hi], self.tfs[lo:hi]
            df = hi - lo
            idf = np.log(1.0 + (self.size - df + 0.5) / (df + 0.5))
            norm = self.k1 * (1.0 - self.b + self.b * self.doc_len[ids] / avgdl)
            out[ids] += idf * tf * (self.k1 + 1.0) / (tf + norm)
        return out

    def top(self, query: list[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        """Indices and scores of the best ``n`` documents with a positive score, best first."""
        scores = self.scores(query)
        positive = np.flatnonzero(scores > 0)
        if not len(positive):
            return positive, scores[positive]
        n = min(n, len(positive))
        best = positive[np.argpartition(-scores[positive], n - 1)[:n]]
        order = best[np.lexsort((best, -scores[best]))]  # ties broken by index: order-stable
        return order, scores[order]

    def to_arrays(self) -> dict[str, np.ndarray]:
        terms = np.asarray(sorted(self.vocab, key=self.vocab.__getitem__), dtype=object)
        return {
            "terms": terms.astype(str),
            "offsets": self.offsets,
            "doc_ids": self.doc_ids,
            "tfs": self.tfs,
            "doc_len": self.doc_len,
            "params": np.asarray([self.k1, self.b], dtype=np.float64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> BM25:
        k1, b = (float(x) for x in arrays["params"])
        self = cls(k1, b)
        self.vocab = {str(term): i for i, term in enumerate(arrays["terms"])}
        self.offsets = arrays["offsets"].astype(np.int64)
        self.doc_ids = arrays["doc_ids"].astype(np.int32)
        self.tfs = arrays["tfs"].astype(np.float32)
        self.doc_len = arrays["doc_len"].astype(np.float32)
        return self
