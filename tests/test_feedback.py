"""The feedback log stays one valid JSON object per line under concurrent writers; votes export."""

from __future__ import annotations

import json
import logging
import multiprocessing
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from assistant.app.feedback import (
    append_record,
    cases_jsonl,
    export_eval_case,
    make_record,
    read_records,
    thumbs_down_cases,
)
from assistant.errors import InputError
from assistant.types import Answer, Citation, Sentence

HISTORY = [
    {"role": "user", "content": "What is CLAUGTO?"},
    {"role": "assistant", "content": "A cluster."},
]
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "evals"))


def _answer(text: str = "CLAUGTO has 119 members [1].") -> Answer:
    cite = Citation(
        1,
        "eccp.txt",
        "Briefing",
        "ECCP",
        "2019",
        "3.2 > Auto",
        None,
        "The cluster has 119 members.",
        True,
        "c1",
        "Intro. The cluster has 119 members.",
    )
    return Answer("How many?", "How many members does CLAUGTO have?", text, False, "extractive",
                  (cite,), (), {"total": 3.0}, (Sentence(text, (1,), True),))  # fmt: skip


def _writer(path: str, writer: int, count: int, payload: int) -> None:
    for i in range(count):
        record = {"writer": writer, "i": i, "blob": chr(65 + writer % 26) * payload}
        append_record(Path(path), record)


def _check_lines(path: Path, writers: int, count: int, payload: int) -> None:
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"", "the log must end with a newline"
    records = [json.loads(line) for line in lines[:-1]]  # raises on any interleaved line
    assert len(records) == writers * count
    assert {(r["writer"], r["i"]) for r in records} == {
        (w, i) for w in range(writers) for i in range(count)
    }
    assert all(r["blob"] == chr(65 + r["writer"] % 26) * payload for r in records)


def test_concurrent_threads_write_whole_lines(tmp_path: Path) -> None:
    path, payload = tmp_path / "fb" / "log.jsonl", 100_000  # far above PIPE_BUF (4096)
    threads = [threading.Thread(target=_writer, args=(str(path), w, 20, payload)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    _check_lines(path, 8, 20, payload)


def test_concurrent_processes_write_whole_lines(tmp_path: Path) -> None:
    path, payload = tmp_path / "log.jsonl", 200_000
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_writer, args=(str(path), w, 10, payload)) for w in range(6)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    _check_lines(path, 6, 10, payload)


def test_torn_last_line_is_skipped_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "log.jsonl"
    append_record(path, {"vote": "up", "n": 1})
    append_record(path, {"vote": "down", "n": 2})
    with path.open("ab") as handle:
        handle.write(b'{"vote": "down", "n": 3, "quest')  # a writer died mid-record
    with caplog.at_level(logging.WARNING, logger="assistant.app.feedback"):
        records = read_records(path)
    assert [r["n"] for r in records] == [1, 2]
    assert "line 3: torn last line" in caplog.text
    append_record(path, {"vote": "up", "n": 4})  # a later record starts on a fresh line
    assert [r["n"] for r in read_records(path)] == [1, 2, 4]


def test_corrupt_middle_line_is_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"n": 1}\nnot json\n[1, 2]\n{"n": 4}\n')
    with caplog.at_level(logging.WARNING, logger="assistant.app.feedback"):
        assert [r["n"] for r in read_records(path)] == [1, 4]
    assert "line 2: not valid JSON" in caplog.text and "line 3: not a JSON object" in caplog.text


def test_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert read_records(tmp_path / "none.jsonl") == []


def test_record_holds_question_history_answer_citations_vote_time() -> None:
    history = [
        {"role": "user", "content": "What is CLAUGTO?"},
        {"role": "assistant", "content": "A cluster."},
    ]
    now = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    record = make_record("How many members?", history, _answer(), "down", now=now)
    assert record["time"] == "2024-05-01T12:00:00+00:00"
    assert record["vote"] == "down" and record["question"] == "How many members?"
    assert record["history"] == history
    assert record["answer"] == "CLAUGTO has 119 members [1]."
    assert record["citations"][0]["quote"] == "The cluster has 119 members."
    assert json.loads(json.dumps(record)) == record
    with pytest.raises(InputError, match="vote must be"):
        make_record("q", [], _answer(), "meh")  # type: ignore[arg-type]


def test_thumbs_down_becomes_an_eval_case_in_the_questions_format(tmp_path: Path) -> None:
    import check_questions  # evals/check_questions.py: the validator of evals/questions.jsonl

    history = [
        {"role": "user", "content": "What is CLAUGTO?"},
        {"role": "assistant", "content": "A cluster."},
    ]
    record = make_record("How many members?", history, _answer(), "down")
    case = export_eval_case(record)
    assert case["id"].startswith("fb-") and case["answers"] == [] and case["match"] == "any"
    assert case["sources"] == ["eccp.txt"] and case["evidence"] == "The cluster has 119 members."
    assert case["history"] == history and case["category"] == "follow-up"
    assert "TODO" in case["todo"] and case["rejected_answer"] == record["answer"]
    edited = {k: v for k, v in case.items() if k not in ("todo", "rejected_answer")}
    assert set(edited) == check_questions.BASE_KEYS | {"history"}
    assert "history" not in export_eval_case(make_record("Q?", [], _answer(), "down"))


def test_only_thumbs_down_are_exported(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    for vote in ("up", "down", "up", "down"):
        append_record(path, make_record(f"{vote} question", [], _answer(), vote))
    cases = thumbs_down_cases(read_records(path))
    assert [c["question"] for c in cases] == ["down question", "down question"]
    lines = cases_jsonl(cases).splitlines()
    assert len(lines) == 2 and all(json.loads(line)["answers"] == [] for line in lines)
