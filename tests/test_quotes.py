"""quotes.py: the spans an extractive answer may quote (lists with their items, a sentence with
the next one that goes on about it, a title wrapped onto its own line)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from assistant.question import analyse
from assistant.quotes import TITLED, Candidate, candidates
from assistant.types import Hit
from tests.drafts import answer, assert_draft_invariants, make_hit


def test_a_list_introduction_is_quoted_with_its_items_across_a_blank_line() -> None:
    text = (
        "The agency runs a support scheme for firms. The scheme has three strands:\n\n"
        "ALPHA: grants for small firms\nBETA: loans for large firms\nGAMMA: networks of firms"
        "\n\nIn other news, the agency also publishes an annual report on regional exports and "
        "on the state of the labour market, with many tables and a long methodological annex."
    )
    hits = [make_hit(1, text)]
    draft = answer("What are the three strands of the support scheme?", hits, threshold=0.3)
    assert not draft.abstained
    quote = draft.citations[0].quote
    assert all(name in quote for name in ("ALPHA", "BETA", "GAMMA")), quote
    assert "In other news" not in quote
    assert_draft_invariants(draft, hits)


def test_a_title_wrapped_onto_its_own_line_is_read_with_its_name() -> None:
    hits = [make_hit(1, "Growing the software hub\n\nAna Ruiz - ALPHA\nPresident\n\nBy the editor")]
    draft = answer("Who is the president of ALPHA?", hits, 0.3)
    assert draft.sentences[0][0] == "Ana Ruiz", draft.text


def test_a_list_spelled_out_in_ordinal_sentences_is_quoted_whole() -> None:
    text = (
        "The region grew fast. Its plan rests on several pillars. The first is to train "
        "engineers. Second, it builds roads. Third, it funds start-ups. Finally, it lowers "
        "taxes. Tourism is another matter altogether."
    )
    hits = [make_hit(1, text)]
    draft = answer("What are the pillars of the region's plan?", hits, 0.3)
    quote = draft.citations[0].quote
    assert "Its plan rests" in quote and quote.endswith("lowers taxes."), quote


@pytest.mark.parametrize(
    "text",
    [
        "Leon is becoming the shoe capital. The city is home to firms such as Flexi and Andrea.",
        "The hub has five shoe firms. The firms include Flexi and Andrea.",
        "The hub plans to count shoe firms. The exact firms include Flexi and Andrea.",
        "The hub of Leon has low costs for shoe firms. Therefore, Flexi and Andrea moved there.",
    ],
)
def test_a_sentence_is_quoted_with_the_next_one_when_it_goes_on_about_it(text: str) -> None:
    hits = [make_hit(1, text)]
    draft = answer("Which shoe firms does the hub of Leon have?", hits, 0.3)
    assert "Flexi and Andrea" in draft.text, draft.text
    assert_draft_invariants(draft, hits)


def test_a_sentence_about_something_else_is_not_joined() -> None:
    text = "Leon is becoming the shoe capital. Tourism grows along the coast of Yucatan."
    hits = [make_hit(1, text)]
    draft = answer("Which city is becoming the shoe capital?", hits, 0.3)
    assert all("Tourism" not in c.quote for c in draft.citations), draft.citations


def test_the_words_of_a_web_address_are_not_words_the_passage_says() -> None:
    text = "Funding portal:\nhttp://example.org/solar-energy/scheme-funds\nns/solar/energy_en"
    hits = [make_hit(1, text), make_hit(2, "The SOLAR scheme pays for panels on rooftops.")]
    draft = answer("Which scheme funds solar energy?", hits, 0.3)
    assert draft.citations[0].quote.startswith("The SOLAR scheme"), draft.citations


def test_a_short_sentence_is_read_as_a_sentence_and_a_byline_is_not() -> None:
    # four distinct words, but a whole sentence: it answers as well as a longer one
    hits = [
        make_hit(1, "In Chile, we have a very interesting alliance with a network of clusters."),
        make_hit(2, "We have an alliance with Pro Peru, a cluster in Peru."),
        make_hit(3, "Ana Ruiz - Peru\nAlliance Cluster"),
    ]
    draft = answer("Which Peruvian cluster has an alliance with the council?", hits, 0.3)
    assert draft.citations[0].quote.startswith("We have an alliance with Pro Peru"), draft.text


def test_of_two_quotes_that_score_alike_the_one_that_goes_on_is_preferred() -> None:
    text = "Another fair we join is EXPOTEC. This is a yearly fair run by the chamber."
    hits = [make_hit(1, text)]
    draft = answer("How often is the EXPOTEC fair held?", hits, 0.3)
    assert "yearly" in draft.citations[0].quote, draft.citations


def test_a_date_is_quoted_with_its_sentence_alone_when_the_next_adds_nothing_asked() -> None:
    text = "The fair started in 2012 in the capital. The fair has 90 members and five committees."
    draft = answer("When did the fair start?", [make_hit(1, text)], 0.3)
    assert draft.sentences[0][0] == "2012", draft.text
    assert draft.citations[0].quote == "The fair started in 2012 in the capital.", draft.citations


def test_a_byline_answers_who_wrote_an_article_and_when_it_was_published() -> None:
    text = (
        "Growing the software hub\n\nBy Ana Gerning | Journalist - Mon, 03/08/2021 - 10:15\n\n"
        "The hub keeps up to date with new standards and hosts a yearly fair for its members."
    )
    hits = [make_hit(1, text)]
    who = answer("Who wrote the article about the software hub?", hits, 0.1)
    assert who.sentences[0][0] == "Ana Gerning", who.text
    when = answer("On what date was the article about the software hub published?", hits, 0.1)
    assert when.sentences[0][0] == "03/08/2021", when.text
    assert when.citations[0].quote.startswith("By Ana Gerning"), when.citations


def test_a_sentence_under_a_heading_that_is_the_name_asked_about_scores_higher() -> None:
    text = "The cluster has three committees, namely Safety, Talent and Energy Efficiency."
    q = analyse("What committees does the Nuevo Leon Energy Cluster run?", lambda t: 1.0)

    def best(section: str) -> Candidate:
        hit = make_hit(1, text)
        chunk = replace(hit.chunk, section=f"Clusters > {section}")
        return candidates(q, [Hit(chunk=chunk, doc=hit.doc, score=1.0, rank=1)])[0]

    titled, other = best("Nuevo León Energy Cluster"), best("Aerocluster (Nuevo León, Energy)")
    assert titled.titled and not other.titled
    assert titled.score == pytest.approx(other.score + TITLED)
    # a sentence saying the name is about it too, whatever its heading
    said = candidates(q, [make_hit(1, "The Nuevo Leon Energy Cluster has three committees.")])
    assert said[0].titled
