"""conversation.py: follow-up questions become standalone queries; the history is trimmed."""

from __future__ import annotations

import pytest

from assistant.conversation import condense, is_follow_up, trim_history
from assistant.types import Turn


def history(*questions: str) -> list[Turn]:
    turns = []
    for question in questions:
        turns += [Turn("user", question), Turn("assistant", "An answer about Jalisco [1].")]
    return turns


def test_a_pronoun_is_replaced_by_the_previous_subject() -> None:
    query = condense("And how many members does it have?", history("When was CLAUGTO founded?"))
    assert query == "How many members does CLAUGTO have?"


@pytest.mark.parametrize(
    ("follow_up", "previous", "expected"),
    [
        (
            "What about Querétaro?",
            "How many aerospace firms are in Baja California?",
            "How many aerospace firms are in Querétaro?",
        ),
        (
            "And in Jalisco?",
            "How many IT clusters are in Nuevo León?",
            "How many IT clusters are in Jalisco?",
        ),
        ("What about CLUTIG?", "How many members does CLAUGTO have?", None),
    ],
)
def test_what_about_x_substitutes_the_place_or_subject(
    follow_up: str, previous: str, expected: str | None
) -> None:
    query = condense(follow_up, history(previous))
    if expected is None:
        assert query == previous.replace("CLAUGTO", "CLUTIG")
    else:
        assert query == expected


@pytest.mark.parametrize(
    "question",
    [
        "How many members does CLUTIG have?",
        "Where is the CLAUGTO cluster located?",
        "Which aerospace firms operate in Baja California?",
    ],
)
def test_a_standalone_question_is_unchanged(question: str) -> None:
    assert condense(question, history("How many members does CLAUGTO have?")) == question


def test_without_history_nothing_is_rewritten() -> None:
    assert condense("  And how many members does it have? ", []) == (
        "And how many members does it have?"
    )


def test_assistant_turns_are_not_taken_as_the_subject() -> None:
    turns = [Turn("user", "When was CLAUGTO founded?"), Turn("assistant", "MEXICO-TEC says 2009.")]
    assert "CLAUGTO" in condense("How many members does it have?", turns)
    assert "MEXICO-TEC" not in condense("How many members does it have?", turns)


@pytest.mark.parametrize(
    ("follow_up", "previous", "expected_parts"),
    [
        (
            "¿Y cuántos miembros tiene?",
            "¿Cuándo se fundó CLAUGTO?",
            ("cuántos miembros", "CLAUGTO"),
        ),
        ("¿Y cuántos miembros tiene ella?", "¿Cuándo se fundó CLAUGTO?", ("miembros", "CLAUGTO")),
        (
            "¿Y en Querétaro?",
            "¿Cuántas empresas aeroespaciales hay en Baja California?",
            ("empresas aeroespaciales", "Querétaro"),
        ),
        (
            "Und wie viele Mitglieder hat es?",
            "Wann wurde CLAUGTO gegründet?",
            ("Mitglieder", "CLAUGTO"),
        ),
        (
            "Und in Jalisco?",
            "Wie viele IT-Cluster gibt es in Nuevo León?",
            ("IT-Cluster", "Jalisco"),
        ),
    ],
)
def test_spanish_and_german_follow_ups(
    follow_up: str, previous: str, expected_parts: tuple[str, ...]
) -> None:
    query = condense(follow_up, history(previous))
    assert query != follow_up
    for part in expected_parts:
        assert part in query, query
    assert "Baja California" not in query and "Nuevo León" not in query


def test_three_turns_resolve_through_the_middle_one() -> None:
    turns = history("When was CLAUGTO founded?", "How many members does it have?")
    assert condense("Who leads it?", turns) == "Who leads CLAUGTO?"
    turns = history("How many members does CLAUGTO have?", "When was it founded?")
    assert condense("What about CLUTIG?", turns) == "When was CLUTIG founded?"
    turns = history("How many aerospace firms are in Baja California?", "What about Querétaro?")
    assert "Querétaro" in condense("And how many jobs do they create?", turns)


def test_is_follow_up() -> None:
    assert is_follow_up("What about Querétaro?")
    assert is_follow_up("And how many members does it have?")
    assert is_follow_up("And Tier 1?")  # three words or fewer
    assert not is_follow_up("How many members does CLAUGTO have in Guanajuato?")


# History trimming -------------------------------------------------------------------------------

TURNS = [Turn("user" if i % 2 == 0 else "assistant", f"turn {i} " + "x" * 40) for i in range(10)]


def test_trim_history_keeps_the_most_recent_turns_in_order() -> None:
    kept = trim_history(TURNS, max_turns=4, max_chars=10_000)
    assert kept == TURNS[-4:]


def test_trim_history_respects_the_character_budget() -> None:
    size = len(TURNS[0].content)
    kept = trim_history(TURNS, max_turns=10, max_chars=3 * size + 5)
    assert kept == TURNS[-3:]
    assert sum(len(t.content) for t in kept) <= 3 * size + 5


def test_trim_history_applies_the_tighter_budget() -> None:
    size = len(TURNS[0].content)
    assert trim_history(TURNS, max_turns=2, max_chars=5 * size) == TURNS[-2:]
    assert trim_history(TURNS, max_turns=5, max_chars=2 * size) == TURNS[-2:]


def test_trim_history_with_no_turn_budget_is_empty() -> None:
    assert trim_history(TURNS, max_turns=0, max_chars=10_000) == []
    assert trim_history([], max_turns=6, max_chars=4000) == []
