"""A scripted stand-in for the trained reader: implements ``Reader.score`` deterministically.

A span's logit is what ``logit_of(question, span_text)`` returns (default: 4 x the share of the
question's words the span says, minus 2), so a test decides which candidate wins and whether
it clears the threshold without the model. The span head marks the first number of each span.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable

import numpy as np

from assistant.read.model import Passage, Scored
from assistant.text import tokenize


def overlap_logit(question: str, text: str) -> float:
    asked = set(tokenize(question))
    return 4.0 * len(asked & set(tokenize(text))) / max(len(asked), 1) - 2.0


class FakeReader:
    def __init__(self, logit_of: Callable[[str, str], float] = overlap_logit) -> None:
        self.logit_of = logit_of
        self.calls = 0
        self.reads_sentences = False  # reads whole passages: no first pass

    def load(self) -> FakeReader:
        return self

    def score(
        self,
        question: str,
        passages: list[Passage],
        batch: int | None = None,
        select: set[tuple[int, int]] | None = None,
    ) -> list[Scored]:
        self.calls += 1
        out = []
        for p in passages:
            words = [(m.start(), m.end()) for m in re.finditer(r"\S+", p.text)]
            offsets = np.array(words or [(0, 0)], dtype=np.int64)
            start = np.full(len(offsets), -5.0, dtype=np.float32)
            end = np.full(len(offsets), -5.0, dtype=np.float32)
            for t, (a, b) in enumerate(words):
                if re.match(r"\d", p.text[a:b]):
                    start[t] = end[t] = 5.0
            logits = np.array([self.logit_of(question, p.text[a:b]) for a, b in p.spans],
                              dtype=np.float32)  # fmt: skip
            vectors = np.stack(
                [_bag(p.text[a:b]) for a, b in p.spans] or [np.zeros(64, dtype=np.float32)]
            )
            out.append(Scored(logits, start, end, offsets, vectors))
        return out


def _bag(text: str) -> np.ndarray:
    v = np.zeros(64, dtype=np.float32)
    for token in tokenize(text):
        v[zlib.crc32(token.encode()) % 64] += 1.0
    return v
