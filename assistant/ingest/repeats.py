"""Repeated sentences: a paragraph pasted twice in a web article is kept once.

Only repeats within ``WINDOW`` characters are dropped: a document that restates a list in
another section keeps both. Used by ``clean``; pure functions over lines of text.
"""

from __future__ import annotations

import math
from collections import Counter

from ..text import fold, sentence_spans, tokenize

NEAR = 0.85  # Jaccard similarity of word sets above which a sentence is a repeat
WINDOW = 5_000  # characters: a repeat this close is a copy glitch; farther, a restatement


def drop_repeats(lines: list[str]) -> list[str]:
    """Drop sentences (10+ words) that repeat one of the previous ``WINDOW`` characters, word
    for word or nearly: a paragraph pasted twice. A list restated in another section stays.

    "Nearly" is a Jaccard similarity of the word sets >= 0.85. Only earlier sentences sharing a
    word of the new one's prefix (its rarest words) are compared: two sets with Jaccard >= t share
    a word among the first |x| - ceil(t|x|) + 1 of each, in any one global order (prefix
    filtering, Bayardo et al. 2007, "Scaling up all pairs similarity search"). Exact, and linear
    in practice instead of quadratic in the number of sentences (a 10 MB file took hours)."""
    spans = [[line[a:b] for a, b in sentence_spans(line)] for line in lines]
    words_of = {s: tokenize(s, keep_stopwords=True) for sents in spans for s in sents}
    df = Counter(w for words in words_of.values() if len(words) >= 10 for w in set(words))
    seen: list[set[str]] = []
    seen_at: list[int] = []  # where each kept sentence was, in characters
    by_word: dict[str, list[int]] = {}
    exact: dict[str, int] = {}
    out = []
    at = 0
    for line, sentences in zip(lines, spans, strict=True):
        kept: list[str] = []
        for sentence in sentences:
            words = words_of[sentence]
            at += len(sentence) + 1
            if len(words) >= 10:
                key, bag = fold(" ".join(words)), set(words)
                size = len(bag) - math.ceil(NEAR * len(bag) - 1e-9) + 1
                prefix = sorted(bag, key=lambda w: (df[w], w))[:size]
                near = {i for w in prefix for i in by_word.get(w, ()) if at - seen_at[i] <= WINDOW}
                if at - exact.get(key, -WINDOW - at) <= WINDOW or any(
                    NEAR * len(bag) - 1e-9 <= len(seen[i]) <= len(bag) / NEAR + 1e-9
                    and len(bag & seen[i]) / len(bag | seen[i]) >= NEAR
                    for i in near
                ):
                    continue
                exact[key] = at
                for w in prefix:
                    by_word.setdefault(w, []).append(len(seen))
                seen.append(bag)
                seen_at.append(at)
            kept.append(sentence)
        if kept or not line:
            out.append(" ".join(kept))
    return out
