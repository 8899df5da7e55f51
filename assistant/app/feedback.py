"""The feedback log: votes on answers appended to a JSONL file, and turned into eval cases.

Job: build a vote record (question, history, answer, citations, vote, time), append it as one JSON
line that concurrent writers (threads or processes) cannot interleave, read the log back skipping a
torn or corrupt line with a logged warning, and turn a thumbs-down into a ready-to-edit eval case in
the ``evals/questions.jsonl`` format.

Not its job: deciding what a vote means for the index or the answerer, or showing anything.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from ..errors import InputError
from ..types import Answer, content_id

log = logging.getLogger(__name__)

Vote = Literal["up", "down"]
TODO_NOTE = (
    "TODO: fill 'answers' with the correct answer(s) (or set match 'none' and category "
    "'unanswerable' with an 'absent' list), check 'category' and 'sources', make 'evidence' a "
    "verbatim sentence of a source, then delete the 'todo' and 'rejected_answer' keys. "
    "Validate with `python evals/check_questions.py`."
)


def make_record(
    question: str,
    history: list[dict[str, str]],
    answer: Answer,
    vote: Vote,
    *,
    comment: str = "",
    now: datetime | None = None,
) -> dict[str, Any]:
    """One log record for a vote on ``answer`` (given after ``history``)."""
    if vote not in ("up", "down"):
        raise InputError(f"vote must be 'up' or 'down', not {vote!r}")
    when = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "time": when,
        "vote": vote,
        "question": question,
        "history": [{"role": h["role"], "content": h["content"]} for h in history],
        "query": answer.query,
        "answer": answer.answer,
        "abstained": answer.abstained,
        "mode": answer.mode,
        "citations": [c.to_dict() for c in answer.citations],
        "warnings": list(answer.warnings),
        "comment": comment,
    }


def append_record(path: Path, record: dict[str, Any]) -> None:
    """Append ``record`` as one line: O_APPEND, one ``write()`` per record, under an exclusive lock.

    O_APPEND makes each write land at the current end of the file; the lock also keeps writers on
    filesystems with weaker append semantics (NFS) from interleaving. If an earlier writer died
    mid-record, the new record starts on a fresh line so only the torn one is lost.
    """
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line  # after a torn record: start on a fresh line, keep ours whole
            written = os.write(fd, line)
            while written < len(line):  # only on a full disk or a signal; still under the lock
                written += os.write(fd, line[written:])
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def read_records(path: Path) -> list[dict[str, Any]]:
    """Every valid record of the log; a torn or corrupt line is skipped with a warning."""
    if not path.exists():
        return []
    records = []
    with path.open("rb") as handle:
        lines = handle.read().split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            torn = number == len(lines)  # no newline after it: a write was cut short
            log.warning(
                "%s line %d: %s, skipped",
                path,
                number,
                "torn last line (incomplete write)" if torn else "not valid JSON",
            )
            continue
        if not isinstance(record, dict):
            log.warning("%s line %d: not a JSON object, skipped", path, number)
            continue
        records.append(record)
    return records


def export_eval_case(record: dict[str, Any]) -> dict[str, Any]:
    """A thumbs-down record as an eval case to edit (``evals/questions.jsonl`` format + a todo)."""
    question = str(record.get("question", ""))
    history = [
        {"role": h["role"], "content": h["content"]}
        for h in record.get("history", [])
        if isinstance(h, dict) and {"role", "content"} <= set(h)
    ]
    citations = [c for c in record.get("citations", []) if isinstance(c, dict)]
    sources = list(dict.fromkeys(str(c["doc"]) for c in citations if c.get("doc")))
    evidence = next((str(c["quote"]) for c in citations if c.get("quote")), "")
    case: dict[str, Any] = {
        "id": "fb-" + content_id(str(record.get("time", "")), question, length=10),
        "category": "follow-up" if history else "entity",
        "question": question,
        "answers": [],
        "match": "any",
        "sources": sources,
        "evidence": evidence,
    }
    if history:
        case["history"] = history
    case["todo"] = TODO_NOTE
    case["rejected_answer"] = str(record.get("answer", ""))
    return case


def thumbs_down_cases(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The eval cases of every thumbs-down record, oldest first."""
    return [export_eval_case(r) for r in records if r.get("vote") == "down"]


def cases_jsonl(cases: Iterable[dict[str, Any]]) -> str:
    """Eval cases as JSONL text, one case per line."""
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)
