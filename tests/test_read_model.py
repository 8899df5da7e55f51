"""The committed reader model: the loader's checksum and errors, and the numpy forward pass
against the training framework's (torch) output on a few pairs."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant.errors import ConfigError
from assistant.read.model import MODEL_DIR, Passage, Reader, check_model_dir

PAIRS = [
    Passage(
        "Steam engine",
        "James Watt improved the engine in 1769. It was used in mills. Later ones were compound.",
        ((0, 39), (40, 58), (59, 88)),
    ),
    Passage("", "Short one. Another sentence here!", ((0, 10), (11, 33))),
]


def test_committed_model_passes_its_checksum() -> None:
    meta = check_model_dir(MODEL_DIR)
    assert meta["layers"] >= 1 and len(meta["sha256"]) == 64
    assert (MODEL_DIR / "model.safetensors").stat().st_size < 50_000_000


def test_damaged_weights_are_refused_with_what_to_run(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(MODEL_DIR, copy)
    data = bytearray((copy / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(ConfigError, match=r"does not match the checksum.*assistant\.read\.train"):
        Reader(copy).load()


def test_missing_model_names_the_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"No reader model in .*empty"):
        Reader(tmp_path / "empty").load()


def test_scores_have_one_logit_per_span_and_are_deterministic() -> None:
    reader = Reader()
    first = reader.score("When did Watt improve the engine?", PAIRS)
    again = reader.score("When did Watt improve the engine?", list(reversed(PAIRS)))[::-1]
    assert [len(s.logits) for s in first] == [3, 2]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_allclose(a.logits, b.logits, atol=1e-5)


def forward_pass_matches_torch(model_dir: Path) -> None:
    """The numpy reader's logits and span scores equal torch's on the same inputs (1e-4)."""
    import torch

    from assistant.read.train import load_trained, tensors

    reader = Reader(model_dir)
    question = "When did Watt improve the engine?"
    scored = reader.score(question, PAIRS)
    encoded = reader.encode(question, PAIRS)
    model = load_trained(model_dir)
    with torch.no_grad():
        sentence, span = model(**tensors(encoded))
    if not reader.reads_sentences:
        for b, s in enumerate(scored):
            n = len(s.logits)
            np.testing.assert_allclose(s.logits, sentence[b, :n].numpy(), atol=1e-4)
            np.testing.assert_allclose(s.start, span[b, : len(s.start), 0].numpy(), atol=1e-4)
            np.testing.assert_allclose(s.end, span[b, : len(s.end), 1].numpy(), atol=1e-4)
        return
    # a sentence model: one input per span, in passage then span order
    logits = np.concatenate([s.logits for s in scored])
    np.testing.assert_allclose(logits, sentence[:, 0].numpy(), atol=1e-4)
    starts = np.concatenate([s.start for s in scored])
    inside = np.concatenate([e.passage_offsets[:, 1] > 0 for e in encoded])
    expected = np.concatenate([span[b, : len(e.ids), 0].numpy() for b, e in enumerate(encoded)])
    np.testing.assert_allclose(starts, expected[inside], atol=1e-4)


@pytest.mark.slow
def test_numpy_forward_pass_matches_torch() -> None:
    forward_pass_matches_torch(MODEL_DIR)


def test_sentence_reader_reads_only_the_selected_spans_at_their_passage_offsets() -> None:
    reader = Reader()
    assert reader.reads_sentences  # the committed model reads one sentence at a time
    scored = reader.score("When did Watt improve the engine?", PAIRS, select={(0, 0), (1, 1)})
    assert np.isfinite(scored[0].logits[0]) and np.isfinite(scored[1].logits[1])
    assert np.isneginf(scored[0].logits[1:]).all() and np.isneginf(scored[1].logits[0])
    for passage, s in zip(PAIRS, scored, strict=True):
        for a, b in s.offsets:  # every span-head token lies inside a selected sentence
            assert any(lo <= a and b <= hi for lo, hi in passage.spans)
        assert passage.text[s.offsets[0][0] : s.offsets[0][1]].strip()
