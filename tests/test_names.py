"""Typos in names: a question's unknown word becomes the corpus name it is one or two edits from.

Invented names and texts only (no eval question is asserted here).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.retrieve.names import (
    closest_name,
    corpus_names,
    correct_names,
    distance,
    searched_for,
)

TEXTS = [
    "The Sonora Drone Cluster (SODRONIC) was founded in 2015. SODRONIC has 40 members.",
    "Members of the cluster meet in Hermosillo. The members of SODRONIC include ten startups.",
    "Visit www.sodronic.mx for news. Hermosillo hosts the annual drone fair of Xalapeño firms.",
    "The Hermosillo fair draws members from Xalapeño and Tlaxcalan firms; Tlaxcalan firms pay.",
    "Members pay a fee.",
]


def test_corpus_names_are_words_written_capitalised_nearly_every_time() -> None:
    found = corpus_names(TEXTS)
    assert {"SODRONIC", "Hermosillo", "Xalapeño", "Tlaxcalan"} <= set(found.names)
    # "Members" opens sentences and headings but is written "members" elsewhere: no name
    assert "Members" not in found.names and "members" in found.vocabulary
    # used once: its spelling may itself be the typo
    assert "Sonora" not in found.names
    # an acronym counts as written in capitals also where it opens a sentence, and the
    # lower-case address "www.sodronic.mx" says nothing about how the name is written
    assert "SODRONIC" in found.names


def test_a_misspelt_acronym_is_corrected_and_reported() -> None:
    names = corpus_names(TEXTS)
    query, found = correct_names("how many membres does sodrnoic have", names.names)
    assert query == "how many membres does SODRONIC have"  # "membres" is no name: left alone
    assert found == ["SODRONIC"]
    assert searched_for(found) == "Searched for: SODRONIC"


@pytest.mark.parametrize(
    "typed", ["Hermosilo", "Hremosillo", "Hermossillo", "HERMOSILO", "hermosilo"]
)
def test_one_or_two_edits_away_finds_the_name(typed: str) -> None:
    names = corpus_names(TEXTS).names
    query, found = correct_names(f"Which fair is held in {typed}?", names)
    assert found == ["Hermosillo"] and query == "Which fair is held in Hermosillo?"


def test_a_possessive_keeps_its_s() -> None:
    names = corpus_names(TEXTS).names
    assert correct_names("hermosilo's fair", names) == ("Hermosillo's fair", ["Hermosillo"])
    assert correct_names("hermosillo's fair", names) == ("hermosillo's fair", [])


def test_a_word_the_corpus_uses_is_never_changed() -> None:
    names = corpus_names(TEXTS)
    question = "Which drone startups pay a fee?"
    assert correct_names(question, names.names, names.vocabulary) == (question, [])


def test_accents_and_capitals_alone_are_no_typo() -> None:
    names = corpus_names(TEXTS).names
    assert correct_names("firms of xalapeno", names) == ("firms of xalapeno", [])


def test_two_names_equally_close_are_no_correction() -> None:
    assert closest_name("Tarrn", ["Tarn", "Tarrs"]) is None
    assert closest_name("Tarnn", ["Tarn", "Zebra"]) == "Tarn"


def test_short_words_and_far_words_are_left_alone() -> None:
    names = ["SODRONIC", "Hermosillo"]
    assert correct_names("who has it", names) == ("who has it", [])
    assert correct_names("what about Hermes", names) == ("what about Hermes", [])


def test_distance_counts_a_swap_as_one_edit() -> None:
    assert distance("sodrnoic", "sodronic") == 1
    assert distance("abc", "abc") == 0
    assert distance("kitten", "sitting") == 3
    assert distance("a", "abcdefgh", limit=2) == 3  # capped once over the limit


NAMES = corpus_names(TEXTS).names


@settings(deadline=None)  # a shared, loaded machine: time is no property here
@given(st.text(max_size=60))
def test_correcting_never_raises_and_only_puts_in_names(question: str) -> None:
    query, found = correct_names(question, NAMES)
    assert set(found) <= set(NAMES)
    if not found:
        assert query == question
