"""Acronyms defined in the documents: finding the long form, and counting it when scoring."""

from __future__ import annotations

from assistant.acronyms import definitions, expand, initials, long_form, relevant
from assistant.question import analyse
from assistant.quotes import candidates
from assistant.text import tokenize
from tests.drafts import make_hit


def test_long_form_of_capitalised_words_in_any_order() -> None:
    assert long_form("In 2010 the Oaxaca Vineyards Cluster", "CLUVOX") == "Oaxaca Vineyards Cluster"
    assert long_form("the Chamber of Tiles, Vases and Art", "CAVIT") == (
        "Chamber of Tiles, Vases and Art"
    )


def test_long_form_stops_at_an_article_or_a_word_outside_the_acronym() -> None:
    # "Moreover" starts with a letter of the acronym, but "the" opens the name
    assert long_form("Moreover, the Museum of Modern Optics", "MOMO") == "Museum of Modern Optics"
    # "Big" gives no letter of "HWA": the name starts after it
    assert long_form("a Big Harbour Workers Association", "HWA") == ("Harbour Workers Association")


def test_long_form_in_lower_case_must_spell_the_acronym() -> None:
    assert long_form("rely on small power stations", "SPSs") == "small power stations"
    assert long_form("rely on research and development", "R&D") == "research and development"
    assert long_form("the plan was approved", "XYZ") is None


def test_one_word_is_no_long_form() -> None:
    assert long_form("the city of Colima", "CAMC") is None


def test_definitions_map_acronym_tokens_to_long_form_tokens() -> None:
    found = definitions(
        ["The Oaxaca Vineyards Cluster (CLUVOX) has 40 members. CLUVOX meets yearly."]
    )
    assert found == {"cluvox": frozenset(tokenize("Oaxaca Vineyards Cluster"))}


def test_an_acronym_defined_two_ways_keeps_the_shared_words() -> None:
    found = definitions(
        [
            "The Sonora Vineyards Cluster (CLUVSN) met.",
            "Later the Nayarit Vineyards Cluster (CLUVSN) met.",
        ]
    )
    assert found == {"cluvsn": frozenset(tokenize("vineyards cluster"))}


def test_expand_both_ways() -> None:
    aliases = (("cluvox", frozenset(tokenize("Oaxaca Vineyards Cluster"))),)
    assert expand({"cluvox", "member"}, aliases) >= set(tokenize("Oaxaca vineyards cluster"))
    assert "cluvox" in expand(set(tokenize("the Oaxaca vineyards cluster grew")), aliases)
    assert "cluvox" not in expand(set(tokenize("the Oaxaca cluster grew")), aliases)


def test_relevant_keeps_definitions_the_question_touches() -> None:
    aliases = {"cluvox": frozenset({"oaxaca", "vineyard"}), "mro": frozenset({"repair"})}
    assert relevant(aliases, ["vineyard", "member"]) == (
        ("cluvox", frozenset({"oaxaca", "vineyard"})),
    )
    assert relevant(aliases, ["mro"]) == (("mro", frozenset({"repair"})),)
    assert relevant(aliases, ["tequila"]) == ()


def test_a_sentence_naming_the_acronym_scores_for_the_long_form() -> None:
    text = (
        "The Oaxaca Vineyards Cluster (CLUVOX) was founded by growers. Local hotels have 12 "
        "committees. CLUVOX has 6 committees."
    )
    chunk = make_hit(1, text)
    question = "How many committees does the Oaxaca vineyards cluster have?"
    plain = analyse(question, lambda t: 1.0)
    aware = analyse(question, lambda t: 1.0, aliases=definitions([text]))
    assert aware.aliases and not plain.aliases
    assert candidates(plain, [chunk])[0].text == "Local hotels have 12 committees."
    assert candidates(aware, [chunk])[0].text == "CLUVOX has 6 committees."


def test_acronyms_are_the_initials_of_capitalised_runs_with_or_without_connectors() -> None:

    found = initials(["the National Council of Science and Technology met the Navy"])
    assert {"ncst", "ncosat", "cst", "st"} <= found
    assert "tmt" not in found and "tn" not in found  # lowercase words break a run
