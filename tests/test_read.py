"""The reading stage on hand-built hits with a scripted reader: abstention at the calibrated
threshold, direct answers, parts, overviews, conflicts and the refusal's wording."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from drafts import assert_draft_invariants, make_hit, table_hit
from fake_reader import FakeReader

from assistant.read.calibrate import Calibration, choose_threshold, platt
from assistant.read.candidates import atomic_spans, quote
from assistant.read.extractive import ExtractiveReader
from assistant.read.phrases import language_of
from assistant.types import NOT_SAID

CAL = Calibration(a=1.0, b=0.0, threshold=0.5, source="test")


def reader(logit_of=None) -> ExtractiveReader:
    fake = FakeReader(logit_of) if logit_of else FakeReader()
    return ExtractiveReader(fake, CAL)  # type: ignore[arg-type]


HITS = [
    make_hit(1, "The Falcon Cluster was founded in 2009. It has 65 member companies today."),
    make_hit(2, "Wind farms in the north produce power. The region exports fruit."),
]


def members(q: str, t: str) -> float:
    return 3.0 if "member" in t else -3.0


def test_answers_when_the_best_probability_clears_the_threshold() -> None:
    draft = reader(members).answer("How many member companies does the Falcon Cluster have?", HITS)
    assert not draft.abstained
    assert "65" in draft.text
    assert_draft_invariants(draft, HITS)


def test_abstains_below_the_threshold_and_names_missing_words_as_typed() -> None:
    draft = reader(lambda q, t: -3.0).answer("Which Lithium mines are there?", HITS)
    assert draft.abstained
    assert draft.text.startswith(NOT_SAID)
    assert "Lithium" in draft.text and "mines" in draft.text
    assert "lithium" not in draft.text.replace("Lithium", "")  # the user's spelling, no stem


@pytest.mark.parametrize("logit", [-0.01, 0.01])
def test_threshold_is_the_only_decision(logit: float) -> None:
    # prob(logit) = sigmoid(logit): 0.4975 abstains, 0.5025 answers
    draft = reader(lambda q, t: logit).answer("When was the Falcon Cluster founded?", HITS)
    assert draft.abstained is (logit < 0)


def test_direct_answer_leads_a_number_question_and_is_verbatim() -> None:
    draft = reader(members).answer("How many member companies does the Falcon Cluster have?", HITS)
    lead = draft.sentences[0][0]
    assert lead in HITS[0].chunk.text and "65" in lead and len(lead) < 20


def test_quote_takes_the_sentence_it_leans_on() -> None:
    hit = HITS[0]
    spans = atomic_spans(hit)
    start, end = quote(hit, spans, 1)  # "It has 65 ..." needs "The Falcon Cluster ..."
    assert hit.chunk.text[start:end].startswith("The Falcon Cluster")


def test_list_introduction_is_quoted_with_its_items() -> None:
    hit = make_hit(
        1, "The council has three committees:\nTrade\nTalent\nInnovation\n\nOther text here."
    )
    spans = atomic_spans(hit)
    start, end = quote(hit, spans, 0)
    assert hit.chunk.text[start:end].endswith("Innovation")


def test_multi_part_question_decides_each_part() -> None:
    def logit(q: str, t: str) -> float:
        return 3.0 if ("members" in q and "65" in t) else -3.0

    draft = reader(logit).answer(
        "How many members does the Falcon Cluster have, and who leads the Falcon Cluster?", HITS
    )
    assert not draft.abstained
    assert "65" in draft.text
    assert any(s.startswith(NOT_SAID) and "leads" in s for s, _ in draft.sentences)


def test_broad_question_gets_a_diversified_overview_by_document() -> None:
    more = make_hit(3, "The Falcon Cluster trains engineers. Members export parts to Europe.")
    hits = [*HITS, more]
    draft = reader(lambda q, t: 2.0).answer("Give an overview of the Falcon Cluster", hits)
    bullets = [s for s, cites in draft.sentences if s.lstrip().startswith("- ")]
    assert 2 <= len(bullets) <= 8
    assert len({c.doc for c in draft.citations}) >= 2
    assert_draft_invariants(draft, hits)


def test_conflicting_figures_show_each_source() -> None:
    hits = [
        make_hit(1, "The Falcon Cluster has 65 member companies.", doc="a.txt", publisher="A"),
        make_hit(2, "The Falcon Cluster has 80 member companies.", doc="b.txt", publisher="B"),
    ]
    draft = reader(lambda q, t: 3.0).answer(
        "How many member companies does the Falcon Cluster have?", hits
    )
    assert "65" in draft.sentences[0][0] and "80" in draft.sentences[0][0]
    assert_draft_invariants(draft, hits)


def test_table_line_is_quoted_with_the_whole_short_table() -> None:
    hit = table_hit(1, "TABLE 1 Members\nFalcon 65\nEagle 80")
    assert quote(hit, atomic_spans(hit), 1) == (0, len(hit.chunk.text))


def test_framing_follows_the_question_language() -> None:
    assert language_of("¿Cuántos clústeres de TI hay en México?") == "es"
    assert language_of("Wie viele Mitglieder hat der Verband?") == "de"
    assert language_of("How many members does it have?") == "en"
    draft = reader(lambda q, t: -3.0).answer("Wie viele Mitglieder hat der Falcon Verband?", HITS)
    assert draft.abstained and draft.text.startswith("Die Dokumente sagen das nicht")


def test_platt_is_monotone_and_recovers_the_slope() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=4000)
    y = rng.random(4000) < 1 / (1 + np.exp(-(2.0 * x - 1.0)))
    a, b = platt(x, y)
    assert a == pytest.approx(2.0, abs=0.25) and b == pytest.approx(-1.0, abs=0.2)
    cal = Calibration(a, b, 0.5)
    probs = [cal.prob(v) for v in np.linspace(-5, 5, 50)]
    assert all(p <= q for p, q in itertools.pairwise(probs))


def test_threshold_keeps_false_refusals_under_the_limit() -> None:
    probs = np.array([0.9, 0.8, 0.3, 0.2, 0.6, 0.1])
    answerable = np.array([True, True, True, False, False, False])
    right = answerable.copy()
    t, figures = choose_threshold(probs, right, answerable, max_false_refusal=0.0)
    assert t <= 0.3 and figures["false_refusal"] == 0.0
    t, figures = choose_threshold(probs, right, answerable, max_false_refusal=0.34)
    assert figures["false_refusal"] <= 0.34 and figures["overall"] >= 4 / 6
