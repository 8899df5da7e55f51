"""question.py: what a question asks for (its kind) and its weighted key terms."""

from __future__ import annotations

import pytest

from assistant.question import FRAME, analyse, answer_kind, counted, idf_from_df, is_foreign
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
        ("Who leads the Alpha cluster?", "name"),
        ("¿Quién dirige el clúster?", "name"),
        ("Wer leitet den Cluster?", "name"),
        ("What are the committees of the cluster?", "list"),
        ("Which sectors are included?", "list"),
        ("Describe the cluster.", "other"),
    ],
)
def test_answer_kind(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


def test_is_foreign_needs_two_function_words() -> None:
    assert is_foreign("¿Cuántos miembros tiene CLAUGTO?")
    assert is_foreign("Wie viele Mitglieder hat CLAUGTO?")
    assert not is_foreign("How many members does CLAUGTO have?")
    assert not is_foreign("What does the cluster do in Querétaro?")


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
