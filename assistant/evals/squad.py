"""SQuAD-format JSON to what a suite is made of: article files and evaluation questions.

An article becomes one text file (its title, then its paragraphs separated by blank lines, each
paragraph on one line so answer offsets stay valid); a question becomes an
``metrics.Question`` with its SQuAD id, the distinct gold texts as ``answers`` (``match``
"any"; none and ``match`` "none" when unanswerable), the sentence(s) of the paragraph holding a
gold answer as ``evidence`` and the article's file as ``sources``. Pure functions over the parsed
JSON except ``read_squad``; which articles form a suite is decided in ``suites``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from ..text import sentence_spans
from .metrics import Question


def read_squad(path: Path) -> list[dict[str, Any]]:
    """The articles of a SQuAD-format JSON file (``data[]``), with a clear error when absent."""
    if not path.exists():
        raise ConfigError(
            f"No SQuAD file at {path}: the suites read ../shared/data/qa beside the repository. "
            "Put the shared data folder there, or set ASSISTANT_QA_DATA to the folder holding "
            f"{path.name}."
        )
    try:
        articles: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["data"]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path}: not a SQuAD JSON file with a `data` list ({exc!r}).") from exc
    return articles


def file_name(title: str) -> str:
    """The corpus file of an article: its title, safe as a file name ("Fresno,_California.txt")."""
    return re.sub(r"[^\w,.()-]+", "_", title).strip("._") + ".txt"


def paragraph_text(context: str) -> str:
    """A paragraph on one line: every whitespace character becomes a space, so answer offsets
    into the original context stay valid in the written text."""
    return re.sub(r"\s", " ", context)


def article_text(article: dict[str, Any]) -> str:
    """The file of one article: its title, then its paragraphs separated by blank lines."""
    title = str(article["title"]).replace("_", " ")
    paragraphs = [paragraph_text(p["context"]).strip() for p in article["paragraphs"]]
    return "\n\n".join([title, *paragraphs]) + "\n"


def _answer_span(context: str, answer: dict[str, Any]) -> tuple[int, int] | None:
    text, start = str(answer.get("text", "")), answer.get("answer_start")
    if isinstance(start, int) and context[start : start + len(text)] == text:
        return start, start + len(text)
    found = context.find(text) if text else -1  # a misaligned offset: the first occurrence
    return (found, found + len(text)) if found >= 0 else None


def evidence_sentences(context: str, answers: Sequence[dict[str, Any]]) -> tuple[str, ...]:
    """The sentences of ``context`` that overlap a gold answer's span, in text order."""
    text = paragraph_text(context)
    spans = sentence_spans(text)
    picked: set[tuple[int, int]] = set()
    for answer in answers:
        span = _answer_span(text, answer)
        if span is not None:
            picked |= {s for s in spans if s[0] < span[1] and span[0] < s[1]}
    return tuple(text[a:b] for a, b in sorted(picked))


def squad_questions(articles: Sequence[dict[str, Any]]) -> list[Question]:
    """Every question of the articles, in file order, as ``metrics.Question``."""
    out = []
    for article in articles:
        source = file_name(article["title"])
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                gold = [] if qa.get("is_impossible") else list(qa.get("answers") or [])
                texts = tuple(dict.fromkeys(str(a["text"]).strip() for a in gold if a["text"]))
                out.append(
                    Question(
                        id=str(qa["id"]),
                        category="answerable" if texts else "unanswerable",
                        question=str(qa["question"]).strip(),
                        answers=texts,
                        match="any" if texts else "none",
                        sources=(source,),
                        evidence=evidence_sentences(paragraph["context"], gold),
                    )
                )
    return out
