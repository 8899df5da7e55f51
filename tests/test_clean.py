"""Cleaning (assistant.ingest.clean): synthetic cases for each rule, and the rules' effect on the
real corpus files (what must be gone, what must be kept)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from assistant.ingest.chunk import chunk_document
from assistant.ingest.clean import clean_document, clean_text, normalise
from assistant.ingest.load import load_file
from assistant.text import fold

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
BRIEFING = "eccp-preparatory-briefing-mexico.txt"
WEB_ARTICLES = [
    "cogeco-peer1-mexico-emerging-tech-hub-2017.txt",
    "mbn-oscar-rivera-mxti-interview-2021.txt",
    "mbn-selene-diez-clutig-interview-2021.txt",
    "tetakawi-it-development-clusters-mexico.txt",
]
URL = re.compile(r"https?://|www\.", re.I)


@pytest.fixture(scope="module")
def cleaned() -> dict[str, str]:
    """Cleaned text of every corpus file."""
    out = {}
    for path in sorted(CORPUS.glob("*.txt")):
        (doc,) = load_file(path)
        out[path.name] = clean_document(doc).text
    return out


def test_the_corpus_is_what_these_tests_expect() -> None:
    assert {p.name for p in CORPUS.glob("*.txt")} == {BRIEFING, *WEB_ARTICLES}


# Synthetic cases ----------------------------------------------------------------------------------


def test_hyphenation_across_a_line_break_is_joined() -> None:
    text = "Mexico invests in renew-\nable energy and solar power across the country."
    assert clean_text(text) == text.replace("-\n", "")


def test_a_real_hyphen_before_a_capital_is_kept() -> None:
    text = "The agreement covers the whole EU-\nMexico trade relationship and its services."
    assert "EU-Mexico trade" in clean_text(text)


def test_invisible_and_control_characters_are_removed() -> None:
    text = "The clus\u200bter in Quer\u00e9\u200ctaro has 45 mem\u00adbers.\ufeff\x07"
    assert clean_text(text) == "The cluster in Querétaro has 45 members."


def test_unicode_is_nfc_and_line_ends_are_unix() -> None:
    decomposed = "Quere\u0301taro has a cluster.\r\nNuevo Leo\u0301n has one too.\r\n"
    out = clean_text(decomposed)
    assert out == "Querétaro has a cluster.\nNuevo León has one too."
    assert normalise("a\tb\u00a0c\fd") == "a b c\nd"


def test_hard_wrapped_sentences_are_joined_but_paragraphs_kept() -> None:
    text = (
        "Mexico has a large wind sector and it is growing quickly in the northern\n"
        "states of the country. It also grows in the\n"
        "south.\n\nA second paragraph starts here."
    )
    assert clean_text(text) == (
        "Mexico has a large wind sector and it is growing quickly in the northern states of the "
        "country. It also grows in the south.\n\nA second paragraph starts here."
    )


def test_a_wrapped_sentence_is_not_taken_for_a_heading() -> None:
    text = (
        "The first paragraph ends here.\n"
        "Furthermore, the National Council of Science and Technology (CONACYT) promotes an "
        "Incentive\n"
        "Programme for Innovation that supports companies which invest in research.\n"
    )
    assert clean_text(text).split("\n") == [
        "The first paragraph ends here.",
        "Furthermore, the National Council of Science and Technology (CONACYT) promotes an "
        "Incentive Programme for Innovation that supports companies which invest in research.",
    ]


def test_headings_stay_on_their_own_line() -> None:
    text = "Intro sentence about things.\n\nAerospace clusters\n\nThe cluster is big."
    assert clean_text(text).split("\n") == [
        "Intro sentence about things.",
        "",
        "Aerospace clusters",
        "",
        "The cluster is big.",
    ]


def test_word_markers_of_broken_bookmarks_are_removed() -> None:
    text = "See the table.Erreur ! Signet non défini.\nAlso here. Error! Bookmark not defined.\n"
    out = clean_text(text)
    assert "Erreur" not in out and "Bookmark" not in out
    assert "See the table." in out and "Also here." in out


def test_page_numbers_and_running_headers_are_removed() -> None:
    pages = [
        f"Body text of page {n} is a full sentence here.\n"
        f"Another sentence of page {n} follows now.\n\np.{n}\n\nMy Running Header\n"
        for n in range(1, 5)
    ]
    out = clean_text("\n".join(pages))
    assert "Running Header" not in out
    assert not re.search(r"^p\.\d", out, re.M)
    for n in range(1, 5):
        assert f"Body text of page {n} is a full sentence here." in out


def test_footnote_blocks_and_glued_footnote_numbers_are_removed() -> None:
    text = (
        "The economy grew by 2% last year1. Exports rose strongly2 in the north.\n"
        "1\n\nWorld Bank: http://www.worldbank.org/en/country/mexico\n"
        "2 OECD report www.oecd.org/mexico\n"
        " Next page starts here with a sentence about trade3. And more text4 here.\n"
        "3 Trade data https://trade.example.org/x\n4 Ibidem\n"
    )
    assert clean_text(text) == (
        "The economy grew by 2% last year. Exports rose strongly in the north.\n"
        "Next page starts here with a sentence about trade. And more text here."
    )


def test_numbers_are_not_taken_for_footnotes_without_footnote_blocks() -> None:
    text = "The G20 met in 2018. CO2 emissions fell 30% and Industry 4.0 grew."
    assert clean_text(text) == text


def test_web_boilerplate_lines_are_removed() -> None:
    text = (
        "We had a long talk about clusters.\nPhoto by: Someone\nContact Us\nNewsletter\n"
        "Download Now\nShare this\nThe end of the story is here."
    )
    assert clean_text(text) == "We had a long talk about clusters.\nThe end of the story is here."


def test_everything_after_a_related_content_marker_is_dropped() -> None:
    body = "\n".join(f"Sentence number {n} of the article body." for n in range(8))
    out = clean_text(body + "\nYou May Like\nSome other article title\nAnother teaser")
    assert out.endswith("Sentence number 7 of the article body.")
    assert "teaser" not in out


def test_repeated_long_sentences_are_kept_once() -> None:
    sentence = "The cluster brings together universities, companies and government agencies today."
    out = clean_text(f"{sentence} Short one.\n\n{sentence} Another.")
    assert out.count(sentence) == 1
    assert "Short one." in out and "Another." in out
    short = "Yes, it grew."  # short sentences may repeat legitimately
    assert clean_text(f"{short} And {short}").count("it grew") == 2


def test_a_list_restated_far_away_in_another_section_is_kept() -> None:
    item = "European Digital Industry Alliance (DIA) works on the ICT sector with its members;"
    filler = "\n\n".join(
        f"Paragraph {n} talks about something else entirely here." for n in range(120)
    )
    out = clean_text(f"The partnerships are:\n\n{item}\n\n{filler}\n\nAgain, they are:\n\n{item}")
    assert out.count(item) == 2  # a restatement, not a copy glitch


def test_cleaning_is_stable() -> None:
    text = "Mexico invests in renew-\nable energy.\n\nIt grows in the\nnorth. G20 member."
    once = clean_text(text)
    assert clean_text(once) == once


# The real corpus ----------------------------------------------------------------------------------


def test_briefing_has_no_pdf_artefacts(cleaned: dict[str, str]) -> None:
    text = cleaned[BRIEFING]
    lines = [line.strip() for line in text.split("\n")]
    assert "Erreur" not in text and "Signet" not in text
    assert not [line for line in lines if re.fullmatch(r"p\.\s?\d{1,4}", line)]
    assert "Preparatory Briefing on Mexico" not in lines  # running header
    assert "The aim of this Preparatory Briefing" in text  # the words themselves stay in prose


def test_briefing_has_no_footnote_reference_blocks(cleaned: dict[str, str]) -> None:
    text = cleaned[BRIEFING]
    # a footnote reference line: a number, then a source with a URL
    assert not re.search(r"^\d{1,3}\s+\S.*(https?://|www\.)", text, re.M)
    assert "Ibidem" not in text and "ibidem" not in text
    # the only URLs left belong to the "Website and projects" column of a table
    (doc,) = load_file(CORPUS / BRIEFING)
    doc = clean_document(doc)
    tables = [(c.start, c.end) for c in chunk_document(doc) if c.kind == "table"]
    outside = [
        m.group(0) for m in URL.finditer(doc.text) if not any(a <= m.start() < b for a, b in tables)
    ]
    assert outside == []


@pytest.mark.parametrize(
    ("glued", "kept"),
    [
        ("Label68", "Gold Label"),
        ("Label69", "Silver Label"),
        ("Label70", "Bronze Label"),
        ("California105", "states of Baja California, Nuevo León and Aguascalientes provide"),
        ("members104", "cluster organisations and their members."),
        ("G206", "Development (OECD) and the G20."),
        ("(GDP)1.", "Gross Domestic Product (GDP). In 2017"),
    ],
)
def test_briefing_footnote_numbers_are_unglued(
    cleaned: dict[str, str], glued: str, kept: str
) -> None:
    raw = (CORPUS / BRIEFING).read_text(encoding="utf-8")
    assert glued in raw  # the artefact really is in the source
    assert glued not in cleaned[BRIEFING]
    assert kept in cleaned[BRIEFING]


def test_briefing_keeps_numbers_that_are_not_footnotes(cleaned: dict[str, str]) -> None:
    text = cleaned[BRIEFING]
    for fact in ("G20", "WP.29", "110 aerospace firms", "more than 35,000 direct jobs", "CO2"):
        assert fact in text


@pytest.mark.parametrize("name", WEB_ARTICLES)
def test_web_articles_have_no_boilerplate(cleaned: dict[str, str], name: str) -> None:
    text = cleaned[name]
    lines = {line.strip().lower() for line in text.split("\n")}
    for phrase in (
        "You May Like",
        "Newsletter",
        "Download Now",
        "Start The Conversation",
        "Contact Us",
        "Photo by",
        "Get a Quote",
        "Recent Posts",
        "Podcast:",
    ):
        assert phrase.lower() not in text.lower(), phrase
    assert "x" not in lines  # the stray share-button "x"
    assert len(text) > 1500  # the article itself is still there


def test_tetakawi_repeated_paragraph_appears_once(cleaned: dict[str, str]) -> None:
    raw = (CORPUS / "tetakawi-it-development-clusters-mexico.txt").read_text(encoding="utf-8")
    text = cleaned["tetakawi-it-development-clusters-mexico.txt"]
    for phrase in (
        "bring together university professors and their spinoffs",
        "buoyant demand for Spanish-language products",
    ):
        assert raw.count(phrase) == 2
        assert text.count(phrase) == 1
    assert "Canieti organizes the promotion" in text  # the rest of the repeated paragraph stays


def test_interview_keeps_questions_and_answers(cleaned: dict[str, str]) -> None:
    text = cleaned["mbn-oscar-rivera-mxti-interview-2021.txt"]
    assert "Q: How do you help IT companies build their presence across the country?" in text
    assert "A: The council was founded in 2006." in text


@pytest.mark.parametrize("name", [BRIEFING, *WEB_ARTICLES])
def test_no_sentence_is_left_broken_across_lines(name: str) -> None:
    """Outside tables, no line ends in a connector word or is followed by a lowercase line."""
    (doc,) = load_file(CORPUS / name)
    doc = clean_document(doc)
    tables = [(c.start, c.end) for c in chunk_document(doc) if c.kind == "table"]
    lines = doc.text.split("\n")
    offset = 0
    for line, nxt in itertools.pairwise(lines):
        offset += len(line) + 1  # offset of ``nxt``
        if not line or not nxt or any(a <= offset <= b for a, b in tables):
            continue
        assert not nxt[0].islower(), (line[-60:], nxt[:60])
        assert not re.search(r"\b(the|of|and|to|in|a|an|for|with)$", line), (line[-60:], nxt[:60])


@pytest.mark.parametrize("name", [BRIEFING, *WEB_ARTICLES])
def test_cleaning_only_removes_it_never_invents(name: str) -> None:
    """Every word of the cleaned text comes from the source (folded, so joins and NFC count)."""
    raw = fold((CORPUS / name).read_text(encoding="utf-8"))
    raw_words = set(re.findall(r"[^\W\d_]+", raw))
    raw_joined = set(re.findall(r"[^\W\d_]+", re.sub(r"-\s*\n\s*", "", raw)))
    words = set(re.findall(r"[^\W\d_]+", fold(clean_document(load_file(CORPUS / name)[0]).text)))
    assert words <= raw_words | raw_joined
