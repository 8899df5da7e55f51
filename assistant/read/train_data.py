"""Training and validation examples for the reader, from the shared SQuAD articles.

Job: turn the articles of one side of ``evals/split.json`` into ``Example``s: a question, a
passage with its heading (the article's title), the passage's sentences as candidate spans, a
label per sentence (1: it holds a gold answer) and the gold answer's character span (for the span
head). Three kinds of example, as the reader meets them behind our retriever:

- the question's own paragraph (answerable: one or more positive sentences);
- the paragraph of an unanswerable question (SQuAD 2.0's adversarial near-misses): all negative;
- a hard negative: the paragraph of the same article that the packaged MiniLM bi-encoder ranks
  highest for the question, other than its own, when it does not contain a gold answer's text.

Non-job: tokenising (``inputs.py``), training (``train.py``).
"""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..text import fold, sentence_spans, tokenize

SPLIT = Path(__file__).resolve().parents[2] / "evals" / "split.json"


@dataclass(frozen=True)
class Example:
    qid: str
    question: str
    heading: str
    passage: str
    spans: list[tuple[int, int]]
    labels: list[int]
    answer: tuple[int, int] | None  # gold answer span in the passage (answerable, own paragraph)
    kind: str  # "own" | "impossible" | "hard"


def load_articles(data_dir: Path, side: str, split_path: Path = SPLIT) -> list[dict]:
    """The articles of ``side`` ("training" or "validation") from both shared files."""
    split = json.loads(split_path.read_text(encoding="utf-8"))
    articles = []
    for entry in split["files"].values():
        wanted = set(entry[side])
        data = json.loads((data_dir / entry["file"]).read_text(encoding="utf-8"))["data"]
        articles += [a for a in data if a["title"] in wanted]
    return articles


def heading_of(article: dict) -> str:
    return str(article["title"]).replace("_", " ")


def _labels(spans: list[tuple[int, int]], answers: list[dict]) -> list[int]:
    starts = [int(a["answer_start"]) for a in answers]
    return [int(any(s <= a < e for a in starts)) for s, e in spans]


def _contains_answer(text: str, answers: list[dict]) -> bool:
    folded = fold(text)
    return any(re.search(rf"(?<!\w){re.escape(fold(a['text']))}(?!\w)", folded) for a in answers)


def examples_for(
    articles: list[dict],
    embed: Callable[[list[str]], np.ndarray] | None = None,
    hard_every: int = 1,
) -> list[Example]:
    """Every question's examples; ``embed`` (texts -> unit vectors) enables hard negatives,
    drawn for one question in ``hard_every``."""
    out: list[Example] = []
    for article in articles:
        heading = heading_of(article)
        paragraphs = [p["context"] for p in article["paragraphs"]]
        spans = [sentence_spans(p) for p in paragraphs]
        questions = [(i, q) for i, p in enumerate(article["paragraphs"]) for q in p["qas"]]
        vectors = q_vectors = None
        if embed is not None:
            vectors = embed(paragraphs)
            q_vectors = embed([q["question"] for _, q in questions])
        for n, (i, q) in enumerate(questions):
            impossible = bool(q.get("is_impossible")) or not q["answers"]
            answers = [] if impossible else q["answers"]
            first = answers[0] if answers else None
            out.append(
                Example(
                    qid=q["id"],
                    question=q["question"],
                    heading=heading,
                    passage=paragraphs[i],
                    spans=spans[i],
                    labels=_labels(spans[i], answers),
                    answer=(
                        (
                            int(first["answer_start"]),
                            int(first["answer_start"]) + len(first["text"]),
                        )
                        if first
                        else None
                    ),
                    kind="impossible" if impossible else "own",
                )
            )
            if vectors is None or q_vectors is None or n % hard_every:
                continue
            order = np.argsort(-(vectors @ q_vectors[n]))
            other = next((int(j) for j in order if int(j) != i), None)
            if other is None or (answers and _contains_answer(paragraphs[other], answers)):
                continue
            out.append(
                Example(
                    qid=q["id"],
                    question=q["question"],
                    heading=heading,
                    passage=paragraphs[other],
                    spans=spans[other],
                    labels=[0] * len(spans[other]),
                    answer=None,
                    kind="hard",
                )
            )
    return out


def _overlap_order(question: str, passage: str, spans: list[tuple[int, int]],
                   idf: Callable[[str], float]) -> list[int]:  # fmt: skip
    """Span indices by idf-weighted overlap with the question, highest first (the first pass the
    reader meets at inference, ``extractive.first_pass``)."""
    asked = set(tokenize(question))
    scores = [sum(idf(t) for t in asked & set(tokenize(passage[a:b]))) for a, b in spans]
    return sorted(range(len(spans)), key=lambda i: -scores[i])


def paragraph_idf(articles: list[dict]) -> Callable[[str], float]:
    """Smoothed idf over the paragraphs of ``articles``."""
    df: Counter[str] = Counter()
    n = 0
    for article in articles:
        for p in article["paragraphs"]:
            df.update(set(tokenize(p["context"])))
            n += 1
    return lambda t: math.log(1.0 + (n + 1) / (df.get(t, 0) + 0.5))


def sentence_examples(
    examples: list[Example],
    idf: Callable[[str], float],
    rng: random.Random,
    negatives: int = 2,
) -> list[Example]:
    """Paragraph examples as (question, one sentence) examples, as the sentence reader reads them.

    Every positive sentence; of the negative ones, the ``negatives`` that share the most
    idf-weighted words with the question (the near-misses a first pass lets through; one more for
    an unanswerable question's paragraph, whose near-misses are the adversarial ones), plus one
    other at random from the question's own paragraph."""
    out: list[Example] = []
    for e in examples:
        order = _overlap_order(e.question, e.passage, e.spans, idf)
        wanted = negatives + (1 if e.kind == "impossible" else 0) - (1 if e.kind == "hard" else 0)
        chosen = [i for i in order if e.labels[i]]
        negs = [i for i in order if not e.labels[i]]
        chosen += negs[:wanted]
        rest = negs[wanted:]
        if e.kind == "own" and rest:
            chosen.append(rng.choice(rest))
        for i in chosen:
            a, b = e.spans[i]
            answer = None
            if e.answer is not None and a <= e.answer[0] and e.answer[1] <= b:
                answer = (e.answer[0] - a, e.answer[1] - a)
            out.append(Example(qid=e.qid, question=e.question, heading=e.heading,
                               passage=e.passage[a:b], spans=[(0, b - a)], labels=[e.labels[i]],
                               answer=answer, kind=e.kind))  # fmt: skip
    return out
