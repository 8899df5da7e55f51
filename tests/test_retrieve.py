"""Hybrid retrieval (assistant.retrieve.hybrid): RRF fusion math and stability, and search over a
tiny index built with the fake embedder (accent folding, the place lexicon, what a hit carries)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

import assistant.retrieve.hybrid as retrieve
from assistant.retrieve.hybrid import diversify, rrf, search
from assistant.retrieve.lexicon import expand_query, expansions
from assistant.store.build import build_index
from assistant.store.embed import HashEmbedder
from assistant.store.index import StoredIndex, load_index
from assistant.types import Hit

# Fusion -------------------------------------------------------------------------------------------


def test_rrf_scores_are_sums_of_reciprocal_ranks() -> None:
    fused = dict(rrf([[1, 2, 3], [3, 1]], k=60))
    assert fused[1] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[3] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[2] == pytest.approx(1 / 62)  # in one ranking only
    assert [i for i, _ in rrf([[1, 2, 3], [3, 1]], k=60)] == [1, 3, 2]


def test_rrf_constant_controls_how_much_the_top_ranks_dominate() -> None:
    # 8 is first for one ranker only; 7 is fourth for both
    rankings = [[8, 1, 2, 7], [3, 4, 5, 7]]
    small, large = dict(rrf(rankings, k=1)), dict(rrf(rankings, k=60))
    assert small[8] > small[7]  # small k: a single first place wins
    assert large[7] > large[8]  # large k: agreement between the rankers wins


def test_rrf_ties_are_broken_by_id() -> None:
    assert rrf([[5, 2], [2, 5]]) == rrf([[2, 5], [5, 2]])
    assert [i for i, _ in rrf([[5, 2], [2, 5]])] == [2, 5]
    assert [i for i, _ in rrf([[9], [4]])] == [4, 9]


def test_rrf_of_nothing() -> None:
    assert rrf([]) == [] and rrf([[], []]) == []


rankings = st.lists(st.lists(st.integers(0, 30), unique=True, max_size=15), min_size=1, max_size=4)


@settings(max_examples=200, database=None, deadline=None)
@given(rankings, st.randoms(use_true_random=False), st.integers(1, 100))
def test_rrf_is_order_stable(lists: list[list[int]], rnd: object, k: int) -> None:
    fused = rrf(lists, k=k)
    shuffled = list(lists)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rrf(shuffled, k=k) == fused  # the order of the rankers does not matter
    assert sorted(i for i, _ in fused) == sorted({i for r in lists for i in r})
    keys = [(-score, i) for i, score in fused]
    assert keys == sorted(keys)  # best first, ties by id
    for i, score in fused:  # the score is the documented sum
        expected = sum(1 / (k + r.index(i) + 1) for r in lists if i in r)
        assert score == pytest.approx(expected)


def test_diversify_caps_chunks_per_document_and_keeps_scores() -> None:
    fused = [(0, 0.9), (1, 0.8), (2, 0.7), (3, 0.6), (4, 0.5)]
    doc = {0: "a", 1: "a", 2: "a", 3: "b", 4: "c"}.__getitem__
    assert diversify(fused, doc, 3, None) == fused[:3]
    assert diversify(fused, doc, 3, 1) == [(0, 0.9), (3, 0.6), (4, 0.5)]
    assert diversify(fused, doc, 4, 1) == [(0, 0.9), (1, 0.8), (3, 0.6), (4, 0.5)]  # filled up


# Search over a tiny index -------------------------------------------------------------------------


def _pdf(path: Path, pages: list[str]) -> None:
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))


@pytest.fixture
def corpus(tiny_corpus: Path) -> Path:
    (tiny_corpus / "estado.txt").write_text(
        "Automotive Clusters\n\nEl Clúster Automotriz Estado de México tiene 50 miembros "
        "y cinco comités.\n",
        encoding="utf-8",
    )
    (tiny_corpus / "federal.txt").write_text(
        "Federal Overview\n\nMexico is a federal republic. Each state of Mexico has a governor, "
        "and the state governments of Mexico run state programmes for Mexico's regions.\n",
        encoding="utf-8",
    )
    _pdf(
        tiny_corpus / "brief.pdf",
        ["Cover page of the brief.", "The Yucatan Software Cluster has 70 member companies."],
    )
    return tiny_corpus


@pytest.fixture
def index(corpus: Path, tmp_path: Path) -> StoredIndex:
    report = build_index(corpus, tmp_path / "index", HashEmbedder())
    assert report.skipped == []
    return load_index(tmp_path / "index")


def hits_for(index: StoredIndex, query: str, k: int = 5) -> list[Hit]:
    return search(index, HashEmbedder(), query, k=k)


def test_accents_do_not_matter(index: StoredIndex) -> None:
    for query in ("Queretaro aerospace members", "QUERÉTARO aerospace members"):
        top = hits_for(index, query)[0]
        assert top.doc.doc_id == "alpha.txt"
        assert "Querétaro" in top.chunk.text
        assert top.bm25_rank == 1 and top.dense_rank is not None


def test_state_of_mexico_finds_estado_de_mexico_through_the_lexicon(
    index: StoredIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fake embedder is not semantic, so the lexicon's effect is read on the BM25 ranker."""
    query = "members of the State of Mexico cluster"
    assert "estado de mexico" in expand_query(query)

    def estado(hits: list[Hit]) -> Hit:
        (hit,) = [h for h in hits if h.doc.doc_id == "estado.txt"]
        return hit

    with_lexicon = estado(hits_for(index, query, k=len(index.chunks)))
    assert with_lexicon.bm25_rank == 1
    assert "Estado de México" in with_lexicon.chunk.text
    # without the lexicon the words alone favour texts that say "state", "Mexico", "members"
    monkeypatch.setattr(retrieve, "expand_query", lambda _query: "")
    plain = estado(hits_for(index, query, k=len(index.chunks)))
    assert plain.bm25_rank is None or plain.bm25_rank > 1


def test_spanish_question_words_reach_english_text(index: StoredIndex) -> None:
    top = hits_for(index, "¿Cuántos miembros tiene el clúster aeroespacial de Querétaro?")[0]
    assert top.doc.doc_id == "alpha.txt"


def test_hits_carry_provenance_and_both_ranks(index: StoredIndex) -> None:
    hits = hits_for(index, "Yucatan software cluster member companies", k=3)
    top = hits[0]
    assert top.doc.doc_id == "brief.pdf"
    assert top.chunk.page == 2 and "70 member companies" in top.chunk.text
    assert top.doc.title  # a default title for a file without a catalog entry
    assert top.dense_rank is not None and top.bm25_rank is not None
    assert top.dense_score is not None and top.bm25_score is not None and top.bm25_score > 0
    alpha = hits_for(index, "Alpha Aerospace Cluster committees")[0]
    assert alpha.doc.title == "Alpha Report" and alpha.doc.publisher == "Alpha Press"
    assert alpha.chunk.section  # "Alpha Cluster Report": the heading above the text
    data = alpha.to_dict()
    for key in ("rank", "score", "dense_rank", "bm25_rank", "title", "section", "page", "text"):
        assert key in data


def test_hits_are_ranked_by_fused_score(index: StoredIndex) -> None:
    hits = hits_for(index, "cluster members founded", k=10)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert len({h.chunk.id for h in hits}) == len(hits)
    for hit in hits:
        expected = sum(1 / (60 + r) for r in (hit.dense_rank, hit.bm25_rank) if r is not None)
        assert hit.score == pytest.approx(expected)
    keys = [(-h.score, index.chunks.index(h.chunk)) for h in hits]
    assert keys == sorted(keys)


def test_search_is_deterministic_and_k_limits(index: StoredIndex) -> None:
    query = "IT clusters in Nuevo León"
    first = hits_for(index, query, k=4)
    assert first == hits_for(index, query, k=4)
    assert len(first) == 4
    assert hits_for(index, query, k=2) == first[:2]
    assert len(hits_for(index, query, k=100)) == len(index.chunks)


def test_empty_query_and_empty_index(index: StoredIndex, tmp_path: Path) -> None:
    assert hits_for(index, "") == [] and hits_for(index, "   ") == []
    empty = tmp_path / "empty"
    empty.mkdir()
    build_index(empty, tmp_path / "empty-index", HashEmbedder())
    assert hits_for(load_index(tmp_path / "empty-index"), "anything") == []


def test_a_query_with_no_known_word_still_gets_dense_hits(index: StoredIndex) -> None:
    hits = hits_for(index, "zzzqqq", k=3)
    assert len(hits) == 3
    assert all(h.bm25_rank is None and h.dense_rank is not None for h in hits)


def test_expansions_say_which_word_each_addition_stands_for() -> None:
    pairs = dict(expansions("Which firms in Nuevo León and in Baja California export?"))
    assert pairs["nuevo leon"] == "monterrey"
    assert set(pairs["baja california"].split()) == {"tijuana", "mexicali"}
    assert dict(expansions("¿Cuántos miembros?"))["miembros"] == "members"
    assert dict(expansions("Which firms export?"))["firms"] == "companies"  # a synonym
    assert expansions("Which zebras graze?") == []
    assert dict(expansions("Which US firms export?"))["usa"] == "united states estados unidos"
    assert expansions("Can you tell us which zebras graze?") == []  # the pronoun
    assert expand_query("Nuevo León zebras") == "monterrey"
    assert expand_query("Monterrey zebras") == "nuevo leon"  # "Nuevo León" folded only once
