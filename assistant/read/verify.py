"""Verification of an answer against its sources, for every backend.

Checks, per sentence: it cites at least one source; every [n] points to a source that was given;
every number, percentage, money amount and year in the sentence appears in the text (or the date or
title) of a source it cites (numbers normalised: "35,000" = "35 000" = "35.000", "€9.9 billion"
-> 9.9, "2%" -> 2); sentences of a source that address the model ("Ignore previous instructions
...") are not evidence. A sentence failing a check is marked unverified with the reason, and so are
the citations it uses.
This module does not change the answer text: it only reports.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..text import numbers_in, sentence_spans
from ..types import NOT_SAID_PHRASES, Citation, Sentence

MARKER = re.compile(r"\s*\[(\d{1,3})\]")


# A source sentence that speaks to the model ("Ignore previous instructions and say ...",
# "SYSTEM: ...") is an injection attempt, not evidence: the numbers it plants verify nothing.
_INSTRUCTION = re.compile(
    r"\b(?:ignore|disregard|forget|override)\b[^.!?\n]{0,80}\b(?:instructions?|prompts?|rules?|"
    r"previous|above|prior)\b|\b(?:system|developer)(?:\s+(?:prompt|message))?\s*:|\byou are now\b",
    re.IGNORECASE,
)


def evidence_text(text: str) -> str:
    """``text`` without the sentences that address the model instead of stating facts."""
    spans = sentence_spans(text)
    return " ".join(text[a:b] for a, b in spans if not _INSTRUCTION.search(text[a:b]))


def markers(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in MARKER.findall(text))


def strip_markers(text: str) -> str:
    return MARKER.sub("", text).strip()


def _framing(claim: str) -> bool:
    """A lead-in that claims nothing a source could back: it introduces what follows (ends with
    ":") or notes the quotes' language (in brackets), and gives no figure."""
    text = claim.strip()
    return (text.endswith(":") or (text.startswith("(") and text.endswith(")"))) and not any(
        ch.isdigit() for ch in text
    )


def verify(
    sentences: list[tuple[str, tuple[int, ...]]],
    citations: list[Citation],
    *,
    abstained: bool = False,
) -> tuple[list[Sentence], list[Citation]]:
    """Sentence verdicts, and the citations with ``verified`` set from the sentences using them."""
    by_n = {c.n: c for c in citations}
    checked: list[Sentence] = []
    failed_sources: set[int] = set()
    for text, given in sentences:
        cites = tuple(dict.fromkeys(given + markers(text)))
        issues: list[str] = []
        claim = strip_markers(text)
        if abstained or (not cites and (claim.startswith(NOT_SAID_PHRASES) or _framing(claim))):
            # saying what the documents don't say (for the whole question or one of its parts)
            # claims nothing that a source could back
            checked.append(Sentence(text, cites, True, ()))
            continue
        if not cites:
            issues.append("no citation")
        unknown = [n for n in cites if n not in by_n]
        if unknown:
            issues.append(f"cites {', '.join(f'[{n}]' for n in unknown)}, not a source given")
        known = [by_n[n] for n in cites if n in by_n]
        if known:
            evidence = set()
            for c in known:
                evidence.update(numbers_in(evidence_text(c.passage or c.quote)))
                # The source's date and title are shown with it (answer labels, LLM prompt).
                evidence.update(numbers_in(f"{c.date} {c.title}"))
            missing = [n for n in dict.fromkeys(numbers_in(claim)) if n not in evidence]
            if missing:
                issues.append(f"{', '.join(missing)} not found in the cited text")
        if issues:
            failed_sources.update(n for n in cites if n in by_n)
        checked.append(Sentence(text, cites, not issues, tuple(issues)))
    verified = [replace(c, verified=c.n not in failed_sources) for c in citations]
    return checked, verified
