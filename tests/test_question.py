"""question.py: what a question asks for (its kind) and its weighted key terms."""

from __future__ import annotations

import pytest

from assistant.bm25 import BM25
from assistant.question import (
    FRAME,
    Question,
    analyse,
    answer_kind,
    counted,
    idf_from_df,
    is_foreign,
)
from assistant.text import tokenize

MEMBER = tokenize("members")[0]  # the token form (singular or not) of a plural word

DF = {MEMBER: 3, "claugto": 1, "cluster": 8}


def idf(term: str) -> float:
    return idf_from_df(lambda t: DF.get(t, 0), 10)(term)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many members does CLAUGTO have?", "number"),
        ("What percentage of exports go to the US?", "number"),
        ("¿Cuántos miembros tiene CLAUGTO?", "number"),
        ("Wie viele Mitglieder hat CLAUGTO?", "number"),
        ("When was CLUTIG founded?", "date"),
        ("In what year was it created?", "date"),
        ("¿Cuándo se fundó CLUTIG?", "date"),
        ("Wann wurde CLUTIG gegründet?", "date"),
        ("What is the publication date of the article?", "date"),
        ("On which dates was the congress scheduled?", "date"),
        ("What minimum output must a maker reach?", "number"),
        ("What was the size of the state's budget in 2019?", "number"),
        ("What was Peru's GDP per head in 2015?", "number"),
        ("What is the average salary of a welder in Lima?", "number"),
        ("What does the cluster's budget pay for?", "other"),
        ("Which budgets does the plan name?", "list"),
        ("Who leads the Alpha cluster?", "name"),
        ("¿Quién dirige el clúster?", "name"),
        ("Wer leitet den Cluster?", "name"),
        ("What are the committees of the cluster?", "list"),
        ("Which sectors are included?", "list"),
        ("Describe the cluster.", "other"),
        ("What committees does the cluster run?", "list"),
        ("Which of the state's strategic sectors does the report name?", "list"),
        ("What business does the cluster do?", "other"),
        ("What does the cluster do?", "other"),
        ("Which is the largest cluster?", "other"),
    ],
)
def test_answer_kind(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


def test_is_foreign_needs_two_function_words() -> None:
    assert is_foreign("¿Cuántos miembros tiene CLAUGTO?")
    assert is_foreign("Wie viele Mitglieder hat CLAUGTO?")
    assert not is_foreign("How many members does CLAUGTO have?")
    assert not is_foreign("What does the cluster do in Querétaro?")


def test_counted_after_how_many_of_them_is_what_follows_the_verb() -> None:
    assert counted("And how many of them are Tier 1 suppliers?") == tuple(
        tokenize("tier 1 suppliers")
    )
    assert counted("How many of the clusters are in Jalisco?") == tuple(tokenize("clusters"))


def test_counted_is_what_how_many_counts_translated_to_english() -> None:
    assert counted("How many members does CLAUGTO have?")[0] == MEMBER
    assert counted("¿Cuántos miembros tiene CLAUGTO?")[0] == MEMBER
    assert counted("When was CLUTIG founded?") == ()


def test_idf_gives_absent_terms_the_highest_weight() -> None:
    assert idf("zzz-absent") > idf("claugto") > idf(MEMBER) > idf("cluster")


def test_analyse_keeps_topic_terms_and_drops_frame_words() -> None:
    q = analyse("How many members does CLAUGTO have?", idf)
    assert q.kind == "number"
    assert set(q.terms) == {MEMBER, "claugto"}
    assert not set(q.terms) & FRAME
    assert len(q.weights) == len(q.terms)
    assert dict(zip(q.terms, q.weights, strict=True))["claugto"] == pytest.approx(idf("claugto"))


def test_analyse_translates_spanish_terms_through_the_lexicon() -> None:
    q = analyse("¿Cuántos miembros tiene CLAUGTO?", idf)
    assert MEMBER in q.terms and "claugto" in q.terms
    assert tokenize("miembros")[0] not in q.terms  # replaced by its English equivalent


def test_weight_of_is_the_share_of_the_found_terms() -> None:
    q = analyse("How many members does CLAUGTO have?", idf)
    assert q.weight_of(set()) == 0.0
    assert q.weight_of(set(q.terms)) == pytest.approx(1.0)
    part = q.weight_of({"claugto"})
    assert 0.5 < part < 1.0  # the rarer term weighs more


# Words the corpus never uses ------------------------------------------------------------------

CORPUS = (
    "The Federal Aviation Administration signed an agreement with Peru. The Congreso de "
    "Clusters gathers vehicle manufacturers. The cluster was founded in 2006."
)


def unknown_of(question: str) -> tuple[str, ...]:
    vocab = BM25.build([tokenize(CORPUS)])  # the corpus's terms, as the index holds them
    return analyse(question, idf_from_df(vocab.doc_freq, 3), vocab, [CORPUS]).unknown


@pytest.mark.parametrize(
    "question",
    [
        "When did the FAA sign the agreement?",  # an acronym the corpus spells out
        "Which Peruvian administration signed the agreement?",  # a nationality adjective
        "When does the cluster congress gather?",  # a cognate ("congreso")
        "How many car manufacturers does the congreso gather?",  # an everyday synonym
        "When did the cluster come into being?",  # an irregular form of a common verb
        "Which agreement does the page mention?",  # a word about the document itself
    ],
)
def test_paraphrases_acronyms_and_cognates_are_not_unknown_words(question: str) -> None:
    assert unknown_of(question) == ()


@pytest.mark.parametrize(
    ("question", "missing"),
    [
        ("Which state hosts a lithium cluster?", "lithium"),
        ("When did the NTSB sign the agreement?", "ntsb"),  # an acronym nobody spells out
        ("How many hydrogen manufacturers does the congreso gather?", "hydrogen"),
    ],
)
def test_topic_words_absent_from_the_corpus_are_unknown(question: str, missing: str) -> None:
    assert missing in unknown_of(question)


def test_an_expansion_shares_the_group_of_the_word_it_stands_for() -> None:
    q = analyse("How many firms does the Baja California hub have?", idf)
    group = dict(zip(q.terms, q.groups, strict=True))
    assert "tijuana" in group and group["tijuana"] == group["baja"] == group["mexicali"]
    assert group["hub"] != group["baja"]
    spanish = analyse("¿Cuántos centros hay en el estado?", idf)
    translated = [t for t in spanish.terms if t in tokenize("centers centres")]
    assert len(translated) == 2 and len(spanish.group_of(translated)) == 1


def test_weight_beyond_counts_each_new_group_once_by_its_heaviest_term() -> None:
    q = Question("q", "other", ("baja", "tijuana", "hub"), (2.0, 1.0, 3.0), groups=(0, 0, 2))
    assert q.weight_beyond({"tijuana"}, q.group_of({"baja"})) == 0.0  # same place, other name
    assert q.weight_beyond({"baja", "tijuana", "hub"}, set()) == 5.0
    assert q.weight_beyond({"tijuana", "hub"}, set()) == 4.0
    ungrouped = Question("q", "other", ("a", "b"), (1.0, 2.0))
    assert ungrouped.group_of({"b"}) == {1}


def test_the_corpus_s_own_misspelling_of_a_word_counts_as_the_word() -> None:
    vocab = BM25.build([tokenize("The cluster rests on nine main pilars and a strong commitee.")])
    q = analyse(
        "What pillars does the committee of the cluster rest on?",
        idf_from_df(vocab.doc_freq, 1), vocab,
    )  # fmt: skip
    group = dict(zip(q.terms, q.groups, strict=True))
    weight = dict(zip(q.terms, q.weights, strict=True))
    for word, typo in (("pillar", "pilar"), ("committe", "commite")):
        assert group[typo] == group[word] and weight[typo] == weight[word], q
    assert "strong" not in q.terms  # only spellings of the question's own words


def test_an_acronym_in_brackets_names_what_the_words_before_it_name() -> None:
    q = analyse("What pillars is the Jalisco IT cluster (IJALTI) built on?", idf)
    group = dict(zip(q.terms, q.groups, strict=True))
    assert group["ijalti"] == group["cluster"] != group["pillar"]


def test_the_word_for_a_date_is_not_a_term_of_a_date_question() -> None:
    # "keeps up to date" says nothing of when something was published
    assert "date" not in analyse("On which dates were the interviews published?", idf).terms
    assert "date" in analyse("Which cluster keeps its members up to date?", idf).terms


def test_a_follow_up_weighs_the_subject_carried_from_the_conversation_at_half() -> None:
    query = "Which US locations does CLAUGTO have ties with?"  # rewritten from "his council"
    plain = analyse(query, idf)
    follow_up = analyse(query, idf, asked="Which US locations does his council have ties with?")
    weight = dict(zip(follow_up.terms, follow_up.weights, strict=True))
    before = dict(zip(plain.terms, plain.weights, strict=True))
    assert weight["claugto"] == pytest.approx(before["claugto"] / 2)
    assert weight["locat"] == before["locat"] and weight["usa"] == before["usa"]
    # ... unless the subject is all the question has: "it" is what is asked about
    short = analyse("When was CLAUGTO founded?", idf, asked="When was it founded?")
    assert short.weights == analyse("When was CLAUGTO founded?", idf).weights


def test_a_hyphenated_compound_is_one_thing_weighing_as_its_heaviest_word() -> None:
    weight_of = {"well": 2.0, "known": 4.0, "firm": 1.0}.get
    q = analyse("Name a well-known firm.", lambda t: weight_of(t, 3.0))
    weight = dict(zip(q.terms, q.weights, strict=True))
    group = dict(zip(q.terms, q.groups, strict=True))
    assert weight["well"] + weight["known"] == pytest.approx(4.0)
    assert weight["known"] == pytest.approx(2 * weight["well"]) and weight["firm"] == 1.0
    assert group["well"] == group["known"] != group["firm"]
    # two words apart are two things
    apart = analyse("Name a firm known well.", lambda t: weight_of(t, 3.0))
    apart_weight = dict(zip(apart.terms, apart.weights, strict=True))
    assert (apart_weight["well"], apart_weight["known"]) == (2.0, 4.0)
    assert len({g for t, g in zip(apart.terms, apart.groups, strict=True) if t in weight}) == 3


def test_a_question_s_names_are_its_capitalised_words_in_a_row() -> None:
    q = analyse("What committees does the Nuevo Leon Energy Cluster run for the Secretary of "
                "Economy and CLAUT?", idf)  # fmt: skip
    assert q.names == (("nuevo", "leon", "energy", "cluster"), ("secretary", "economy"))
    assert analyse("Which committees does CLAUT run?", idf).names == ()
