"""Text utilities (assistant.text): folding, number normalisation, tokens, sentence spans.

Examples pin the documented behaviour; hypothesis checks the invariants over arbitrary text.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.text import (
    STOPWORDS,
    fold,
    normalize_numbers,
    numbers_in,
    sentence_spans,
    singular,
    split_sentences,
    tokenize,
)

# database=None: no .hypothesis/ folder in the working tree
PROPERTY = settings(max_examples=300, database=None, deadline=None)
prose = st.text(
    alphabet=st.sampled_from(list("abcXYZ áéÑü.!?,;:'\"“”()0123456789 \n\t-")), max_size=200
)


# fold ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("Querétaro", "queretaro"),
        ("NUEVO LEÓN", "nuevo leon"),
        ("Clúster Automotriz Estado de México", "cluster automotriz estado de mexico"),
        ("Mexico´s", "mexico's"),
        ("Mexico’s", "mexico's"),
        ("“quoted”", '"quoted"'),
        ("Straße", "strasse"),
    ],
)
def test_fold_removes_case_and_accents(raw: str, folded: str) -> None:
    assert fold(raw) == folded


# Latin script as the corpus and questions use it. (Compatibility letters such as "𝕊" fold to an
# uppercase "S": casefold runs before NFKD; negligible in practice, noted in the test report.)
latin = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x24F),
    max_size=80,
)


@PROPERTY
@given(latin)
def test_fold_is_idempotent(text: str) -> None:
    assert fold(fold(text)) == fold(text)


@PROPERTY
@given(latin)
def test_fold_leaves_no_combining_marks_or_uppercase(text: str) -> None:
    import unicodedata

    folded = fold(text)
    assert not any(unicodedata.combining(ch) for ch in folded)
    assert folded == folded.lower()


# numbers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("35,000", "35000"),
        ("35 000", "35000"),
        ("35\u00a0000", "35000"),
        ("35.000", "35000"),
        ("1,374.46", "1374.46"),
        ("100,000,000", "100000000"),
        ("9.9", "9.9"),
        ("2.4", "2.4"),
        ("2.4%", "2.4%"),
        ("€137.3 billion", "€137.3 billion"),
        ("more than 35,000 direct jobs", "more than 35000 direct jobs"),
        ("in 2017", "in 2017"),
        ("3,5", "3,5"),  # not a thousands group: left alone
        ("12,3456", "12,3456"),  # four digits after the comma: not a thousands group
    ],
)
def test_normalize_numbers(raw: str, normalised: str) -> None:
    assert normalize_numbers(raw) == normalised


def test_numbers_in_gives_canonical_numbers() -> None:
    assert numbers_in("€9.9 billion") == ["9.9"]
    assert numbers_in("35 000 jobs and 35,000 more, 35.000 in all") == ["35000"] * 3
    assert numbers_in("1,374.46 km in 2019") == ["1374.46", "2019"]
    assert numbers_in("no digits here") == []
    assert numbers_in("CO2 emissions") == []  # part of a word, not a quantity


@PROPERTY
@given(st.text(alphabet=st.sampled_from(list("0123456789,. \u00a0ab%")), max_size=60))
def test_normalize_numbers_is_idempotent(text: str) -> None:
    once = normalize_numbers(text)
    assert normalize_numbers(once) == once


@PROPERTY
@given(st.integers(min_value=1000, max_value=10**12))
def test_every_thousands_style_reads_the_same(value: int) -> None:
    grouped = f"{value:,}"
    styles = [grouped, grouped.replace(",", " "), grouped.replace(",", ".")]
    assert {normalize_numbers(s) for s in styles} == {str(value)}
    assert all(numbers_in(f"about {s} jobs") == [str(value)] for s in styles)


# tokens -------------------------------------------------------------------------------------------


def test_tokenize_folds_and_drops_stopwords() -> None:
    assert tokenize("The Aerocluster of Querétaro has 35,000 jobs") == [
        "aerocluster",
        "queretaro",
        "35000",
        "job",
    ]
    assert "the" in tokenize("The end", keep_stopwords=True)
    assert tokenize("2.4% of GDP") == ["2.4", "gdp"]


def test_the_us_in_capitals_is_the_country_not_the_pronoun() -> None:
    for text in ("partners in the US", "the U.S. market", "the USA"):
        assert "usa" in tokenize(text), text
    assert tokenize("tell us more") == ["tell"]
    assert "usa" not in tokenize("US$ 5 billion")  # a currency, not the country
    assert tokenize("USB ports") == ["usb", "port"]


@pytest.mark.parametrize(
    ("word", "token"),
    [
        ("clusters", "cluster"),
        ("companies", "company"),
        ("boxes", "box"),
        ("process", "process"),
        ("status", "status"),
        ("analysis", "analysis"),
        ("gas", "gas"),
    ],
)
def test_tokens_are_singular(word: str, token: str) -> None:
    assert tokenize(word) == [token]
    assert singular(token) == token  # a singular stays as it is


@PROPERTY
@given(prose)
def test_tokens_are_folded_and_never_stopwords(text: str) -> None:
    for token in tokenize(text):
        assert token == fold(token)
        assert token not in STOPWORDS
        assert token.strip() == token and token


# sentences ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "According to the A.T. Kearney’s FDI Index, Mexico ranks 17th. Next one.",
            ["According to the A.T. Kearney’s FDI Index, Mexico ranks 17th.", "Next one."],
        ),
        (
            "Key sectors, e.g. Automotive and ICT, grow. They export.",
            ["Key sectors, e.g. Automotive and ICT, grow.", "They export."],
        ),
        (
            "Grupo Bimbo S.A. de C.V. bakes bread. It exports.",
            ["Grupo Bimbo S.A. de C.V. bakes bread.", "It exports."],
        ),
        (
            "The U.S. market is large. Mexico is next.",
            ["The U.S. market is large.", "Mexico is next."],
        ),
        ("It grew 3.5 percent. Then 2.4 percent.", ["It grew 3.5 percent.", "Then 2.4 percent."]),
        ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
        ("A heading\nA line without a full stop", ["A heading", "A line without a full stop"]),
        ('He said "it works." Then left.', ['He said "it works."', "Then left."]),
        ("  Indented line. Next one.", ["Indented line.", "Next one."]),
    ],
)
def test_split_sentences(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences


def test_sentence_spans_of_a_slice_stay_in_the_slice() -> None:
    text = "Skip this. Keep one. Keep two. Skip that."
    start = text.index("Keep one")
    end = text.index(" Skip that")
    spans = sentence_spans(text, start, end)
    assert [text[a:b] for a, b in spans] == ["Keep one.", "Keep two."]


@PROPERTY
@given(prose)
def test_sentence_spans_are_ordered_disjoint_trimmed_and_cover_the_words(text: str) -> None:
    spans = sentence_spans(text)
    previous_end = 0
    for a, b in spans:
        assert previous_end <= a < b <= len(text)
        assert "\n" not in text[a:b]  # line breaks always split
        assert not text[a].isspace() and not text[b - 1].isspace()
        previous_end = b
    # everything outside the spans is whitespace: no word is ever lost
    covered = [False] * len(text)
    for a, b in spans:
        covered[a:b] = [True] * (b - a)
    assert all(c or ch.isspace() for c, ch in zip(covered, text, strict=True))


@PROPERTY
@given(prose, st.data())
def test_sentence_spans_of_a_window_are_inside_it(text: str, data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    for a, b in sentence_spans(text, start, end):
        assert start <= a < b <= end


@pytest.mark.parametrize(
    ("past", "verb"),
    [("chose", "choose"), ("chosen", "chooses"), ("built", "build"), ("led", "leads"),
     ("wrote", "write"), ("grew", "growing")],
)  # fmt: skip
def test_an_irregular_past_form_reads_as_its_verb(past: str, verb: str) -> None:
    assert tokenize(f"the company {past} it") == tokenize(f"the company {verb} it")


def test_a_past_form_that_is_also_another_word_is_left_alone() -> None:
    assert tokenize("founded in 2006") != tokenize("find in 2006")  # "found" is "established"
    assert tokenize("found") == ["found"]
