"""Evaluation metrics: answer matching, ranks, citation support, answer length, summaries.

Pure functions over small records, no models and no I/O, so every rule is unit-tested with tiny
synthetic data (tests/test_evals_metrics.py). The rules are documented in evals/README.md.
This module does not run the pipeline (see ``runner``), compare runs (``compare``) nor
write reports (see ``report``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..text import fold, normalize_numbers, tokenize

_MARKER = re.compile(r"\s*\[\d+(?:\s*[,;–-]\s*\d+)*\]")
_SPACE = re.compile(r"\s+")
OVERLAP = 0.5  # share of the evidence's content tokens a quote must hold to support it


@dataclass(frozen=True)
class Question:
    """One line of evals/questions.jsonl."""

    id: str
    category: str
    question: str
    answers: tuple[str, ...]
    match: str  # "any" | "all" | "none" (unanswerable)
    sources: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()

    @property
    def answerable(self) -> bool:
        return self.match != "none"


@dataclass
class Record:
    """What one question of a run produced, reduced to what the metrics and reports need."""

    id: str
    category: str
    answerable: bool
    correct: bool
    abstained: bool
    context_rank: int | None = None  # smallest r whose top-r hits hold the gold answer
    source_rank: int | None = None  # rank of the first hit from a gold source document
    citations: int = 0
    citations_ok: int = 0
    sentences: int = 0
    sentences_ok: int = 0
    latency_ms: float = 0.0
    words: int = 0  # answer length in words, citation markers removed
    missing: list[str] = field(default_factory=list)  # gold parts absent from the answer
    answer: str = ""  # kept (shortened) for failures only
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        drop = {"answer"} if self.correct else set()
        drop |= {key for key in ("missing", "error") if not data[key]}
        return {key: value for key, value in data.items() if key not in drop}


# Matching ----------------------------------------------------------------------------------------


def normalize(text: str) -> str:
    """Case- and accent-folded, thousands separators dropped, whitespace collapsed."""
    return _SPACE.sub(" ", normalize_numbers(fold(text))).strip()


def strip_markers(text: str) -> str:
    """Remove citation markers ("[1]", "[2, 3]") so "1" never matches a marker."""
    return _MARKER.sub("", text)


def _pattern(needle: str) -> re.Pattern[str]:
    body = re.escape(needle)
    if re.match(r"\w", needle):
        body = r"(?<!\w)" + ("(?<!\\d[.,])" if needle[0].isdigit() else "") + body
    if re.search(r"\w$", needle):
        body += r"(?!\w)" + ("(?![.,]\\d)" if needle[-1].isdigit() else "")
    return re.compile(body)


def contains(needle: str, haystack: str) -> bool:
    """Whole-word, case/accent-insensitive, number-normalised containment ("12" is not in "120")."""
    wanted = normalize(needle)
    return bool(wanted) and _pattern(wanted).search(normalize(haystack)) is not None


def alternatives(part: str) -> list[str]:
    """The accepted spellings of one gold answer part: "Querétaro | Queretaro"."""
    return [alt.strip() for alt in part.split(" | ") if alt.strip()]


def _part_found(part: str, text: str) -> bool:
    return any(contains(alt, text) for alt in alternatives(part))


def missing_parts(answers: Sequence[str], match: str, text: str) -> list[str]:
    """Gold parts the text lacks: for "all" each part counts; for "any" one part is enough."""
    text = strip_markers(text)
    if match == "all":
        return [part for part in answers if not _part_found(part, text)]
    if match == "any":
        return [] if any(_part_found(part, text) for part in answers) else list(answers[:1])
    return []


def word_count(text: str) -> int:
    """Words of an answer as a reader sees them: citation markers are not words."""
    return len(strip_markers(text).split())


def answer_matches(answers: Sequence[str], match: str, text: str) -> bool:
    """True when the text holds the gold answer (never for unanswerable questions)."""
    return match in ("any", "all") and bool(answers) and not missing_parts(answers, match, text)


# Ranks -------------------------------------------------------------------------------------------


def context_rank(answers: Sequence[str], match: str, texts: Sequence[str]) -> int | None:
    """Smallest r such that ``texts[:r]`` together hold the answer (1-based), else None.

    For "any" this is the rank of the first text holding any alternative; for "all" each part must
    occur within one text, and r is the rank by which every part has occurred.
    """
    firsts: list[int | None] = []
    for part in answers:
        first = next((i + 1 for i, t in enumerate(texts) if _part_found(part, t)), None)
        firsts.append(first)
    if match == "any":
        found = [r for r in firsts if r is not None]
        return min(found) if found else None
    if match == "all" and firsts and all(r is not None for r in firsts):
        return max(r for r in firsts if r is not None)
    return None


def source_rank(sources: Iterable[str], doc_ids: Sequence[str]) -> int | None:
    """Rank of the first retrieved chunk that comes from a gold source document."""
    wanted = set(sources)
    return next((i + 1 for i, doc in enumerate(doc_ids) if doc in wanted), None)


# Citations ---------------------------------------------------------------------------------------


def citation_supports(quote: str, evidence: Sequence[str], answers: Sequence[str]) -> bool:
    """A quote supports the gold answer when it contains an evidence passage, holds at least
    ``OVERLAP`` of a passage's content tokens, or contains an alternative of a gold answer part."""
    quote_norm = normalize(quote)
    quote_tokens = set(tokenize(quote))
    for passage in evidence:
        if normalize(passage) and normalize(passage) in quote_norm:
            return True
        tokens = set(tokenize(passage))
        if tokens and len(tokens & quote_tokens) / len(tokens) >= OVERLAP:
            return True
    return any(_part_found(part, quote) for part in answers)


# Summaries ---------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100), 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _share(numerator: float, denominator: float) -> float | None:
    """A rounded ratio; None (not measured) when nothing was counted."""
    return round(numerator / denominator, 4) if denominator else None


def retrieval_metrics(
    ranks: Sequence[tuple[int | None, int | None]], k: int
) -> dict[str, float | None]:
    """answer-in-context@k, source recall@k and MRR@k from (context_rank, source_rank) pairs."""
    n = len(ranks)
    in_context = sum(1 for c, _ in ranks if c is not None and c <= k)
    recalled = sum(1 for _, s in ranks if s is not None and s <= k)
    mrr = sum(1 / c for c, _ in ranks if c is not None and c <= k)
    return {
        "answer_in_context": _share(in_context, n),
        "source_recall": _share(recalled, n),
        "mrr": _share(mrr, n),
    }


def summarize(records: Sequence[Record], k: int) -> dict[str, Any]:
    """Every metric of a run, flat, plus accuracy per category."""
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    answered = [r for r in answerable if not r.abstained]
    latencies = [r.latency_ms for r in records if not r.error]
    words = [r.words for r in records if not r.abstained and not r.error]
    metrics: dict[str, Any] = {
        "questions": len(records),
        **retrieval_metrics([(r.context_rank, r.source_rank) for r in answerable], k),
        "accuracy": _share(sum(r.correct for r in records), len(records)),
        "accuracy_answerable": _share(sum(r.correct for r in answerable), len(answerable)),
        # right answers and right abstentions over all questions (= accuracy), beside the floor
        # a reader that always abstains reaches: the share of unanswerable questions
        "overall": _share(sum(r.correct for r in records), len(records)),
        "always_abstain": _share(len(unanswerable), len(records)),
        "citation_precision": _share(
            sum(r.citations_ok for r in answered), sum(r.citations for r in answered)
        ),
        "sentences_verified": _share(
            sum(r.sentences_ok for r in answered), sum(r.sentences for r in answered)
        ),
        "correct_abstention": _share(sum(r.abstained for r in unanswerable), len(unanswerable)),
        "false_refusal": _share(sum(r.abstained for r in answerable), len(answerable)),
        "answer_words_mean": round(sum(words) / len(words), 1) if words else None,
        "answer_words_median": round(percentile(words, 50), 1) if words else None,
        "latency_p50_ms": round(percentile(latencies, 50), 1),
        "latency_p95_ms": round(percentile(latencies, 95), 1),
        "errors": sum(1 for r in records if r.error),
    }
    categories: dict[str, dict[str, float | None]] = {}
    for cat in sorted({r.category for r in records}):
        rows = [r for r in records if r.category == cat]
        categories[cat] = {
            "n": len(rows),
            "accuracy": _share(sum(r.correct for r in rows), len(rows)),
        }
    metrics["per_category"] = categories
    return metrics
