"""conversation.py: follow-up questions become standalone queries; the history is trimmed."""

from __future__ import annotations

import pytest

from assistant.retrieve.conversation import clarify, condense, is_follow_up
from assistant.retrieve.history import trim_history
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


# Referents named by the answer ------------------------------------------------------------------


def exchange(question: str, answer: str) -> list[Turn]:
    return [Turn("user", question), Turn("assistant", answer)]


@pytest.mark.parametrize(
    ("previous", "answer", "follow_up", "right", "wrong"),
    [
        (  # "which <type>": the answer's first name, not a longer one named after it
            "Which Mexican city is known as the Detroit of Mexico?",
            "Saltillo, according to the Coahuila Automotive Observatory; it hosts GM and Kia.",
            "How many assembly plants does it have?",
            "Saltillo",
            ("Detroit", "Coahuila Automotive Observatory", "GM"),
        ),
        (  # "The <name>, which ..." after "which <type>"; the question's own names lose
            "Which body certifies software firms in Yucatán?",
            "The Peninsular Software Quality Board (Junta Peninsular de Calidad de Software), "
            "which audits about 40 firms.",
            "When was it founded?",
            "Peninsular Software Quality Board",
            ("Junta Peninsular", "Yucatán"),
        ),
        (  # "Which is the <superlative> <type>"
            "Which is the busiest cargo port on the Pacific coast?",
            "The Port of Manzanillo, which moved 3.7 million containers [2].",
            "How deep is its main channel?",
            "Port of Manzanillo",
            ("Pacific",),
        ),
        (  # an acronym answer to "which <type>"
            "Which university trains the most aircraft technicians?",
            "UNAQ, the Aeronautical University, working with Bombardier and Safran.",
            "How many students does it have?",
            "UNAQ",
            ("Bombardier", "Safran"),
        ),
        (  # "Is there a <type> in <place>?" answered "Yes, the <name>"
            "Is there a medical devices cluster in Sonora?",
            "Yes, the Hermosillo MedTech Alliance, which groups 70 manufacturers.",
            "When was it established?",
            "Hermosillo MedTech Alliance",
            ("Sonora", "Yes"),
        ),
    ],
)
def test_it_is_the_name_the_answer_gave_when_the_question_asked_for_one(
    previous: str, answer: str, follow_up: str, right: str, wrong: tuple[str, ...]
) -> None:
    query = condense(follow_up, exchange(previous, answer))
    assert right in query, query
    for name in wrong:
        assert name not in query, query


def test_it_keeps_the_question_subject_when_the_question_named_what_it_is_about() -> None:
    turns = exchange(
        "What is the Puebla Textile Pact?", "A 2018 agreement signed by INDETEX and 30 firms."
    )
    query = condense("Who signed it?", turns)
    assert "Puebla Textile Pact" in query and "INDETEX" not in query


def test_he_and_she_are_the_person_a_who_question_was_answered_with() -> None:
    turns = exchange(
        "Who did the Logistics Gazette interview at CANACAR in 2022?",
        "Lucía Ferrer of the Northern Freight Transport Chamber.",
    )
    assert condense("When did she take office?", turns) == "When did Lucía Ferrer take office?"
    assert condense("What are her priorities?", turns) == "What are Lucía Ferrer priorities?"


def test_it_after_a_who_question_answered_with_a_person_keeps_the_question_subject() -> None:
    turns = exchange("Who leads the Sinaloa Agrotech Cluster?", "Marco Ibarra, since 2020.")
    query = condense("How many members does it have?", turns)
    assert query == "How many members does Sinaloa Agrotech Cluster have?"


def test_a_person_in_the_question_is_he_or_she() -> None:
    turns = exchange("When did Ana Ruiz join CLAUGTO?", "In 2015 [1].")
    assert condense("What did she do before?", turns) == "What did Ana Ruiz do before?"


def test_his_or_her_organisation_is_the_one_of_that_kind_the_history_names() -> None:
    turns = exchange(
        "Who did the Logistics Gazette interview at CANACAR in 2022?",
        "Lucía Ferrer of the Northern Freight Transport Chamber.",
    )
    query = condense("Which ports does her chamber work with?", turns)
    assert query == "Which ports does Northern Freight Transport Chamber work with?"


def test_his_organisation_is_the_one_he_belongs_to_when_none_of_that_kind_is_named() -> None:
    turns = exchange("Who did El Economista interview in 2019?", "Tomás Vega, director of SINTEC.")
    query = condense("How many members does his organisation have?", turns)
    assert query == "How many members does SINTEC have?"
    query = condense("What are his plans for 2020?", turns)
    assert query == "What are Tomás Vega's plans for 2020?"


def test_its_with_an_ordinary_noun_becomes_a_possessive_of_the_referent() -> None:
    query = condense("Who are its main customers?", history("When was CLAUGTO founded?"))
    assert query == "Who are CLAUGTO's main customers?"


def test_what_about_the_one_in_a_place_replaces_the_place() -> None:
    turns = history("What does the aerospace training centre in Querétaro offer?")
    query = condense("What about the one in Zacatecas?", turns)
    assert query == "What does the aerospace training centre in Zacatecas offer?"


def test_there_is_the_place_unless_it_says_something_exists() -> None:
    turns = exchange("Which state has the most wind farms?", "Oaxaca, with 28 parks [1].")
    assert condense("Is there a port there?", turns) == "Is there a port in Oaxaca?"
    assert condense("How many jobs are there?", turns) == "How many jobs are in Oaxaca?"
    assert "Oaxaca" in condense("Are there any incentives?", turns)


# Standalone questions and questions with nothing to refer to ----------------------------------

SUBJECTS = history("Which drone clusters are in Mexico?") + exchange(
    "Which one is the biggest?", "The Tlaxcala Drone Alliance, with 27 firms [1]."
)


@pytest.mark.parametrize(
    "question",
    [
        "What does the Sonora Drone Council offer its members?",  # "its": the Council
        "Which textile clusters are there in Mexico?",  # "there in Mexico": a named place
        "Which drone makers are there in Puebla?",
        "When did Mexico's drone sector start?",  # "Mexico's" is no subject to carry over
        "How do the Hidalgo Mining Cluster and its suppliers work together?",
    ],
)
def test_a_question_naming_what_it_is_about_is_never_rewritten(question: str) -> None:
    assert not is_follow_up(question)
    assert condense(question, SUBJECTS) == question
    assert clarify(question, []) is None


def test_a_possessive_of_a_name_ending_in_s_gets_no_second_s() -> None:
    turns = exchange("What does Mexico's drone sector export?", "Parts to Texas [1].")
    assert "'s's" not in condense("Who are its main customers?", turns)


@pytest.mark.parametrize(
    ("question", "pronoun", "example"),
    [
        ("And how many members does it have?", "it", "How many members does … have?"),
        ("When were they founded?", "they", "When were … founded?"),
        ("Who leads its board?", "its", "Who leads … board?"),
        ("What did she say about exports?", "she", "What did … say about exports?"),
    ],
)
def test_a_first_question_pointing_at_nothing_asks_which_one_is_meant(
    question: str, pronoun: str, example: str
) -> None:
    asked = clarify(question, [])
    assert asked is not None
    assert f'"{pronoun}"' in asked and example in asked
    assert condense(question, []) == question  # nothing invented for the search either


def test_no_clarifying_question_once_something_was_named_or_when_nothing_is_pointed_at() -> None:
    assert clarify("How many members does it have?", history("When was SODRONIC founded?")) is None
    assert clarify("Is it true that SODRONIC has 40 members?", []) is None  # names its subject
    assert clarify("How many members does the cluster have?", []) is None  # "the cluster": any
    assert clarify("Which clusters are there in Sonora?", []) is None
    assert clarify("How many IT firms does Sonora have?", []) is None  # the acronym IT
    assert clarify("How long does it take to register a drone firm?", []) is None
    assert clarify("Which state hosts a drone cluster, and who runs it?", []) is None
