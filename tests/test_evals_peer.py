"""The suite-level figures: answer length, overall and the always-abstain floor, the
best-sentence peer (assistant.evals.peer), per-suite thresholds, and the side-by-side report
(assistant.evals.suites_report), on tiny made-up data."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.evals.compare import check_thresholds, thresholds_for
from assistant.evals.metrics import Question, Record, summarize, word_count
from assistant.evals.peer import PeerReader, peer_record, peer_summary, run_peer, sentences
from assistant.evals.report import previous_suite_result
from assistant.evals.suites_report import (
    classes_table,
    failure_class,
    save_suites_run,
    suites_table,
)
from assistant.store.embed import HashEmbedder

LAKE = Question("q1", "answerable", "How deep is the lake?", ("118 metres",), "any",
                evidence=("The lake reaches a depth of 118 metres.",))  # fmt: skip
GHOST = Question("q2", "unanswerable", "When does the lake thaw?", (), "none")
PASSAGES = [
    "Lake Orvala\nThe lake covers 42 square kilometres. The lake reaches a depth of 118 metres.",
    "The town of Brell lies on the northern shore. It was founded in 1764.",
]


def _record(qid: str, answerable: bool, correct: bool, abstained: bool, words: int) -> Record:
    return Record(qid, "c", answerable, correct, abstained, words=words)


# Answer length, overall, the floor ---------------------------------------------------------------


def test_word_count_ignores_citation_markers() -> None:
    assert word_count("It is 118 metres deep [1]. Brell [2, 3] too.") == 7
    assert word_count("") == 0


def test_overall_counts_right_answers_and_right_abstentions() -> None:
    records = [
        _record("a", True, True, False, 10),
        _record("b", True, False, True, 0),  # a false refusal
        _record("c", False, True, True, 0),  # a right abstention
        _record("d", False, False, False, 30),  # an unanswerable answered
    ]
    metrics = summarize(records, 5)
    assert metrics["overall"] == 0.5
    assert metrics["always_abstain"] == 0.5  # two of four are unanswerable
    assert metrics["answer_words_mean"] == 20.0  # answered questions only: 10 and 30
    assert metrics["answer_words_median"] == 20.0


def test_no_answered_question_leaves_answer_length_unmeasured() -> None:
    metrics = summarize([_record("a", False, True, True, 0)], 5)
    assert metrics["answer_words_mean"] is None and metrics["overall"] == 1.0


# The peer ----------------------------------------------------------------------------------------


def test_sentences_are_split_deduplicated_and_keep_no_fragment() -> None:
    found = sentences([*PASSAGES, PASSAGES[1]])
    assert "Lake Orvala" not in found  # a heading is no answer
    assert found.count("It was founded in 1764.") == 1
    assert found[0] == "The lake covers 42 square kilometres."


def test_peer_answers_with_the_sentence_closest_to_the_question() -> None:
    reader = PeerReader(HashEmbedder())
    assert reader.answer("How deep does the lake reach?", PASSAGES) == (
        "The lake reaches a depth of 118 metres."
    )
    assert reader.answer("When was the town founded?", PASSAGES) == "It was founded in 1764."
    assert reader.answer("Anything?", ["Too short."]) == ""


def test_peer_never_abstains_and_is_scored_like_the_assistant() -> None:
    right = peer_record(LAKE, "The lake reaches a depth of 118 metres.")
    assert right.correct and not right.abstained and right.citations_ok == right.citations == 1
    wrong = peer_record(LAKE, "The town of Brell lies on the northern shore.")
    assert not wrong.correct and wrong.citations_ok == 0
    ghost = peer_record(GHOST, "The lake covers 42 square kilometres.")
    assert not ghost.correct and not ghost.abstained


def test_run_peer_reads_the_passages_retrieved_for_each_question() -> None:
    records = run_peer(HashEmbedder(), [LAKE, GHOST], {"q1": PASSAGES})
    assert [r.id for r in records] == ["q1", "q2"]
    assert records[0].correct and records[1].answer == ""  # nothing retrieved: no answer
    summary = peer_summary(records, 5)
    assert summary["overall"] == 0.5 and summary["accuracy_answerable"] == 1.0
    assert "correct_abstention" not in summary  # it never abstains: not measured on that


# Thresholds per suite ----------------------------------------------------------------------------


def test_each_suite_is_gated_by_its_own_table() -> None:
    thresholds = {
        "min": {"accuracy": 0.8},
        "max": {"false_refusal": 0.1},
        "squad2-sample": {"min": {"overall": 0.6}},
    }
    assert thresholds_for(thresholds, "own") == {"min": {"accuracy": 0.8},
                                                 "max": {"false_refusal": 0.1}}  # fmt: skip
    sample = thresholds_for(thresholds, "squad2-sample")
    assert check_thresholds({"overall": 0.5}, sample) == ["overall = 0.5 fell below its floor 0.6"]
    assert thresholds_for(thresholds, "squad11-val") == {}


# The side-by-side report -------------------------------------------------------------------------


def _result(suite: str, overall: float, rows: list[dict]) -> dict:
    metrics = {"questions": len(rows), "accuracy_answerable": 0.9, "overall": overall,
               "always_abstain": 0.5, "correct_abstention": 0.4, "false_refusal": 0.05,
               "citation_precision": 0.8, "answer_words_mean": 20.0, "answer_words_median": 18.0,
               "latency_p50_ms": 20.0, "latency_p95_ms": 40.0, "setup_s": 3.0, "total_s": 7.0,
               "accuracy": overall}  # fmt: skip
    run = {"timestamp": "20250101T000000Z", "suite": suite, "llm": "extractive", "k": 5,
           "questions": len(rows), "questions_file": suite, "index": "i", "config": {},
           "commit": "abc"}  # fmt: skip
    return {"run": run, "metrics": metrics, "peer": {"overall": 0.3}, "baseline": None,
            "questions": rows, "failures": []}  # fmt: skip


ROWS = [
    {"id": "a", "category": "c", "answerable": True, "correct": True, "abstained": False},
    {"id": "b", "category": "c", "answerable": True, "correct": False, "abstained": True,
     "cause": "composition: abstained although the answer was retrieved (rank 1)"},
    {"id": "c", "category": "c", "answerable": True, "correct": False, "abstained": False,
     "cause": "retrieval: no gold source document in the top 5"},
    {"id": "d", "category": "c", "answerable": False, "correct": False, "abstained": False,
     "cause": "honesty: answered although the corpus holds no answer (should abstain)"},
]  # fmt: skip


def test_failure_classes_are_counted_per_suite() -> None:
    assert [failure_class(r) for r in ROWS[1:]] == ["composition: abstained", "retrieval",
                                                     "honesty"]  # fmt: skip
    table = classes_table({"suites": {"x": _result("x", 0.25, ROWS)}})
    assert "| x | 3 | 1 (25%) | 0 (0%) | 1 (25%) | 1 (25%) | 0 (0%) |" in table


def test_suites_are_saved_side_by_side_and_compared_with_their_previous_run(
    tmp_path: Path,
) -> None:
    run = {"run": {"timestamp": "20250101T000000Z", "llm": "extractive", "k": 5, "config": {},
                   "commit": "abc"},
           "suites": {"own": _result("own", 0.9, ROWS[:1]),
                      "squad2-val": _result("squad2-val", 0.25, ROWS)}}  # fmt: skip
    table = suites_table(run)
    assert table.count("\n") == 3  # header, rule, one row per suite
    assert "| squad2-val | 90.0% | 40.0% | 5.0% | 25.0% | 50.0% | 30.0% | 80.0% |" in table
    assert "| 20.0 / 18.0 | 20.0 / 40.0 | 4 | 10 |" in table
    json_path, md_path = save_suites_run(run, tmp_path)
    saved = json.loads(json_path.read_text(encoding="utf-8"))
    assert list(saved["suites"]) == ["own", "squad2-val"]
    assert saved["suites"]["squad2-val"]["questions"][3]["id"] == "d"
    assert (tmp_path / "20250101T000000Z-suites.png").stat().st_size > 0
    md = md_path.read_text(encoding="utf-8")
    assert "## squad2-val" in md and "## Failure classes" in md and "| d | c |" in md
    later = json.loads(json.dumps(run))
    later["run"]["timestamp"] = "20250102T000000Z"
    later["suites"]["squad2-val"]["questions"][0]["correct"] = False
    save_suites_run(later, tmp_path)
    assert later["suites"]["squad2-val"]["comparison"]["now_wrong"] == ["a"]
    found = previous_suite_result(tmp_path, "squad2-val", exclude="20250102T000000Z")
    assert found is not None and found["run"]["timestamp"] == "20250101T000000Z"
    assert previous_suite_result(tmp_path, "squad11-val") is None
