"""The trained reader, run without torch: scores for every candidate span of a passage.

Job: load the committed weights (``model/``: ``model.safetensors``, ``config.json``,
``tokenizer.json``, ``reader.json`` with the sha256 the loader checks), run the numpy BERT forward
pass of ``embed_numpy`` on (question, heading + passage) pairs, batched, and return per passage
the sentence head's logit for each candidate span and the span head's start/end logits per token.
``Reader.score`` is the whole interface; a span's logit is the mean of its tokens' states beside
the [CLS] state through one linear layer, exactly as ``train.py`` trains it.

Non-job: choosing candidates, calibration, composing answers (see ``read/__init__``).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from ..store.embed_numpy import _model, hidden_states
from .inputs import MAX_TOKENS, SENTENCE_TOKENS, Encoded, encode, pad, pool_matrix

MODEL_DIR = Path(__file__).resolve().parent / "model"
TRAIN = "python -m assistant.read.train"
_F32 = np.float32


@dataclass(frozen=True)
class Passage:
    """One passage to read: its heading, text and candidate spans (character offsets)."""

    heading: str
    text: str
    spans: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Scored:
    """A passage's scores: one logit per span (-inf where truncation left it no token), and the
    span head's start/end logits with each token's character offsets in the passage."""

    logits: np.ndarray  # (spans,)
    start: np.ndarray  # (seq,)
    end: np.ndarray  # (seq,)
    offsets: np.ndarray  # (seq, 2); (-1, -1) outside the passage
    vectors: np.ndarray  # (spans, hidden): each span's mean token state, for diversity (MMR)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check_model_dir(model_dir: Path) -> dict[str, Any]:
    """reader.json of ``model_dir`` after checking the weights' sha256; ConfigError otherwise."""
    meta_path, weights = model_dir / "reader.json", model_dir / "model.safetensors"
    if not meta_path.exists() or not weights.exists():
        raise ConfigError(
            f"No reader model in {model_dir} (reader.json and model.safetensors). "
            f"Restore it with `git checkout -- {model_dir}` or train it: `{TRAIN}`."
        )
    try:
        meta = dict(json.loads(meta_path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ConfigError(f"{meta_path} is not valid JSON ({exc}); run `{TRAIN}`.") from exc
    actual = _sha256(weights)
    if actual != meta.get("sha256"):
        raise ConfigError(
            f"{weights} does not match the checksum in {meta_path} "
            f"(sha256 {actual[:12]}…, expected {str(meta.get('sha256'))[:12]}…): the file is "
            f"damaged or was changed. Restore it with `git checkout -- {model_dir}` or retrain "
            f"with `{TRAIN}`."
        )
    return meta


class Reader:
    """``score(question, passages)``: the trained reader's logits, numpy only, loaded once."""

    def __init__(self, model_dir: Path = MODEL_DIR, blas_threads: int | None = 1) -> None:
        self.model_dir = model_dir
        self.blas_threads = blas_threads
        self._lock = threading.Lock()
        self._heads: dict[str, np.ndarray] | None = None
        self.meta: dict[str, Any] = {}

    def _load(self) -> tuple[Any, dict[str, np.ndarray]]:
        with self._lock:
            if self._heads is None:
                self.meta = check_model_dir(self.model_dir)
                from safetensors import safe_open

                with safe_open(str(self.model_dir / "model.safetensors"), "np") as f:
                    self._heads = {
                        k: f.get_tensor(k).astype(_F32)
                        for k in ("sentence.weight", "sentence.bias", "span.weight", "span.bias")
                    }
        return _model(self.model_dir), self._heads

    def load(self) -> Reader:
        """Load the weights now (a server does it at start, not on the first question)."""
        self._load()
        return self

    def encode(
        self,
        question: str,
        passages: list[Passage],
        select: set[tuple[int, int]] | None = None,
    ) -> list[Encoded]:
        """The model's inputs: one per passage, or for a sentence model one per selected span
        (in passage order, then span order)."""
        return [enc for _, enc in self._inputs(question, passages, select)]

    def _inputs(
        self, question: str, passages: list[Passage], select: set[tuple[int, int]] | None
    ) -> list[tuple[tuple[int, int], Encoded]]:
        model, _ = self._load()
        if self.meta.get("input", "passage") != "sentence":
            max_tokens = int(self.meta.get("max_tokens", MAX_TOKENS))
            return [((p, -1), encode(model.tokenizer, question, passage.heading, passage.text,
                                     list(passage.spans), max_tokens))
                    for p, passage in enumerate(passages)]  # fmt: skip
        max_tokens = int(self.meta.get("max_tokens", SENTENCE_TOKENS))
        out = []
        for p, passage in enumerate(passages):
            for i, (a, b) in enumerate(passage.spans):
                if select is None or (p, i) in select:
                    window = passage.text[a:b]
                    enc = encode(model.tokenizer, question, passage.heading, window,
                                 [(0, b - a)], max_tokens)  # fmt: skip
                    out.append(((p, i), enc))
        return out

    @property
    def reads_sentences(self) -> bool:
        """True when the model reads (question, one sentence) pairs, False for whole passages."""
        self._load()
        return self.meta.get("input", "passage") == "sentence"

    def score(
        self,
        question: str,
        passages: list[Passage],
        batch: int | None = None,
        select: set[tuple[int, int]] | None = None,
    ) -> list[Scored]:
        """Scores for each passage, in order. A sentence model reads only the (passage, span)
        pairs in ``select`` (all when None); the others get -inf. ``batch``: inputs a forward
        pass (default 8 passages or 16 sentences; bench/bench_reader.py)."""
        if not passages:
            return []
        model, heads = self._load()
        if self.meta.get("input", "passage") == "sentence":
            return self._score_sentences(model, heads, question, passages, select, batch or 16)
        batch = batch or 8
        encoded = self.encode(question, passages)
        out: list[Scored | None] = [None] * len(encoded)
        with self._threads(model):
            for rows, pooled, logits, span in _forward(model, heads, encoded, batch):
                for b, i in enumerate(rows):
                    e = encoded[i]
                    has = np.zeros(max(e.spans, 1), dtype=bool)
                    has[e.owner[e.owner >= 0]] = True
                    n = len(e.ids)
                    out[i] = Scored(
                        logits=np.where(has[: e.spans], logits[b, : e.spans], -np.inf),
                        start=span[b, :n, 0].copy(),
                        end=span[b, :n, 1].copy(),
                        offsets=e.passage_offsets,
                        vectors=pooled[b, : e.spans].copy(),
                    )
        return [s for s in out if s is not None]

    def _score_sentences(
        self,
        model: Any,
        heads: dict[str, np.ndarray],
        question: str,
        passages: list[Passage],
        select: set[tuple[int, int]] | None,
        batch: int = 16,
    ) -> list[Scored]:
        """One (question, heading + sentence) input per selected span, as ``train.py --input
        sentence`` trains it; the span head's tokens are mapped back to passage offsets."""
        inputs = self._inputs(question, passages, select)
        jobs = [job for job, _ in inputs]
        encoded = [enc for _, enc in inputs]
        logit = np.full(len(jobs), -np.inf)
        hidden = int(heads["span.weight"].shape[1])
        vector = np.zeros((len(jobs), hidden), dtype=_F32)
        span_rows: list[np.ndarray] = [np.zeros((0, 2), dtype=_F32)] * len(jobs)
        with self._threads(model):
            for rows, pooled, z, span in _forward(model, heads, encoded, batch):
                for b, j in enumerate(rows):
                    if (encoded[j].owner >= 0).any():
                        logit[j] = z[b, 0]
                    vector[j] = pooled[b, 0]
                    span_rows[j] = span[b, : len(encoded[j].ids)]
        out = []
        for p, passage in enumerate(passages):
            mine = [j for j, (q, _) in enumerate(jobs) if q == p]
            logits = np.full(len(passage.spans), -np.inf)
            vectors = np.zeros((len(passage.spans), hidden), dtype=_F32)
            starts, ends, offsets = [], [], []
            for j in mine:
                i = jobs[j][1]
                logits[i], vectors[i] = logit[j], vector[j]
                off = encoded[j].passage_offsets
                inside = off[:, 1] > 0
                starts.append(span_rows[j][inside, 0])
                ends.append(span_rows[j][inside, 1])
                offsets.append(off[inside] + passage.spans[i][0])
            out.append(Scored(
                logits=logits,
                start=np.concatenate(starts) if starts else np.zeros(0, dtype=_F32),
                end=np.concatenate(ends) if ends else np.zeros(0, dtype=_F32),
                offsets=np.vstack(offsets) if offsets else np.zeros((0, 2), dtype=np.int64),
                vectors=vectors,
            ))  # fmt: skip
        return out

    def _threads(self, model: Any) -> contextlib.AbstractContextManager[Any]:
        if model.blas is None or self.blas_threads is None:
            return contextlib.nullcontext()
        return model.blas.limit(limits=self.blas_threads, user_api="blas")


def _forward(
    model: Any, heads: dict[str, np.ndarray], encoded: list[Encoded], batch: int
) -> Iterator[tuple[list[int], np.ndarray, np.ndarray, np.ndarray]]:
    """The model on ``encoded`` in length-sorted batches: per batch, the input rows, each span's
    pooled state (batch, spans, hidden), its sentence logit (batch, spans) and the span head's
    start/end logits per token (batch, seq, 2), exactly as ``torch_reader`` computes them."""
    order = sorted(range(len(encoded)), key=lambda i: -len(encoded[i].ids))
    for start in range(0, len(order), batch):
        rows = order[start : start + batch]
        group = [encoded[i] for i in rows]
        ids, types, mask = pad(group)
        states = hidden_states(model, ids, mask, types, exact_gelu=False)
        pooled = np.matmul(pool_matrix(group, ids.shape[1]), states)
        cls = np.broadcast_to(states[:, :1], pooled.shape)
        features = np.concatenate([pooled, cls], axis=-1)
        logits = features @ heads["sentence.weight"][0] + heads["sentence.bias"][0]
        span = states @ heads["span.weight"].T + heads["span.bias"]
        yield rows, pooled, logits, span
