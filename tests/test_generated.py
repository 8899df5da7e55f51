"""generated.py: a generative backend's text with [n] markers -> sentences and citations."""

from __future__ import annotations

import pytest

from assistant.generate.parse import parse_generated
from assistant.read.verify import verify
from assistant.types import Chunk, DocInfo, Hit


def make_hit(rank: int, text: str) -> Hit:
    info = DocInfo(doc_id=f"doc{rank}.txt", title=f"Doc {rank}", publisher="P", date="2021")
    chunk = Chunk(f"c{rank}", info.doc_id, text, "Section", None, 0, len(text))
    return Hit(chunk=chunk, doc=info, score=1.0 / rank, rank=rank)


HITS = [
    make_hit(
        1,
        "The Alpha cluster was founded in 2009. It has 45 members. "
        "It employs more than 35,000 people.",
    ),
    make_hit(2, "Investment reached €9.9 billion in 2020. Growth was 2% a year."),
    make_hit(3, "The Beta cluster groups 22 IT clusters."),
]


def test_each_sentence_keeps_its_own_markers() -> None:
    draft = parse_generated("Alpha has 45 members [1]. Investment was €9.9 billion [2].", HITS)
    assert draft.sentences == [
        ("Alpha has 45 members.", (1,)),
        ("Investment was €9.9 billion.", (2,)),
    ]
    assert [c.n for c in draft.citations] == [1, 2]
    assert not draft.abstained


def test_adjacent_markers_cite_several_sources() -> None:
    draft = parse_generated("Alpha has 45 members and 35,000 jobs [1][3].", HITS)
    assert draft.sentences == [("Alpha has 45 members and 35,000 jobs.", (1, 3))]
    assert [c.doc for c in draft.citations] == ["doc1.txt", "doc3.txt"]


@pytest.mark.parametrize(
    "text",
    [
        "Alpha has 45 members. [1] Beta groups 22 IT clusters. [3]",
        "Alpha has 45 members.\n[1]\nBeta groups 22 IT clusters.\n[3]",
    ],
)
def test_a_marker_split_into_its_own_sentence_joins_the_previous_one(text: str) -> None:
    draft = parse_generated(text, HITS)
    assert draft.sentences == [
        ("Alpha has 45 members.", (1,)),
        ("Beta groups 22 IT clusters.", (3,)),
    ]


def test_markers_out_of_range_are_kept_for_verification() -> None:
    draft = parse_generated("Alpha has 45 members [7]. Beta groups 22 IT clusters [3].", HITS)
    assert draft.sentences[0] == ("Alpha has 45 members.", (7,))
    assert [c.n for c in draft.citations] == [3]  # no citation is invented for [7]
    sentences, _ = verify(draft.sentences, draft.citations)
    assert not sentences[0].verified and "[7]" in sentences[0].issues[0]
    assert sentences[1].verified


def test_marker_zero_is_out_of_range_too() -> None:
    draft = parse_generated("Alpha has 45 members [0].", HITS)
    assert draft.sentences == [("Alpha has 45 members.", (0,))]
    assert draft.citations == []


def test_quotes_are_exact_substrings_of_the_cited_chunk_and_match_the_claim() -> None:
    draft = parse_generated(
        "The cluster employs 35,000 people [1]. Growth was 2% a year [2].",
        HITS,
    )
    by_n = {c.n: c for c in draft.citations}
    for c in draft.citations:
        assert c.quote in HITS[c.n - 1].chunk.text
        assert c.passage == HITS[c.n - 1].chunk.text
        assert c.chunk_id == HITS[c.n - 1].chunk.id
    assert by_n[1].quote == "It employs more than 35,000 people."
    assert by_n[2].quote == "Growth was 2% a year."


def test_citations_carry_the_source_metadata() -> None:
    citation = parse_generated("Beta groups 22 IT clusters [3].", HITS).citations[0]
    assert (citation.n, citation.doc, citation.title, citation.date) == (
        3, "doc3.txt", "Doc 3", "2021")  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "The documents don't say how large the budget is.",
        "The documents don’t say how large the budget is.",
        "  The documents do not say how large the budget is [1].",
        "THE DOCUMENTS DON'T SAY anything about budgets.",
    ],
)
def test_abstention_prefix_is_detected(text: str) -> None:
    draft = parse_generated(text, HITS)
    assert draft.abstained
    sentences, _ = verify(draft.sentences, draft.citations, abstained=draft.abstained)
    assert all(s.verified for s in sentences)


def test_a_mention_of_the_prefix_later_is_not_an_abstention() -> None:
    draft = parse_generated("Alpha has 45 members [1]. The documents don't say more.", HITS)
    assert not draft.abstained


def test_a_sentence_without_markers_is_kept_uncited() -> None:
    draft = parse_generated("Alpha has 45 members [1]. It is the best cluster.", HITS)
    assert draft.sentences[1] == ("It is the best cluster.", ())
    sentences, _ = verify(draft.sentences, draft.citations)
    assert sentences[1].issues == ("no citation",)


def test_empty_output_gives_an_empty_draft() -> None:
    draft = parse_generated("   ", HITS)
    assert draft.sentences == [] and draft.citations == [] and not draft.abstained


def test_a_marker_opening_the_first_sentence_stays_with_it() -> None:
    draft = parse_generated("[1] Alpha has 45 members.", HITS)
    assert draft.sentences == [("Alpha has 45 members.", (1,))]
