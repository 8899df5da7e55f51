"""Train the reader: a MiniLM cross-encoder that scores a candidate sentence for a question.

    python -m assistant.read.train              # ~40 min on 2 cores; writes assistant/read/model/
    python -m assistant.read.train --validate   # re-measure the model in --out on validation

Reproducible from a clean checkout (seeded; torch, transformers and the packaged
all-MiniLM-L6-v2 are in the venv). The encoder is the first ``--layers`` (default all 6) layers
of the packaged all-MiniLM-L6-v2 (Apache-2.0); on top, two fresh heads:

- a sentence head: the mean of a sentence's token states beside the [CLS] state -> one logit,
  trained with binary cross-entropy (1: the sentence holds a gold answer);
- a span head: start and end logits per token (SQuAD-style), trained on answerable pairs; it gives
  the short direct answer and, as a second task, sharper token states.

``--input sentence`` (the default) reads (question, heading + one sentence) pairs, as
``train_data.sentence_examples`` draws them: every positive sentence and the near-miss negatives
an idf-overlap first pass lets through; ``--input passage`` reads whole paragraphs and scores
every sentence in them. Data: the *training* articles of ``evals/split.json`` (SQuAD 2.0 and
1.1, CC BY-SA 4.0), as ``train_data.examples_for`` builds them (own paragraph, unanswerable
paragraph, hard negative). The validation articles are only scored at the end (P@1 of the best
sentence, AUROC of the best sentence's score between answerable and unanswerable questions).
Output: ``model.safetensors`` (fp16), ``config.json``, ``tokenizer.json``, ``reader.json``
(format, input, checksum, figures).

Non-job: inference (``model.py``, numpy only), calibration (``calibrate.py``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..store.embed import packaged_model_dir
from .calibrate import auroc
from .inputs import MAX_TOKENS, SENTENCE_TOKENS, Encoded, encode
from .torch_reader import build_model, load_trained, tensors
from .train_data import Example, examples_for, load_articles, paragraph_idf, sentence_examples

__all__ = ["build_model", "export", "load_trained", "main", "tensors", "validate"]

MODEL_DIR = Path(__file__).resolve().parent / "model"
DATA_DIR = Path(__file__).resolve().parents[3] / "shared" / "data" / "qa"
SPAN_WEIGHT = 0.5


def _targets(e: Example, enc: Encoded) -> tuple[int, int] | None:
    """Token positions of the gold answer's first and last token, or None."""
    if e.answer is None:
        return None
    a, b = e.answer
    off = enc.passage_offsets
    inside = np.nonzero((off[:, 1] > a) & (off[:, 0] < b) & (off[:, 0] >= 0))[0]
    return (int(inside[0]), int(inside[-1])) if len(inside) else None


def _prepare(
    tokenizer: Any, examples: list[Example], max_tokens: int = MAX_TOKENS
) -> list[tuple[Example, Encoded, Any]]:
    out = []
    for e in examples:
        enc = encode(tokenizer, e.question, e.heading, e.passage, e.spans, max_tokens)
        target = _targets(e, enc)
        if e.answer is not None and target is None:
            continue  # the answer was cut off: no label to learn from
        owned = set(int(s) for s in enc.owner if s >= 0)
        if e.answer is not None and not any(e.labels[s] for s in owned):
            continue
        out.append((e, enc, target))
    return out


def _batches(items: list, size: int, rng: random.Random) -> list[list]:
    """Length-bucketed batches in random order (less padding, same expected gradient)."""
    order = sorted(range(len(items)), key=lambda i: (len(items[i][1].ids), rng.random()))
    batches = [[items[i] for i in order[s : s + size]] for s in range(0, len(order), size)]
    rng.shuffle(batches)
    return batches


def _loss(model: Any, batch: list) -> Any:
    import torch
    import torch.nn.functional as F

    x = tensors([enc for _, enc, _ in batch])
    sentence, span = model(**x)
    labels = torch.zeros_like(sentence)
    valid = torch.zeros_like(sentence)
    for b, (e, enc, _) in enumerate(batch):
        owned = sorted(set(int(s) for s in enc.owner if s >= 0))
        for s in owned:
            labels[b, s] = float(e.labels[s])
            valid[b, s] = 1.0
    bce = F.binary_cross_entropy_with_logits(sentence, labels, weight=valid, reduction="sum")
    loss = bce / valid.sum().clamp(min=1.0)
    rows = [b for b, (_, _, t) in enumerate(batch) if t is not None]
    if rows:
        mask = x["mask"][rows] * x["types"][rows].float()  # passage side only
        logits = span[rows].masked_fill(mask[..., None] == 0, -1e4)
        starts = torch.tensor([batch[b][2][0] for b in rows])
        ends = torch.tensor([batch[b][2][1] for b in rows])
        span_loss = (
            F.cross_entropy(logits[..., 0], starts) + F.cross_entropy(logits[..., 1], ends)
        ) / 2
        loss = loss + SPAN_WEIGHT * span_loss
    return loss


def validate(
    model: Any, tokenizer: Any, examples: list[Example], max_tokens: int = MAX_TOKENS
) -> dict[str, float]:
    """P@1 and AUROC over the validation questions (own/impossible paragraph + hard negative)."""
    import torch

    items = _prepare(tokenizer, examples, max_tokens)
    best: dict[str, tuple[float, int]] = {}
    answerable: dict[str, bool] = {}
    model.eval()
    with torch.no_grad():
        for start in range(0, len(items), 32):
            chunk = items[start : start + 32]
            sentence, _ = model(**tensors([enc for _, enc, _ in chunk]))
            for b, (e, enc, _) in enumerate(chunk):
                owned = sorted(set(int(s) for s in enc.owner if s >= 0))
                if e.kind != "hard":  # a sentence example without the answer may be "own"
                    answerable[e.qid] = e.kind == "own"
                for s in owned:
                    score = float(sentence[b, s])
                    if e.qid not in best or score > best[e.qid][0]:
                        best[e.qid] = (score, e.labels[s])
    model.train()
    pos = [best[q][0] for q, a in answerable.items() if a and q in best]
    neg = [best[q][0] for q, a in answerable.items() if not a and q in best]
    hits = [best[q][1] for q, a in answerable.items() if a and q in best]
    return {
        "questions": len(answerable),
        "p_at_1": round(float(np.mean(hits)), 4) if hits else float("nan"),
        "auroc": round(auroc(pos, neg), 4),
    }


def export(
    model: Any,
    out: Path,
    layers: int,
    figures: dict[str, Any],
    mode: str = "passage",
    max_tokens: int = MAX_TOKENS,
) -> str:
    """Write fp16 safetensors, config, tokenizer and reader.json; return the sha256."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to("cpu").half().contiguous() for k, v in model.state_dict().items()}
    state = {k.removeprefix("bert."): v for k, v in state.items()}
    state.pop("embeddings.position_ids", None)
    tmp = out / "model.safetensors.tmp"
    save_file(state, str(tmp))
    tmp.replace(out / "model.safetensors")
    config = json.loads((packaged_model_dir() / "config.json").read_text())
    config["num_hidden_layers"] = layers
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    shutil.copy(packaged_model_dir() / "tokenizer.json", out / "tokenizer.json")
    digest = hashlib.sha256((out / "model.safetensors").read_bytes()).hexdigest()
    meta = {"format": 1, "layers": layers, "input": mode, "max_tokens": max_tokens,
            "sha256": digest, **figures}  # fmt: skip
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    return digest


def revalidate(out: Path, data: Path, embed: Any, negatives: int, seed: int) -> int:
    """Measure the exported model in ``out`` on the validation articles again (as training ends)
    and record the figures in its reader.json."""
    from tokenizers import Tokenizer

    meta = json.loads((out / "reader.json").read_text())
    val = examples_for(load_articles(data, "validation"), embed, 1)
    if meta.get("input") == "sentence":
        idf = paragraph_idf(load_articles(data, "training"))
        val = sentence_examples(val, idf, random.Random(seed), negatives)
    tokenizer = Tokenizer.from_file(str(out / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    meta["validation"] = validate(load_trained(out), tokenizer, val, int(meta["max_tokens"]))
    (out / "reader.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(json.dumps(meta["validation"]), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--input", choices=("sentence", "passage"), default="sentence",
                   help="read (question, one sentence) pairs, or whole passages")  # fmt: skip
    p.add_argument("--negatives", type=int, default=2,
                   help="sentence input: near-miss negatives per paragraph")  # fmt: skip
    p.add_argument("--epochs", type=float, default=1.5)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--hard-every", type=int, default=3, help="a hard negative for 1 question in N")
    p.add_argument("--limit", type=int, default=0, help="use only the first N examples (trials)")
    p.add_argument("--seed", type=int, default=16)
    p.add_argument("--data", type=Path, default=DATA_DIR)
    p.add_argument("--out", type=Path, default=MODEL_DIR)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--validate", action="store_true",
                   help="only re-measure the model in --out on validation")  # fmt: skip
    args = p.parse_args(argv)

    import torch
    from sentence_transformers import SentenceTransformer
    from tokenizers import Tokenizer

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    log = lambda *a: print(*a, flush=True)  # noqa: E731
    bi = SentenceTransformer(str(packaged_model_dir()), device="cpu")
    embed = lambda texts: bi.encode(texts, batch_size=64, normalize_embeddings=True)  # noqa: E731
    if args.validate:
        return revalidate(args.out, args.data, embed, args.negatives, args.seed)
    t0 = time.perf_counter()
    train = examples_for(load_articles(args.data, "training"), embed, args.hard_every)
    val = examples_for(load_articles(args.data, "validation"), embed, 1)
    log(f"examples: train {len(train)}, validation {len(val)} ({time.perf_counter() - t0:.0f} s)")
    tokenizer = Tokenizer.from_file(str(packaged_model_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    rng = random.Random(args.seed)
    max_tokens = SENTENCE_TOKENS if args.input == "sentence" else MAX_TOKENS
    if args.input == "sentence":
        idf = paragraph_idf(load_articles(args.data, "training"))
        train = sentence_examples(train, idf, random.Random(args.seed), args.negatives)
        val = sentence_examples(val, idf, random.Random(args.seed), args.negatives)
    items = _prepare(tokenizer, train, max_tokens)
    rng.shuffle(items)
    if args.limit:
        items = items[: args.limit]
    model = build_model(args.layers)
    model.train()
    steps_per_epoch = -(-len(items) // args.batch)
    total = max(int(steps_per_epoch * args.epochs), 1)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    warm = max(total // 10, 1)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / (total - warm)))
    )
    log(f"pairs {len(items)}, steps {total} (batch {args.batch}, {args.epochs} epochs)")
    step, t0, running = 0, time.perf_counter(), 0.0
    while step < total:
        for batch in _batches(items, args.batch, rng):
            if step >= total:
                break
            loss = _loss(model, batch)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            value = float(loss.detach())
            running = 0.98 * running + 0.02 * value if step > 1 else value
            if step % 50 == 0 or step == total:
                rate = step * args.batch / (time.perf_counter() - t0)
                log(f"step {step}/{total} loss {running:.4f} ({rate:.1f} pairs/s)")
    train_s = time.perf_counter() - t0
    figures = {"validation": validate(model, tokenizer, val, max_tokens), "train_pairs": len(items),
               "steps": total, "train_minutes": round(train_s / 60, 1), "seed": args.seed,
               "epochs": args.epochs, "lr": args.lr, "batch": args.batch}  # fmt: skip
    log(json.dumps(figures))
    digest = export(model, args.out, args.layers, figures, args.input, max_tokens)
    log(f"wrote {args.out} (sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
