"""choose.py: which candidate quotes an answer cites beyond the best one, and which chosen
quotes join into one citation. Every extra citation must carry evidence the others lack."""

from __future__ import annotations

from dataclasses import replace

from assistant.choose import PART, SAME_DOCUMENT, SECOND_SOURCE, adjoined, choose
from assistant.question import Question
from assistant.quotes import Candidate
from assistant.types import Hit
from tests.drafts import answer, make_hit, table_hit


def test_a_sentence_about_another_named_cluster_is_not_added_to_the_answer() -> None:
    hits = [
        make_hit(1, "The ALPHA cluster has 119 members, among them 70 suppliers."),
        make_hit(2, "Our cluster totals 65 affiliated members in total, mostly SMEs.", doc="b.txt"),
    ]
    draft = answer("What is the total membership of the ALPHA cluster?", hits, 0.3)
    assert draft.sentences[0][0].startswith("119 members")
    assert all("65" not in c.quote for c in draft.citations), draft.text


def test_another_name_of_the_same_place_is_no_new_part_of_the_question() -> None:
    hits = [
        make_hit(1, "The Baja California hub has 110 aerospace firms and 35,000 jobs."),
        make_hit(
            2,
            "Baja California hub offices in Tijuana and Mexicali host three aerospace firms.",
            doc="b.txt",
        ),
    ]
    draft = answer("How many aerospace firms does the Baja California hub have?", hits, 0.3)
    assert draft.sentences[0][0].startswith("110 aerospace firms")
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def test_an_extra_figure_for_a_how_many_question_must_count_the_thing_asked() -> None:
    hits = [
        make_hit(1, "The state has 30 software clusters in 20 municipalities."),
        make_hit(2, "There are 38 technology parks spread over the state.", doc="b.txt"),
    ]
    draft = answer("How many software clusters are spread over the state?", hits, 0.3)
    assert draft.sentences[0][0].startswith("30 software clusters")
    assert all("38" not in c.quote for c in draft.citations), draft.text


def test_a_question_about_a_table_answered_from_one_gets_no_prose_source() -> None:
    hits = [
        table_hit(1, "Industry\nTransport\nSector\nAerospace\nAutomotive\nRail"),
        make_hit(
            2, "The table lists transport, health and energy as priority industries.", doc="b"
        ),
    ]
    draft = answer("Which sectors does the table list under Transport?", hits, 0.3)
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def test_a_date_from_a_table_is_not_offered_as_a_second_source_for_a_date_in_prose() -> None:
    hits = [
        make_hit(1, "The ALPHA cluster was created in 2012 to boost the auto sector."),
        table_hit(2, "Label\nALPHA cluster created\nvalid until\n2019/06/23", doc="b.txt"),
    ]
    draft = answer("In what year was the ALPHA cluster created?", hits, 0.3)
    assert draft.sentences[0][0] == "2012"
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def test_two_chosen_quotes_that_follow_each_other_in_a_chunk_become_one_citation() -> None:
    text = (
        "The plan is the state's ICT strategy. It has three goals: reach, skills and trade. Other."
    )
    hit = make_hit(1, text)
    intro_end = text.index(" It has")
    goals = (intro_end + 1, text.index(" Other"))
    other = make_hit(2, "A second source on the goals.", doc="b.txt")

    def cand(h: int, start: int, end: int, hits: list[Hit]) -> Candidate:
        body = hits[h].chunk.text[start:end]
        return Candidate(h, start, end, body, 1.0, 1.0, frozenset({"goal"}))

    hits = [hit, other]
    chosen = [cand(0, *goals, hits), cand(1, 0, 29, hits), cand(0, 0, intro_end, hits)]
    joined = adjoined(chosen, hits)
    assert [c.text for c in joined] == [text[: goals[1]], other.chunk.text]
    apart = [cand(0, 0, 10, hits), cand(0, *goals, hits)]  # text between them: kept apart
    assert len(adjoined(apart, hits)) == 2


def test_two_windows_of_one_table_a_few_lines_apart_become_one_citation() -> None:

    lines = [f"row {i}" for i in range(40)]
    text = "\n".join(lines)
    hits = [table_hit(1, text)]

    def window(first: int, last: int) -> Candidate:
        start, end = text.index(lines[first]), text.index(lines[last]) + len(lines[last])
        return Candidate(0, start, end, text[start:end], 1.0, 1.0, frozenset({"row"}))

    # a label in one window, its value in the next: one passage from the first to the last
    near = adjoined([window(10, 14), window(20, 30)], hits)  # five lines apart
    assert [c.text for c in near] == [text[text.index("row 10") : text.index("row 31") - 1]]
    far = adjoined([window(0, 4), window(25, 30)], hits)  # twenty lines apart
    assert len(far) == 2
    # prose: text between two sentences keeps them apart, however short
    prose = [make_hit(1, "One. Two. Three.")]
    parts = [Candidate(0, 0, 4, "One.", 1.0, 1.0, frozenset()),
             Candidate(0, 10, 16, "Three.", 1.0, 1.0, frozenset())]  # fmt: skip
    assert len(adjoined(parts, prose)) == 2


def test_a_second_source_for_a_list_question_must_list_too() -> None:
    hits = [
        make_hit(
            1, "The Delta Aerocluster has four committees, namely Safety, Talent, Trade and Supply."
        ),
        make_hit(2, "The Delta Aerocluster committees meet twice a year in the capital.", doc="b"),
        make_hit(3, "The Gamma Aerocluster committees meet in the capital city.", doc="c.txt"),
    ]
    draft = answer("Which committees does the Delta Aerocluster have?", hits, 0.3)
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def test_a_question_about_a_table_is_answered_from_the_table_not_the_sentence_about_it() -> None:
    hits = [
        make_hit(1, "Table 9 presents the ports of the region by cargo type."),
        table_hit(2, "TABLE 9 - PORTS\nCargo type\nContainers\nBulk grain\nCrude oil\nManzanillo"),
    ]
    draft = answer("What cargo types does the table of ports show?", hits, 0.3)
    assert [c.doc for c in draft.citations] == ["doc2.txt"], draft.text


def test_a_question_about_a_table_gets_no_second_source_from_another_table() -> None:
    def in_section(hit: Hit, section: str) -> Hit:
        chunk = replace(hit.chunk, section=section)
        return Hit(chunk=chunk, doc=hit.doc, score=hit.score, rank=hit.rank)

    hits = [
        in_section(table_hit(1, "Annex ports\nState\nColima\nPort\nManzanillo"), "Annex"),
        in_section(table_hit(2, "Annex ports by state\nColima\nPort\nSalina Cruz\nState"), "Trade"),
    ]
    draft = answer("Which port does the annex list for Colima?", hits, 0.3)
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def test_a_list_told_one_item_a_sentence_is_quoted_as_one_passage() -> None:
    text = (
        "We work with partners abroad. We have an alliance with Pro Lima, a cluster in Peru. "
        "In Chile, we have a close alliance with a network of clusters. We have a relationship "
        "with a cluster in Panama and others in Canada. Our members export software too."
    )
    hits = [make_hit(1, text)]
    draft = answer("In which countries does the council have cluster alliances?", hits, 0.3)
    assert len(draft.citations) == 1, draft.text
    quote = draft.citations[0].quote
    assert all(country in quote for country in ("Peru", "Chile", "Panama")), quote
    assert "export" not in quote and "partners abroad" not in quote, quote


def test_a_byline_is_never_cited_beside_the_answer() -> None:
    hits = [
        make_hit(1, "The region has eight strategic sectors, which include cars, planes and food."),
        make_hit(2, "Ana Ruiz - ALPHA\nPresident", doc="b.txt"),
    ]
    draft = answer("Which strategic sectors does the ALPHA president name?", hits, 0.3)
    assert draft.citations[0].quote.startswith("The region has eight"), draft.text
    assert [c.doc for c in draft.citations] == ["doc1.txt"], draft.text


def _extra(q_text: str, extra_text: str, extra_found: set[str], score: float = 0.9) -> list[str]:
    """What ``choose`` cites given a best sentence that matches "cluster", "baja" and "job", and
    one more sentence of the same passage scoring ``score`` of it."""
    terms = ("cluster", "baja", "job", "ict", "beta", "verifi")
    q = Question(q_text, "other", terms, (3.0, 2.0, 1.0, 1.0, 1.7, 1.7))
    best = Candidate(0, 0, 40, "The Baja cluster represents many jobs here.", 1.0, 0.5,
                     frozenset({"cluster", "baja", "job"}))  # fmt: skip
    other = Candidate(0, 50, 90, extra_text, score, 0.5, frozenset(extra_found))
    return [c.text for c in choose(q, [best, other], 3)]


def test_a_name_the_best_sentence_lacks_is_a_part_of_its_own_a_common_word_must_weigh_more() -> (
    None
):
    # "BETA" weighs 16% of the question: a name, so the sentence naming it is cited too
    named = _extra("How many jobs do the Baja cluster and its cluster BETA have?",
                   "BETA, another cluster of Baja, has its own jobs too.",
                   {"cluster", "baja", "beta", "job"})  # fmt: skip
    assert len(named) == 2, named
    # "verified" weighs as much, but is a common word: not a part of the question of its own
    common = _extra("How many verified jobs does the Baja cluster have?",
                    "Its members have their jobs verified by third parties.",
                    {"cluster", "baja", "job", "verifi"})  # fmt: skip
    assert len(common) == 1, common


def test_an_extra_part_must_answer_nearly_as_well_as_the_best_sentence() -> None:
    question = "How many jobs do the Baja cluster and its cluster BETA have?"
    text, found = "BETA, another cluster of Baja, has its own jobs too.", {"baja", "beta", "job"}
    assert len(_extra(question, text, found, score=PART + 0.05)) == 2
    assert len(_extra(question, text, found, score=PART - 0.05)) == 1


def _second(score: float, docs: list[str], *, titled: tuple[bool, bool] = (False, False)) -> int:
    """How many passages ``choose`` cites: the best, and another one of the same words scoring
    ``score`` of it."""
    q = Question("How often does the Delta Energy Cluster meet?", "other",
                 ("delta", "energy", "cluster", "meet"), (2.0, 1.0, 0.5, 1.0))  # fmt: skip
    found = frozenset(q.terms)
    best = Candidate(0, 0, 30, "The cluster meets twice a year.", 1.0, 1.0, found, titled[0])
    other = Candidate(
        1, 0, 30, "Its members meet once every year in the capital.", score, 1.0, found, titled[1]
    )
    return len(choose(q, [best, other], 3, docs=docs))


def test_a_second_passage_from_the_same_document_must_answer_almost_as_well() -> None:
    between = (SECOND_SOURCE + SAME_DOCUMENT) / 2
    assert _second(between, ["a.txt", "b.txt"]) == 2  # another document: where they disagree
    assert _second(between, ["a.txt", "a.txt"]) == 1  # the same point said again
    assert _second(SAME_DOCUMENT + 0.01, ["a.txt", "a.txt"]) == 2
    assert _second(SECOND_SOURCE - 0.01, ["a.txt", "b.txt"]) == 1


def test_under_a_heading_naming_what_is_asked_a_second_source_must_name_it_too() -> None:
    # the best sits under "Delta Energy Cluster"; the other under another cluster's heading
    assert _second(0.97, ["a.txt", "b.txt"], titled=(True, False)) == 1
    assert _second(0.97, ["a.txt", "b.txt"], titled=(True, True)) == 2
    assert _second(0.97, ["a.txt", "b.txt"], titled=(False, False)) == 2


def test_when_the_question_names_nothing_an_extra_part_must_share_the_best_s_evidence() -> None:
    q = Question("Name a well-known firm developing solar energy projects.", "list",
                 ("well", "known", "firm", "develop", "solar", "energy", "project"),
                 (1.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0), groups=(0, 0, 2, 3, 4, 5, 6))  # fmt: skip
    says = frozenset({"firm", "develop", "solar", "energy", "project"})
    best = Candidate(0, 0, 60, "Many firms develop solar energy projects, such as Sol and Luz.",
                     1.0, 0.7, says)  # fmt: skip

    def cited(text: str, found: set[str]) -> int:
        other = Candidate(1, 0, 60, text, 0.9, 0.5, frozenset(found))
        return len(choose(q, [best, other], 3, docs=["a.txt", "a.txt"]))

    # only "well-known" and "firm": another topic, not a part of this question
    assert cited("Well-known firms such as Ford, Kia and Audi build cars here.",
                 {"well", "known", "firm"}) == 1  # fmt: skip
    # "well-known" with most of what the best says: a part of the question it lacks
    assert cited("Well-known firms such as Eon and Enel develop solar energy projects too.",
                 {"well", "known", "firm", "develop", "solar", "energy"}) == 2  # fmt: skip
