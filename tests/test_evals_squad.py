"""SQuAD-format JSON to suite files and questions (assistant.evals.squad), on a made-up fixture.

tests/data/tiny_squad.json is two invented articles in SQuAD 2.0's format (no SQuAD text), with
answerable and unanswerable questions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.evals.squad import (
    article_text,
    evidence_sentences,
    file_name,
    read_squad,
    squad_questions,
)
from assistant.text import sentence_spans

FIXTURE = Path(__file__).parent / "data" / "tiny_squad.json"


def _raw() -> list[dict]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))["data"]


def test_every_question_is_converted_with_its_id_and_kind() -> None:
    raw = _raw()
    questions = squad_questions(read_squad(FIXTURE))
    qas = [qa for a in raw for p in a["paragraphs"] for qa in p["qas"]]
    assert [q.id for q in questions] == [qa["id"] for qa in qas]
    for q, qa in zip(questions, qas, strict=True):
        assert q.question == qa["question"]
        if qa["is_impossible"]:
            assert (q.match, q.category, q.answers, q.evidence) == ("none", "unanswerable", (), ())
            assert not q.answerable
        else:
            assert q.match == "any" and q.category == "answerable"
            assert set(q.answers) == {a["text"] for a in qa["answers"]}
            assert len(q.answers) == len(set(q.answers))


def test_sources_are_the_article_files() -> None:
    raw = _raw()
    questions = squad_questions(raw)
    by_article = {file_name(a["title"]): {qa["id"] for p in a["paragraphs"] for qa in p["qas"]}
                  for a in raw}  # fmt: skip
    for q in questions:
        assert q.id in by_article[q.sources[0]]
    assert file_name("Fresno,_California") == "Fresno,_California.txt"
    assert file_name("a/b: c") == "a_b_c.txt"


def test_evidence_is_the_sentence_holding_each_gold_answer() -> None:
    for article in _raw():
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            sentences = {context[a:b] for a, b in sentence_spans(context)}
            for qa in paragraph["qas"]:
                evidence = evidence_sentences(context, qa["answers"])
                assert set(evidence) <= sentences
                for answer in qa["answers"]:
                    assert any(answer["text"] in sentence for sentence in evidence)


def test_evidence_spans_two_sentences_and_survives_a_wrong_offset() -> None:
    context = "The first sentence is short. The second one names Brell. A third follows."
    across = {"text": "short. The second", "answer_start": context.index("short")}
    assert evidence_sentences(context, [across]) == (
        "The first sentence is short.",
        "The second one names Brell.",
    )
    moved = {"text": "A third", "answer_start": 3}  # the offset does not point at the text
    assert evidence_sentences(context, [moved]) == ("A third follows.",)
    assert evidence_sentences(context, [{"text": "absent", "answer_start": 0}]) == ()


def test_article_file_is_title_then_paragraphs_one_per_block() -> None:
    article = {
        "title": "Copper_Valley",
        "paragraphs": [{"context": "One line\nbroken.", "qas": []}, {"context": "Two.", "qas": []}],
    }
    text = article_text(article)
    assert text == "Copper Valley\n\nOne line broken.\n\nTwo.\n"


def test_missing_or_bad_file_names_the_path_and_the_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"ASSISTANT_QA_DATA.*nothing\.json"):
        read_squad(tmp_path / "nothing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bad\.json: not a SQuAD JSON file"):
        read_squad(bad)
