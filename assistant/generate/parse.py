"""Turn a generative backend's text (with [n] markers) into sentences and citations.

Sources are numbered as they were given to the model (hit 1 is [1]). Each citation's quote is the
sentence of the cited chunk that shares the most words with the answer sentences citing it, so it
is always an exact substring of the chunk. Markers pointing outside the given sources are kept
in the sentence, for verification to flag. This module does not call any model.
"""

from __future__ import annotations

import re

from ..read.draft import Draft, citation
from ..read.verify import markers, strip_markers
from ..text import sentence_spans, tokenize
from ..types import Hit

_LEADING_MARKERS = re.compile(r"(?:\s*\[\d{1,3}\])+")
ABSTAIN_PREFIXES = (
    "the documents don't say",
    "the documents do not say",
    "the documents don’t say",
)


def _best_quote(hit: Hit, claims: list[str]) -> str:
    words = set(tokenize(" ".join(claims)))
    text = hit.chunk.text
    spans = sentence_spans(text) or [(0, len(text))]
    a, b = max(spans, key=lambda s: (len(words & set(tokenize(text[s[0] : s[1]]))), -s[0]))
    return text[a:b]


def parse_generated(text: str, hits: list[Hit]) -> Draft:
    """A Draft from model output: sentences keep their markers; citations for valid markers."""
    draft = Draft()
    claims_by_source: dict[int, list[str]] = {}
    body = text.strip()
    for a, b in sentence_spans(body):
        sentence = body[a:b].strip()
        leading = _LEADING_MARKERS.match(sentence)
        if leading and draft.sentences:  # "members. [1] Beta ...": [1] ends the previous sentence
            prev, cites = draft.sentences[-1]
            draft.sentences[-1] = (prev, cites + markers(leading.group(0)))
            sentence = sentence[leading.end() :].strip()
        if not strip_markers(sentence):
            if draft.sentences and markers(sentence):  # a marker split off its sentence: "[1]."
                prev, cites = draft.sentences[-1]
                draft.sentences[-1] = (prev, cites + markers(sentence))
            continue
        cites = markers(sentence)
        draft.sentences.append((strip_markers(sentence), cites))
    for sentence, cites in draft.sentences:
        for n in cites:
            if 1 <= n <= len(hits):
                claims_by_source.setdefault(n, []).append(sentence)
    draft.citations = [
        citation(n, hits[n - 1], _best_quote(hits[n - 1], claims))
        for n, claims in sorted(claims_by_source.items())
    ]
    draft.abstained = body.lower().startswith(ABSTAIN_PREFIXES)
    return draft
