"""How a (question, passage) pair becomes model input: one definition for training and inference.

Job: tokenise ``[CLS] question [SEP] heading \\n passage [SEP]`` with the packaged WordPiece
tokenizer (``tokenizers``, no torch), and map every candidate span of the passage (a sentence, a
list item, a table line; character offsets into the passage) to the tokens it covers, so the model
can pool a score for each. The trainer (``train.py``) and the numpy reader (``model.py``) both call
``encode``, so the two can never tokenise differently.

Non-job: choosing candidates (``candidates.py``), running the model, batching.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_QUESTION_TOKENS = 48  # longer questions are cut: the passage matters more than a long preamble
MAX_TOKENS = 256  # the whole pair; a 900-character chunk is ~220 tokens
SENTENCE_TOKENS = 128  # a (question, one sentence) pair: nearly every sentence fits whole


@dataclass(frozen=True)
class Encoded:
    """One tokenised pair. ``owner[t]`` is the span index of token ``t`` (-1: not in a span);
    ``passage_offsets[t]`` its character offsets in the passage ((-1, -1) outside it)."""

    ids: np.ndarray  # (seq,) int64
    types: np.ndarray  # (seq,) int64: 0 question, 1 heading and passage
    owner: np.ndarray  # (seq,) int64
    passage_offsets: np.ndarray  # (seq, 2) int64
    spans: int  # number of candidate spans (some may own no token when truncated)


def _question_ids(tokenizer: Any, question: str) -> list[int]:
    ids: list[int] = tokenizer.encode(question, add_special_tokens=False).ids
    return ids[:MAX_QUESTION_TOKENS]


def encode(
    tokenizer: Any,
    question: str,
    heading: str,
    passage: str,
    spans: list[tuple[int, int]],
    max_tokens: int = MAX_TOKENS,
) -> Encoded:
    """Token ids, segment ids and span ownership of one pair; the passage is cut to fit."""
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    q_ids = _question_ids(tokenizer, question)
    prefix = f"{heading.strip()}\n" if heading.strip() else ""
    second = tokenizer.encode(prefix + passage, add_special_tokens=False)
    room = max(max_tokens - len(q_ids) - 3, 1)
    p_ids = second.ids[:room]
    offsets = np.array(second.offsets[:room], dtype=np.int64).reshape(-1, 2) - len(prefix)
    ids = [cls_id, *q_ids, sep_id, *p_ids, sep_id]
    types = [0] * (len(q_ids) + 2) + [1] * (len(p_ids) + 1)
    seq = len(ids)
    owner = np.full(seq, -1, dtype=np.int64)
    passage_offsets = np.full((seq, 2), -1, dtype=np.int64)
    base = len(q_ids) + 2
    starts = np.array([s for s, _ in spans], dtype=np.int64)
    ends = np.array([e for _, e in spans], dtype=np.int64)
    for t, (a, b) in enumerate(offsets):
        if b <= 0:  # a heading token
            continue
        passage_offsets[base + t] = (max(a, 0), b)
        if len(spans):
            inside = np.nonzero((starts <= a) & (a < ends))[0]
            if len(inside):
                owner[base + t] = int(inside[0])
    return Encoded(
        ids=np.array(ids, dtype=np.int64),
        types=np.array(types, dtype=np.int64),
        owner=owner,
        passage_offsets=passage_offsets,
        spans=len(spans),
    )


def pool_matrix(batch: list[Encoded], seq: int) -> np.ndarray:
    """(batch, max_spans, seq) float32 rows averaging each span's tokens (zero rows: no tokens)."""
    most = max((e.spans for e in batch), default=0) or 1
    out = np.zeros((len(batch), most, seq), dtype=np.float32)
    for b, e in enumerate(batch):
        for t, s in enumerate(e.owner):
            if s >= 0:
                out[b, s, t] = 1.0
    counts = out.sum(axis=2, keepdims=True)
    np.divide(out, counts, out=out, where=counts > 0)
    return out


def pad(batch: list[Encoded]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Padded ids, segment ids and attention mask (batch, seq)."""
    seq = max(len(e.ids) for e in batch)
    ids = np.zeros((len(batch), seq), dtype=np.int64)
    types = np.zeros((len(batch), seq), dtype=np.int64)
    mask = np.zeros((len(batch), seq), dtype=np.float32)
    for b, e in enumerate(batch):
        ids[b, : len(e.ids)] = e.ids
        types[b, : len(e.ids)] = e.types
        mask[b, : len(e.ids)] = 1.0
    return ids, types, mask
