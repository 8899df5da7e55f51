"""answer.py: the extractive answerer (direct answers, conflicting figures, abstention).

Unit tests build hits by hand; the tiny-corpus tests run the real pipeline with the hash embedder.
Invariants checked on every answer: each citation's quote is an exact substring of its passage and
of a retrieved chunk, and every [n] in the answer text has a citation n.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer import direct_answer, extractive
from assistant.bm25 import BM25
from assistant.config import Settings
from assistant.embed import HashEmbedder
from assistant.pipeline import Assistant
from assistant.question import analyse, idf_from_df
from assistant.text import tokenize
from assistant.types import Answer, Chunk, DocInfo, Hit
from tests.drafts import answer, assert_draft_invariants, make_hit


def assert_answer_invariants(result: Answer) -> None:
    retrieved = {h.chunk.id: h.chunk.text for h in result.hits}
    numbers = {c.n for c in result.citations}
    for c in result.citations:
        assert c.quote in c.passage
        assert c.chunk_id in retrieved and c.quote in retrieved[c.chunk_id]
    for n in re.findall(r"\[(\d+)\]", result.answer):
        assert int(n) in numbers, (n, result.answer)


HITS = [
    make_hit(
        1,
        "The Alpha cluster was founded in March 2009 in Querétaro. "
        "The cluster has 45 members and 12 committees.",
    ),
    make_hit(
        2,
        "The Beta cluster exports 2.4% of national output and received €9.9 billion in investment.",
    ),
    make_hit(3, "Exports of the Beta cluster go mostly to the United States and Canada."),
]


# Direct answers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many committees does the Alpha cluster have?", "12 committees"),
        ("How many members does the Alpha cluster have?", "45 members"),
        ("When was the Alpha cluster founded?", "March 2009"),
        ("How much investment did the Beta cluster receive?", "€9.9 billion"),
    ],
)
def test_a_number_or_date_question_opens_with_a_verbatim_span(question: str, expected: str) -> None:
    draft = answer(question, HITS)
    assert not draft.abstained
    first, cites = draft.sentences[0]
    assert first == expected
    quote = draft.citations[cites[0] - 1].quote
    assert first in quote  # taken verbatim from the cited sentence
    assert draft.sentences[1][0] == quote  # followed by the sentence itself
    assert_draft_invariants(draft, HITS)


def test_the_counted_number_is_chosen_not_the_first_one() -> None:
    q = analyse("How many education institutes take part?", lambda t: 1.0)
    sentence = "The cluster includes 33 companies, 16 education institutes and five committees."
    assert direct_answer(q, sentence) == "16 education institutes"


def test_in_a_list_of_label_figure_items_the_figure_goes_with_the_label_before_it() -> None:
    q = analyse("How much wind capacity will the plan install?", lambda t: 1.0)
    sentence = "Targets include: hydropower, 13,030 MW; wind energy, 8,922 MW; solar, 627 MW."
    assert direct_answer(q, sentence) == "8,922 MW"


def test_years_are_not_taken_as_counts() -> None:
    q = analyse("How many members does the cluster have?", lambda t: 1.0)
    assert direct_answer(q, "In 2019 the cluster had 119 members.") == "119 members"


def test_no_direct_answer_for_an_open_question() -> None:
    q = analyse("Describe the Alpha cluster.", lambda t: 1.0)
    assert direct_answer(q, "The Alpha cluster has 45 members.") is None


# Conflicting figures ----------------------------------------------------------------------------

CONFLICT = [
    make_hit(
        1,
        "The Delta Aerospace Cluster has 120 member companies. It is based in Sonora.",
        doc="north.txt",
        publisher="North Institute",
        date="2019",
    ),
    make_hit(
        2,
        "The Delta Aerospace Cluster has 135 member companies, says the chamber.",
        doc="south.txt",
        publisher="South Chamber",
        date="2021",
    ),
    make_hit(3, "The Omega Textile Cluster in Puebla exports garments to Canada.", doc="o.txt"),
]


def test_conflicting_figures_are_all_shown_with_their_sources() -> None:
    draft = answer("How many member companies does the Delta Aerospace Cluster have?", CONFLICT)
    lead = draft.sentences[0][0]
    assert lead.startswith("The sources give different figures")
    first = re.search(r"120 member companies \(North Institute, 2019\) \[(\d)\]", lead)
    second = re.search(r"135 member companies \(South Chamber, 2021\) \[(\d)\]", lead)
    assert first and second, lead
    by_n = {c.n: c for c in draft.citations}
    assert by_n[int(first.group(1))].doc == "north.txt"
    assert by_n[int(second.group(1))].doc == "south.txt"
    assert_draft_invariants(draft, CONFLICT)


def test_one_source_gives_no_conflict() -> None:
    draft = answer("How many member companies does the Delta Aerospace Cluster have?", CONFLICT[:1])
    assert not draft.sentences[0][0].startswith("The sources give different figures")
    assert draft.sentences[0][0] == "120 member companies"


# Abstention -----------------------------------------------------------------------------------


def test_missing_key_terms_abstain_naming_them_with_pointer_citations() -> None:
    draft = answer("What is the annual budget of the Gamma consortium?", HITS)
    assert draft.abstained
    lead = draft.sentences[0][0]
    assert lead.startswith("The documents don't say")
    assert "budget" in lead and "gamma" in lead
    assert 1 <= len(draft.citations) <= 2  # the closest passages, as pointers
    assert_draft_invariants(draft, HITS)


def test_no_hits_abstains_without_citations() -> None:
    draft = answer("How many members does the Alpha cluster have?", [])
    assert draft.abstained and draft.citations == []
    assert draft.text.startswith("The documents don't say")


def test_a_higher_threshold_abstains_where_a_lower_one_answers() -> None:
    question = "How many members does the Alpha cluster have in Jalisco?"
    assert answer(question, HITS, threshold=1.0).abstained
    assert not answer(question, HITS, threshold=0.3).abstained


# Over the tiny corpus, through the pipeline ---------------------------------------------------


@pytest.fixture
def tiny_assistant(tiny_settings: Settings, fake_embedder: HashEmbedder) -> Assistant:
    return Assistant.load(tiny_settings, embedder=fake_embedder, build_if_missing=True)


ANSWERABLE = [
    ("How many members does the Alpha Aerospace Cluster have?", "45"),
    ("When was the Beta IT Cluster created?", "2006"),
    ("How many people does the Alpha Aerospace Cluster employ?", "35,000"),
    ("In how many states does the Gamma Energy Cluster have tech parks?", "16"),
]


@pytest.mark.parametrize(("question", "figure"), ANSWERABLE)
def test_tiny_corpus_questions_are_answered_directly(
    tiny_assistant: Assistant, question: str, figure: str
) -> None:
    result = tiny_assistant.ask(question)
    assert not result.abstained, result.answer
    assert figure in result.sentences[0].text
    assert result.sentences[0].text in result.citations[0].quote
    assert all(s.verified for s in result.sentences)
    assert all(c.verified for c in result.citations)
    assert_answer_invariants(result)


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("What is the annual budget of the Delta Mining Cluster?", "budget"),
        ("How many hospitals are in Oaxaca?", "hospital"),
    ],
)
def test_tiny_corpus_unanswerable_questions_abstain(
    tiny_assistant: Assistant, question: str, missing: str
) -> None:
    result = tiny_assistant.ask(question)
    assert result.abstained
    assert result.answer.startswith("The documents don't say")
    assert missing in result.answer
    assert result.citations, "an abstention still points at the closest passages"
    assert all(s.verified for s in result.sentences)  # abstentions are not flagged
    assert_answer_invariants(result)


def test_an_unknown_topic_word_abstains_even_when_the_rest_matches_well() -> None:
    # "lithium" is nowhere in the hits; everything else in the question is matched by hit 1
    hits = [make_hit(1, "The Alpha cluster of Jalisco has 45 members and hosts 3 start-ups.")]
    vocab = BM25.build([tokenize(h.chunk.text) for h in hits])
    idf = idf_from_df(vocab.doc_freq, 1)
    q = analyse("Which lithium cluster hosts start-ups?", idf, vocab)
    assert q.unknown == ("lithium",)
    draft = extractive(q, hits, threshold=0.3)
    assert draft.abstained and "lithium" in draft.sentences[0][0]
    known = analyse("Which cluster hosts start-ups?", idf, vocab)
    assert not extractive(known, hits, threshold=0.3).abstained


def test_the_direct_answer_is_the_number_among_the_question_terms() -> None:
    sentence = (
        "The law set goals of cutting emissions by 30% until 2020, and raising the share of "
        "clean power to 35% by 2024 and 50% by 2050."
    )
    hits = [make_hit(1, sentence)]
    draft = answer("What share of clean power does the law require by 2024?", hits, 0.3)
    assert draft.sentences[0][0] == "35%"


def test_ask_and_stream_answer_both_parts_of_a_two_part_question(
    tiny_assistant: Assistant,
) -> None:
    question = (
        "How many members does the Alpha Aerospace Cluster have, and when was the Beta IT "
        "Cluster created?"
    )
    asked = tiny_assistant.ask(question)
    streamed = [piece for piece in tiny_assistant.stream(question)][-1]
    assert isinstance(streamed, Answer)
    for result in (asked, streamed):
        assert not result.abstained
        assert "45" in result.answer and "2006" in result.answer, result.answer
        assert_answer_invariants(result)
    assert asked.answer == streamed.answer


def test_dates_and_times_are_not_the_number_a_question_asks_for() -> None:
    hits = [
        make_hit(1, "Posted by the editor - Wed, 01/13/2021 - 15:09"),
        make_hit(2, "The region has eight strategic sectors, including textiles."),
    ]
    draft = answer("How many strategic sectors does the region have?", hits, 0.3)
    assert draft.sentences[0][0] == "eight strategic sectors"


def test_a_one_word_name_opening_a_sentence_answers_which_city() -> None:
    hits = [
        make_hit(1, "Furthermore, talent is scarce. Leon is becoming the shoe capital of Europe.")
    ]
    draft = answer("Which city is becoming the shoe capital of Europe?", hits, 0.3)
    assert draft.sentences[0][0] == "Leon", draft.text


def test_two_sections_of_one_report_giving_different_figures_are_both_shown() -> None:
    info = DocInfo(doc_id="report.txt", title="Report", publisher="Agency", date="2019")
    texts = {
        "1 Summary": "The energy law sets a goal of 35% clean electricity by 2024.",
        "4 Policy": "Among the goals the energy law sets: 24% clean electricity by 2024.",
    }
    chunks = [
        Chunk(f"c{n}", info.doc_id, text, section, None, 0, len(text))
        for n, (section, text) in enumerate(texts.items(), start=1)
    ]
    hits = [Hit(chunk=c, doc=info, score=1.0 / n, rank=n) for n, c in enumerate(chunks, 1)]
    draft = answer("What share of clean electricity does the energy law set by 2024?", hits, 0.3)
    assert draft.text.startswith("The sources give different figures")
    assert "35%" in draft.sentences[0][0] and "24%" in draft.sentences[0][0]
    assert_draft_invariants(draft, hits)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The fair runs during the May 29 to June 1 conference week.", "May 29 to June 1"),
        ("The article was posted on December 20, 2017 by the editors.", "December 20, 2017"),
        ("Posted by the editors - Wed, 01/13/2021 - 15:09", "01/13/2021"),
    ],
)
def test_dates_with_and_without_a_year_are_direct_answers(sentence: str, expected: str) -> None:
    draft = answer("On which dates was it posted or run?", [make_hit(1, sentence)], 0.1)
    assert draft.sentences[0][0] == expected, draft.text


def test_a_question_quoted_back_loses_its_citation_like_brackets() -> None:
    draft = answer("How many members does CLAUGTO [10] report?", HITS, threshold=1.0)
    assert draft.abstained
    assert "[10]" not in draft.text
    assert_draft_invariants(draft, HITS)


def test_a_how_many_question_without_any_figure_in_the_evidence_abstains() -> None:
    hits = [make_hit(1, "The Alpha cluster operates data centres across Jalisco and Sonora.")]
    assert answer("How many data centres does the Alpha cluster operate?", hits, 0.3).abstained
    hits = [make_hit(1, "The Alpha cluster operates 12 data centres across Jalisco and Sonora.")]
    draft = answer("How many data centres does the Alpha cluster operate?", hits, 0.3)
    assert not draft.abstained and draft.sentences[0][0] == "12 data centres"


def test_a_number_after_a_year_and_a_comma_is_still_found() -> None:
    sentence = "Between 2010 and 2016, the state announced approximately 72 FDI projects."
    draft = answer("How many FDI projects did the state announce?", [make_hit(1, sentence)], 0.3)
    assert draft.sentences[0][0] == "approximately 72 FDI projects"


def test_how_many_of_them_are_counts_what_follows_the_verb_and_a_number_in_a_name() -> None:
    sentence = "The cluster has 119 members, including 70 Tier 1 members, 17 development suppliers."
    draft = answer("How many of the members are Tier 1 suppliers?", [make_hit(1, sentence)], 0.3)
    assert draft.sentences[0][0] == "70 Tier 1 members", draft.text


def test_a_sentence_saying_nothing_of_the_question_in_a_well_titled_document_abstains() -> None:
    def titled(text: str) -> Hit:
        hit = make_hit(1, text)
        info = DocInfo(doc_id="alpha.txt", title="Alpha report", publisher="", date="")
        return Hit(chunk=hit.chunk, doc=info, score=1.0, rank=1)

    question = "Which training does the Alpha report recommend for welders and plumbers?"
    weak_hit = titled("Hence, the government launched programmes for employment.")
    weak = answer(question, [weak_hit], threshold=0.3)  # covered enough through the title
    assert weak.abstained, weak.text
    strong_hit = titled("The Alpha report recommends welder and plumber training.")
    strong = answer(question, [strong_hit], threshold=0.3)
    assert not strong.abstained, strong.text


def test_a_share_question_is_answered_with_a_percentage_never_a_count() -> None:
    hits = [
        make_hit(1, "In 2019 the state exported 12 car models made in its plants to Europe."),
        make_hit(2, "About 75% of the cars made in the state are exported.", doc="b.txt"),
    ]
    draft = answer("What proportion of the state's cars are exported?", hits, 0.1)
    assert draft.sentences[0][0] == "75%", draft.text
    assert [c.doc for c in draft.citations] == ["b.txt"], draft.text
    counted = answer("How many car models does the state export?", hits, 0.3)
    assert counted.sentences[0][0].startswith("12 car models"), counted.text


def test_a_how_long_question_is_answered_with_a_span_of_time() -> None:
    hits = [
        make_hit(1, "The state ranks 4th among places where a firm can set up a plant."),
        make_hit(2, "Setting up a plant takes about ten weeks in the state.", doc="b.txt"),
    ]
    draft = answer("How long does it take a firm to set up a plant in the state?", hits, 0.1)
    assert draft.sentences[0][0] == "about ten weeks", draft.text
    assert [c.doc for c in draft.citations] == ["b.txt"], draft.text
