"""Unit tests of the evaluation rules (assistant.evals.metrics / evals.report), on tiny data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import ConfigError, InputError
from assistant.evals.command import load_overrides, load_questions
from assistant.evals.compare import check_thresholds, compare
from assistant.evals.metrics import (
    Question,
    Record,
    answer_matches,
    citation_supports,
    contains,
    context_rank,
    missing_parts,
    percentile,
    retrieval_metrics,
    source_rank,
    strip_markers,
    summarize,
)
from assistant.evals.report import (
    failure_cause,
    render_markdown,
    results_table,
    save_run,
    severity,
    worst_failures,
)
from assistant.evals.runner import evaluate_question
from assistant.types import Answer, Chunk, Citation, DocInfo, Hit, Sentence

# Matching ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("needle", "haystack"),
    [
        ("Querétaro", "the QUERETARO cluster"),
        ("Nuevo León", "nuevo leon hosts it"),
        ("35,000", "more than 35 000 direct jobs"),
        ("35000", "more than 35,000 direct jobs"),
        ("35,000", "about 35000 jobs"),
        ("Jorge Buitrón", "said JORGE BUITRON, head"),
        ("2.4%", "grew 2.4% last year"),
        ("Software & IT", "software & it services"),
    ],
)
def test_contains_folds_case_accents_and_numbers(needle: str, haystack: str) -> None:
    assert contains(needle, haystack)


@pytest.mark.parametrize(
    ("needle", "haystack"),
    [
        ("12", "it has 120 members"),
        ("12", "since 2012"),
        ("12", "a 12.5 share"),
        ("5", "1.5 billion"),
        ("IT", "with italy"),
        ("Sonora", "sonoran desert"),
        ("", "anything"),
    ],
)
def test_contains_is_whole_word(needle: str, haystack: str) -> None:
    assert not contains(needle, haystack)


def test_contains_number_at_sentence_end() -> None:
    assert contains("12", "The cluster has 12.")
    assert contains("12", "members: 12, all private")


def test_citation_markers_never_match_a_number() -> None:
    assert strip_markers("It has 119 members [1] and 70 [2, 3].") == "It has 119 members and 70."
    assert not answer_matches(["1"], "any", "Founded long ago [1].")


def test_any_needs_one_alternative() -> None:
    assert answer_matches(["35,000", "more than 35,000"], "any", "35000 jobs")
    assert answer_matches(["Queretaro | Querétaro"], "any", "in Querétaro")
    assert not answer_matches(["119"], "any", "It has 70 members")


def test_all_needs_every_part_with_alternatives() -> None:
    parts = ["Baja California", "Nuevo León | Nuevo Leon", "Sonora"]
    assert answer_matches(parts, "all", "Baja California, Nuevo Leon and Sonora")
    assert not answer_matches(parts, "all", "Baja California and Sonora")
    assert missing_parts(parts, "all", "Baja California and Sonora") == ["Nuevo León | Nuevo Leon"]


def test_unanswerable_never_matches() -> None:
    assert not answer_matches([], "none", "anything at all")
    assert not answer_matches([], "any", "anything")


# Ranks -------------------------------------------------------------------------------------------


def test_context_rank_any_is_first_hit_with_an_alternative() -> None:
    texts = ["nothing here", "it has 120 members", "it has 12 members"]
    assert context_rank(["12"], "any", texts) == 3
    assert context_rank(["99"], "any", texts) is None


def test_context_rank_all_is_rank_by_which_every_part_appeared() -> None:
    texts = ["Sonora is north", "filler", "Baja California too"]
    assert context_rank(["Sonora", "Baja California"], "all", texts) == 3
    assert context_rank(["Sonora", "Chihuahua"], "all", texts) is None


def test_source_rank() -> None:
    assert source_rank(["b.txt", "c.txt"], ["a.txt", "c.txt", "b.txt"]) == 2
    assert source_rank(["z.txt"], ["a.txt"]) is None


def test_retrieval_metrics_cut_at_k_and_mrr() -> None:
    ranks = [(1, 1), (2, 1), (None, 3), (7, 1)]
    metrics = retrieval_metrics(ranks, k=5)
    assert metrics["answer_in_context"] == 0.5
    assert metrics["source_recall"] == 1.0
    assert metrics["mrr"] == pytest.approx((1 + 0.5) / 4, abs=1e-4)
    assert retrieval_metrics(ranks, k=1)["mrr"] == 0.25


def test_percentile_interpolates() -> None:
    assert percentile([10, 20, 30, 40], 50) == 25
    assert percentile([5.0], 95) == 5.0
    assert percentile([], 50) == 0.0


# Citations ---------------------------------------------------------------------------------------

EVIDENCE = ("The cluster has 119 members, including 70 Tier 1 members and five OEMs.",)


def test_citation_containing_the_evidence_supports() -> None:
    quote = "Founded in 2012. " + EVIDENCE[0] + " It has committees."
    assert citation_supports(quote, EVIDENCE, ["119"])


def test_citation_overlapping_half_the_evidence_supports() -> None:
    quote = "The cluster counts 70 Tier 1 members among its 119 members."
    assert citation_supports(quote, EVIDENCE, ["nothing-like-this"])


def test_citation_containing_the_answer_supports() -> None:
    assert citation_supports("Membership reached 119 firms.", EVIDENCE, ["119"])


def test_unrelated_citation_does_not_support() -> None:
    assert not citation_supports("Querétaro hosts an aerospace cluster.", EVIDENCE, ["119"])
    assert not citation_supports("It has 1190 employees.", EVIDENCE, ["119"])


# Summaries, comparison, gate ---------------------------------------------------------------------


def _record(qid: str, correct: bool, **kw: object) -> Record:
    base: dict[str, object] = {"category": "numeric", "answerable": True, "abstained": False}
    base.update(kw)
    return Record(qid, correct=correct, **base)  # type: ignore[arg-type]


def test_summarize_counts_honesty_and_citations() -> None:
    records = [
        _record(
            "a",
            True,
            context_rank=1,
            source_rank=1,
            citations=2,
            citations_ok=1,
            sentences=2,
            sentences_ok=2,
            latency_ms=10,
        ),
        _record("b", False, abstained=True, context_rank=None, source_rank=2, latency_ms=30),
        _record("u1", True, category="unanswerable", answerable=False, abstained=True),
        _record("u2", False, category="unanswerable", answerable=False, citations=3),
    ]
    m = summarize(records, k=5)
    assert m["accuracy"] == 0.5
    assert m["accuracy_answerable"] == 0.5
    assert m["false_refusal"] == 0.5
    assert m["correct_abstention"] == 0.5
    assert m["citation_precision"] == 0.5  # unanswerable citations have no gold evidence
    assert m["answer_in_context"] == 0.5
    assert m["source_recall"] == 1.0
    assert m["per_category"]["unanswerable"] == {"n": 2, "accuracy": 0.5}


def test_compare_reports_deltas_and_flips() -> None:
    old = {
        "run": {"timestamp": "T1"},
        "metrics": {"accuracy": 0.5, "false_refusal": 0.1, "latency_p50_ms": 50.0},
        "questions": [
            {"id": "a", "correct": True},
            {"id": "b", "correct": False},
            {"id": "c", "correct": True},
        ],
    }
    new = {
        "metrics": {"accuracy": 0.6, "false_refusal": 0.2, "latency_p50_ms": 51.0},
        "questions": [
            {"id": "a", "correct": False},
            {"id": "b", "correct": True},
            {"id": "c", "correct": True},
            {"id": "d", "correct": False},
        ],
    }
    diff = compare(old, new)
    assert diff["better"] == ["accuracy"]
    assert diff["worse"] == ["false_refusal"]  # lower is better; latency within jitter is neither
    assert diff["now_correct"] == ["b"]
    assert diff["now_wrong"] == ["a"]
    assert diff["deltas"]["accuracy"]["delta"] == pytest.approx(0.1)


def test_check_thresholds() -> None:
    metrics = {"accuracy": 0.8, "false_refusal": 0.1}
    assert (
        check_thresholds(metrics, {"min": {"accuracy": 0.8}, "max": {"false_refusal": 0.1}}) == []
    )
    problems = check_thresholds(
        metrics, {"min": {"accuracy": 0.9, "nope": 1}, "max": {"false_refusal": 0.05}}
    )
    assert len(problems) == 3
    assert any("accuracy" in p and "below" in p for p in problems)


# Failure causes and reports ----------------------------------------------------------------------


def test_failure_cause_separates_retrieval_from_composition() -> None:
    retrieval = _record("r", False, context_rank=None, source_rank=None)
    wrong_passage = _record("w", False, context_rank=None, source_rank=2)
    composed = _record("c", False, context_rank=2, missing=["119"])
    refused = _record("f", False, context_rank=1, abstained=True)
    leaked = _record("u", False, answerable=False, category="unanswerable")
    assert failure_cause(retrieval, 5).startswith("retrieval: no gold source")
    assert "gold source was retrieved" in failure_cause(wrong_passage, 5, ["119"])
    assert failure_cause(composed, 5).startswith("composition:")
    assert "119" in failure_cause(composed, 5)
    assert "abstained" in failure_cause(refused, 5)
    assert failure_cause(leaked, 5).startswith("honesty:")
    ordered = sorted([refused, composed, leaked], key=severity)
    assert [r.id for r in ordered] == ["u", "c", "f"]


def test_reports_render_tables() -> None:
    result = {
        "run": {
            "timestamp": "T2",
            "llm": "extractive",
            "k": 5,
            "questions": 2,
            "questions_file": "q.jsonl",
            "index": "index",
            "config": {},
        },
        "metrics": {
            "answer_in_context": 0.9,
            "mrr": 0.75,
            "accuracy": 0.5,
            "per_category": {"numeric": {"n": 2, "accuracy": 0.5}},
        },
        "baseline": {"answer_in_context": 0.7, "source_recall": 0.8, "mrr": 0.5},
        "questions": [
            {"id": "a", "category": "numeric", "correct": False, "cause": "retrieval: x"}
        ],
        "failures": [
            {
                "id": "a",
                "category": "numeric",
                "question": "Q?",
                "expected": ["1"],
                "answer": "no",
                "cause": "retrieval: x",
                "top_hits": [],
            }
        ],
    }
    table = results_table(result)
    assert "| answer-in-context@5 | 90.0% | 70.0% |" in table
    assert "| answer accuracy (all questions) | 50.0% | – |" in table
    md = render_markdown(result, None, [])
    assert "retrieval: x" in md and "No previous run" in md


# Input files -------------------------------------------------------------------------------------


def test_load_questions_and_bad_line(tmp_path: Path) -> None:
    good = {
        "id": "q1",
        "category": "numeric",
        "question": "How many?",
        "answers": ["3"],
        "match": "any",
        "sources": ["a.txt"],
        "evidence": "It has 3.",
    }
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps(good | {"id": "q2"}) + "\n")
    questions = load_questions(path)
    assert [q.id for q in questions] == ["q1", "q2"]
    assert questions[0].evidence == ("It has 3.",)
    assert isinstance(questions[0], Question) and questions[0].answerable
    assert len(load_questions(path, limit=1)) == 1
    path.write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(InputError, match=r"q.jsonl:2"):
        load_questions(path)


def test_load_overrides(tmp_path: Path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text("top_k = 8\nchunk_size = 600\n")
    assert load_overrides(toml) == {"top_k": 8, "chunk_size": 600}
    yml = tmp_path / "c.yaml"
    yml.write_text("settings:\n  top_k: 3\n")
    assert load_overrides(yml) == {"top_k": 3}
    yml.write_text("topk: 3\n")
    with pytest.raises(ConfigError, match="topk"):
        load_overrides(yml)


# Runner wiring with a fake Assistant (no model) --------------------------------------------------


class FakeAssistant:
    """Implements ``ask`` like the pipeline: returns scripted Answers and records the calls."""

    def __init__(self, answers: dict[str, Answer]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, object, object]] = []

    def ask(self, question: str, history: object = None, *, llm: object = None, k: object = None):
        self.calls.append((question, history, k))
        return self.answers[question]


def _hit(rank: int, doc: str, text: str) -> Hit:
    chunk = Chunk(f"c{rank}", doc, text, "1 Intro", None, 0, len(text))
    return Hit(chunk=chunk, doc=DocInfo(doc, doc.title()), score=1 / rank, rank=rank)


def _answer(
    question: str, text: str, hits: list[Hit], quotes: list[str], abstained=False
) -> Answer:
    cites = tuple(
        Citation(i, hits[0].doc.doc_id, "t", "p", "", "", None, q, True)
        for i, q in enumerate(quotes, 1)
    )
    sentences = (Sentence(text, (1,), True), Sentence("Also this.", (), False))
    return Answer(
        question, question, text, abstained, "extractive", cites, (), {}, sentences, tuple(hits)
    )


def test_evaluate_question_builds_the_record() -> None:
    hits = [_hit(1, "a.txt", "Nothing useful."), _hit(2, "b.txt", "The cluster has 119 members.")]
    q = Question(
        "n1",
        "follow-up",
        "How many members?",
        ("119",),
        "any",
        ("b.txt",),
        ("The cluster has 119 members.",),
        ({"role": "user", "content": "CLAUGTO?"},),
    )
    fake = FakeAssistant(
        {
            q.question: _answer(
                q.question,
                "It has 119 members [1].",
                hits,
                ["The cluster has 119 members.", "Unrelated."],
            )
        }
    )
    record, extra = evaluate_question(fake, q, k=5, llm=None)
    assert fake.calls == [("How many members?", [{"role": "user", "content": "CLAUGTO?"}], 5)]
    assert record.correct and not record.abstained
    assert (record.context_rank, record.source_rank) == (2, 2)
    assert (record.citations, record.citations_ok) == (2, 1)
    assert (record.sentences, record.sentences_ok) == (2, 1)
    assert extra["context_missing"] == [] and extra["top_hits"][1]["doc"] == "b.txt"


def test_evaluate_question_unanswerable_and_k_cut() -> None:
    hits = [_hit(1, "a.txt", "No fee is mentioned."), _hit(2, "b.txt", "The fee is 500.")]
    unans = Question("u1", "unanswerable", "What is the fee?", (), "none")
    fake = FakeAssistant({unans.question: _answer(unans.question, "", hits, [], abstained=True)})
    record, _ = evaluate_question(fake, unans, k=5, llm=None)
    assert record.correct and record.abstained and record.context_rank is None
    q = Question("n2", "numeric", "Fee?", ("500",), "any", ("b.txt",), ("The fee is 500.",))
    fake = FakeAssistant({q.question: _answer(q.question, "I could not find it.", hits, [], True)})
    record, extra = evaluate_question(fake, q, k=1, llm=None)
    assert not record.correct and record.context_rank is None  # rank 2 is outside k=1
    assert extra["context_missing"] == ["500"]
    assert failure_cause(record, 1, extra["context_missing"]).startswith(
        "retrieval: no gold source"
    )


def test_save_run_writes_reports_and_compares(tmp_path: Path) -> None:
    def run(stamp: str, correct: bool) -> dict:
        return {
            "run": {
                "timestamp": stamp,
                "llm": "extractive",
                "k": 5,
                "questions": 1,
                "questions_file": "q",
                "index": "i",
                "config": {},
            },
            "metrics": {
                "accuracy": 1.0 if correct else 0.0,
                "per_category": {"numeric": {"n": 1, "accuracy": float(correct)}},
            },
            "baseline": None,
            "questions": [
                {"id": "a", "category": "numeric", "correct": correct, "latency_ms": 5.0}
            ],
            "failures": [],
        }

    save_run(run("20250101T000000Z", True), tmp_path)
    json_path, md_path = save_run(run("20250102T000000Z", False), tmp_path)
    saved = json.loads(json_path.read_text())
    assert saved["comparison"]["now_wrong"] == ["a"]
    assert saved["comparison"]["worse"] == ["accuracy"]
    assert "**Now wrong:** a" in md_path.read_text()
    assert (tmp_path / "20250102T000000Z-accuracy.png").stat().st_size > 0
    assert (tmp_path / "20250102T000000Z-latency.png").stat().st_size > 0


def test_worst_failures_show_each_kind_first() -> None:
    leaks = [_record(f"u{i}", False, answerable=False, category="unanswerable") for i in range(6)]
    wrong = _record("w", False, context_rank=None)
    refused = _record("f", False, context_rank=1, abstained=True)
    fine = _record("ok", True)
    picked = worst_failures([*leaks, fine, refused, wrong], 5)
    assert [r.id for r in picked] == ["u0", "u1", "u2", "w", "f"]


def test_failed_question_table_escapes_pipes() -> None:
    result = {
        "run": {"timestamp": "T", "llm": "x", "k": 5, "questions": 1, "questions_file": "q",
                "index": "i", "config": {}},
        "metrics": {"per_category": {}},
        "questions": [{"id": "a", "category": "list", "correct": False, "cause": "retrieval: y",
                       "expected": "Querétaro | Queretaro", "answer": "Sonora"}],
    }  # fmt: skip
    md = render_markdown(result, None, [])
    assert "| a | list | Querétaro \\| Queretaro | Sonora | retrieval: y |" in md
