"""BM25 (assistant.store.bm25): scores against a hand-computed example, stable ties, persistence."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.store.bm25 import BM25

DOCS = [["a", "b"], ["a", "a", "c"], ["c"]]  # lengths 2, 3, 1: avgdl = 2


def test_scores_match_a_hand_computed_example() -> None:
    bm25 = BM25.build(DOCS)  # k1 = 1.2, b = 0.75
    # "a" is in 2 of 3 documents: idf = ln(1 + (3 - 2 + 0.5) / (2 + 0.5)) = ln 1.6
    idf_a = math.log(1.6)
    # d0: tf 1, |d| 2 -> K = 1.2 * (0.25 + 0.75 * 2/2) = 1.2   -> idf * 1 * 2.2 / (1 + 1.2)
    # d1: tf 2, |d| 3 -> K = 1.2 * (0.25 + 0.75 * 3/2) = 1.65  -> idf * 2 * 2.2 / (2 + 1.65)
    expected = [idf_a * 2.2 / 2.2, idf_a * 4.4 / 3.65, 0.0]
    assert bm25.scores(["a"]) == pytest.approx(expected, rel=1e-6)
    # "b" only in d0: idf = ln(1 + 2.5 / 1.5); scores add over query terms
    idf_b = math.log(1 + 2.5 / 1.5)
    both = bm25.scores(["a", "b"])
    assert both[0] == pytest.approx(idf_a + idf_b, rel=1e-6)
    assert both[1] == pytest.approx(expected[1], rel=1e-6)


def test_common_terms_never_score_negative() -> None:
    bm25 = BM25.build([["x", "y"], ["x"], ["x", "z"]])  # "x" in every document
    assert (bm25.scores(["x"]) > 0).all()


def test_unknown_terms_and_repeated_query_terms() -> None:
    bm25 = BM25.build(DOCS)
    assert not bm25.scores(["nothing"]).any()
    assert bm25.scores(["a", "a", "a"]) == pytest.approx(bm25.scores(["a"]))
    indices, scores = bm25.top(["nothing"], 5)
    assert len(indices) == len(scores) == 0


def test_top_is_best_first_and_only_positive() -> None:
    bm25 = BM25.build(DOCS)
    indices, scores = bm25.top(["a"], 10)
    assert indices.tolist() == [1, 0]  # d1 (tf 2) beats d0; d2 has no "a" and is left out
    assert list(scores) == sorted(scores, reverse=True)
    assert bm25.top(["a"], 1)[0].tolist() == [1]


def test_ties_are_broken_by_document_order() -> None:
    docs = [["other"], ["same", "x"], ["other", "y"], ["same", "x"], ["same", "x"]]
    bm25 = BM25.build(docs)
    for n in (1, 2, 3, 10):
        assert bm25.top(["same"], n)[0].tolist() == [1, 3, 4][:n]
    # same result whatever order the query terms come in
    assert bm25.top(["same", "x"], 3)[0].tolist() == bm25.top(["x", "same"], 3)[0].tolist()


def test_empty_index() -> None:
    bm25 = BM25.build([])
    assert bm25.size == 0
    assert bm25.scores(["a"]).shape == (0,)
    assert len(bm25.top(["a"], 3)[0]) == 0


def test_arrays_round_trip_through_npz(tmp_path: Path) -> None:
    docs = [["queretaro", "aerospace", "35000"], ["guanajuato", "auto"], ["aerospace"] * 3, []]
    bm25 = BM25.build(docs, k1=1.5, b=0.6)
    path = tmp_path / "bm25.npz"
    arrays: dict[str, Any] = bm25.to_arrays()
    np.savez(path, **arrays)
    with np.load(path, allow_pickle=False) as stored:  # no pickled objects on disk
        loaded = BM25.from_arrays(dict(stored))
    assert (loaded.k1, loaded.b) == (1.5, 0.6)
    assert loaded.vocab == bm25.vocab
    for query in (["aerospace"], ["queretaro", "auto"], ["35000"], ["missing"]):
        assert loaded.scores(query) == pytest.approx(bm25.scores(query))
        assert loaded.top(query, 3)[0].tolist() == bm25.top(query, 3)[0].tolist()


words = st.lists(st.sampled_from(["a", "b", "c", "d", "e"]), max_size=8)


@settings(max_examples=200, database=None, deadline=None)
@given(st.lists(words, min_size=1, max_size=12), words)
def test_postings_agree_with_a_brute_force_score(docs: list[list[str]], query: list[str]) -> None:
    bm25 = BM25.build(docs)
    n, avgdl = len(docs), (sum(map(len, docs)) / len(docs)) or 1.0
    expected = []
    for doc in docs:
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            tf = doc.count(term)
            if tf:
                idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
                score += idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * len(doc) / avgdl))
        expected.append(score)
    assert bm25.scores(query) == pytest.approx(expected, rel=1e-5, abs=1e-6)
    indices, scores = bm25.top(query, n)
    assert sorted(indices.tolist()) == [i for i in range(n) if expected[i] > 1e-6]
    for (i, si), (j, sj) in zip(
        zip(indices.tolist(), scores, strict=True),
        zip(indices.tolist()[1:], scores[1:], strict=True),
        strict=False,
    ):
        assert si > sj or (si == sj and i < j)  # best first; equal scores in document order


def test_doc_freq_and_has_prefix_read_the_vocabulary() -> None:
    index = BM25.build([["cluster", "member"], ["cluster", "attendance"], []])
    assert index.doc_freq("cluster") == 2 and index.doc_freq("member") == 1
    assert index.doc_freq("absent") == 0
    assert index.has_prefix("attend") and index.has_prefix("clus")
    assert not index.has_prefix("attendances") and not index.has_prefix("zz")
    restored = BM25.from_arrays(index.to_arrays())
    assert restored.doc_freq("cluster") == 2 and restored.has_prefix("memb")
