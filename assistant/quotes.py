"""Candidate quotes: the spans of the retrieved chunks an extractive answer may quote, scored.

A sentence alone; a sentence ending in ":" with the list items after it; with ``extend`` (list
questions), a sentence with the ordinal sentences that enumerate after it; a sentence with the
next one when that one goes on about it; in a table, the whole table or windows of its lines.
Spans are character offsets into the chunk's text, so every quote is an exact substring. Pure
functions over text. ``candidates`` scores every span by the share of the question's weighted
key terms it covers (with its section and chunk as context), whether it holds what the question
asks for, and its chunk's rank. This module does not choose among them or compose answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .acronyms import expand
from .chunk import LIST_ITEM_CHARS
from .footnotes import URL
from .index import doc_context
from .question import Question
from .spans import (
    DATE_SPAN,
    HAS_DURATION,
    HAS_NUMBER,
    HAS_SHARE,
    counts_asked,
    names_something_new,
    strip_years,
)
from .text import sentence_spans, tokenize
from .types import Hit

# a web address, or the rest of one wrapped onto the next line ("ns/latin-america/euro-solar_en"):
# its letters are not words the passage says
_LINKS = re.compile(rf"{URL.pattern}|\S*/\S*/\S*", re.I)


def is_sentence(text: str) -> bool:
    """Five words or more ending in a full stop: a sentence, not a heading, a byline or a label."""
    return len(text.split()) >= 5 and text.rstrip(" \"'”’)").endswith((".", "!", "?"))


def is_fragment(text: str, tokens: set[str] | None = None) -> bool:
    """A heading, a byline or a label ("Selene Diez - CLUTIG President"): few words (``tokens``,
    when the caller has them), no sentence."""
    return len(set(tokenize(text)) if tokens is None else tokens) < 5 and not is_sentence(text)


# a byline ("By Jan Hogewoning | Journalist - Wed, 01/13/2021") answers who wrote or conducted
# an article or an interview, and when it was published, without saying so
BYLINE = re.compile(r"\bBy\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+\s*[|,-]")
BYLINE_SAYS = frozenset(
    tokenize("author writer wrote written journalist published publication interview conducted")
)

WHOLE_TABLE = 800  # a table up to this long is quoted whole: its extracted columns are mangled
TABLE_WINDOW = 8  # longer tables are quoted as windows of this many lines


LIST_ITEMS = 8  # a list introduction is quoted with up to this many items
_ANAPHOR = re.compile(
    r"(?:This|These|That|Those|It|Its|They|Their|Such|(?:The|Both|Each) (?:city|state|cluster|"
    r"council|event|company|companies|programme|program|organi[sz]ation|sector|region|country|"
    r"association|agency|plan|law|initiative|hub|centre|center|group|institute|chamber))\b"
)
# "Therefore, due to the closure ...": a consequence of what the sentence before says
_CONSEQUENCE = re.compile(
    r"(?:Therefore|Thus|Hence|Consequently|Accordingly|As a (?:result|consequence)|"
    r"For (?:this|that) reason)\b"
)
_DEFINITE = re.compile(r"(?:The|These|This|Those|Its|Their)\s+([\w-]+(?:\s+[\w-]+)?)")


def _continues(text: str, sentence: tuple[int, int], following: tuple[int, int]) -> bool:
    """Whether the following sentence goes on about what this one speaks of: it opens with a
    pronoun ("It", "This is") or takes up one of its nouns ("... five committees. The
    committees are ...")."""
    if _ANAPHOR.match(text, following[0]) or _CONSEQUENCE.match(text, following[0]):
        return True
    definite = _DEFINITE.match(text, following[0])
    return bool(
        definite
        and set(tokenize(definite.group(1))) & set(tokenize(text[sentence[0] : sentence[1]]))
    )


_ORDINAL = re.compile(
    r"(?:the )?(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|next|"
    r"another|finally|lastly|last|also|in addition|additionally)\b|\(?\d{1,2}[.)]\s",
    re.I,
)


def _list_end(text: str, following: list[tuple[int, int]], end: int) -> int:
    """Where the list introduced by a sentence ending at ``end`` ends: after the short items
    that follow it (one blank line may separate them, as in extracted PDFs, and an item that
    ends with ":" may open a sub-list), before a long sentence or a new paragraph."""
    previous = text[:end].rstrip()
    for n, (start, stop) in enumerate(following[:LIST_ITEMS]):
        item, blanks = text[start:stop].strip(), text[end:start].count("\n\n")
        if len(item) > LIST_ITEM_CHARS or blanks > 1:
            break
        if n and blanks and not previous.endswith((":", ";", ",")) and not item.endswith(":"):
            break  # a new paragraph after the items (not a second sub-list)
        end, previous = stop, item
    return end


def _join_wrapped(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans with a one- or two-word line joined to the line before it: a title wrapped in a
    header ("Selene Diez - CLUTIG\nPresident") is one line to a reader."""
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if out and text[out[-1][1] : start] == "\n" and len(text[start:end].split()) <= 2:
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def quotable_spans(hit: Hit, extend: bool = False) -> list[tuple[int, int]]:
    """Quotable spans: sentences, extended over the list they introduce; in a table, the table
    (or windows of lines, for long ones), because extracted table columns do not line up."""
    text = hit.chunk.text
    if hit.chunk.kind == "table":
        if len(text) <= WHOLE_TABLE:
            return [(0, len(text))]
        lines = [(m.start(), m.end()) for m in re.finditer(r"[^\n]+", text)]
        step = TABLE_WINDOW // 2
        return [
            (lines[i][0], lines[min(i + TABLE_WINDOW, len(lines)) - 1][1])
            for i in range(1, max(2, len(lines) - step), step)
        ]
    spans = _join_wrapped(text, sentence_spans(text))
    # a list introduction is quoted with the items that follow it
    ends = [
        _list_end(text, spans[i + 1 :], end) if text[start:end].rstrip().endswith(":") else end
        for i, (start, end) in enumerate(spans)
    ]
    run = list(ends)
    if extend:
        # a list question: a sentence also goes with the ones that enumerate after it ("based
        # on several pillars. The first is ... Second, ... Finally, ...")
        for i in reversed(range(len(spans) - 1)):
            if _ORDINAL.match(text, spans[i + 1][0]):
                run[i] = max(run[i], run[i + 1])
    out = []
    for i, (start, end) in enumerate(spans):
        out.append((start, ends[i]))
        if run[i] > ends[i]:
            out.append((start, run[i]))
        if i + 1 < len(spans) and _continues(text, (start, end), spans[i + 1]):
            # the next sentence goes on about the same thing ("Guadalajara is ... The city is
            # home to IBM, HP ..."): offer the pair, whose first half says what "it" is
            out.append((start, run[i + 1]))
    return out


@dataclass(frozen=True)
class Candidate:
    hit: int  # index into the hits
    start: int
    end: int
    text: str
    score: float
    coverage: float  # share of the question's weight found in the sentence and its context
    found: frozenset[str]
    # it, or the heading it sits under, says a name of the question ("Nuevo Leon Energy Cluster")
    titled: bool = False


def says_name(q: Question, words: list[str]) -> bool:
    """Whether ``words`` (tokens, in order) say one of the question's names of two words or more
    ("... the Nuevo León Energy Cluster ...")."""
    if not q.names:
        return False  # most questions name nothing in two words: no join per sentence
    text = f" {' '.join(words)} "
    return any(f" {' '.join(name)} " in text for name in q.names)


TITLED = 0.03  # the score a sentence gains under a heading that is a name the question uses


def candidates(q: Question, hits: list[Hit]) -> list[Candidate]:
    out = []
    # what a number question's answer looks like: "what share": a percentage; "how long": a span
    # of time; otherwise any number
    figure = HAS_SHARE if q.share else HAS_DURATION if q.duration else HAS_NUMBER
    for h, hit in enumerate(hits):
        # the innermost heading only: "3.2 Clusters in automotive, aerospace, ... and ICT" would
        # lend every chunk below it words it does not speak about
        leaf = hit.chunk.section.rsplit(" > ", 1)[-1]
        context = expand(set(tokenize(f"{doc_context(hit.doc)} {leaf}")), q.aliases)
        chunk_tokens = expand(set(tokenize(_LINKS.sub(" ", hit.chunk.text))), q.aliases) | context
        chunk_cov = q.weight_of(chunk_tokens)
        # a section headed with a name the question uses is about what the question asks
        titled = says_name(q, tokenize(leaf))
        previous: set[str] = set()
        for start, end in quotable_spans(hit, extend=q.kind == "list"):
            text = hit.chunk.text[start:end]
            if text.rstrip().endswith("?"):
                continue  # a question (an interviewer's "Q: ...?") is never an answer
            words = tokenize(_LINKS.sub(" ", text))
            said = set(words)
            if BYLINE.search(text):
                said |= BYLINE_SAYS  # "By Jan Hogewoning | ... 01/13/2021": who wrote it, when
            tokens = expand(said, q.aliases)
            # the sentence before often names what this one calls "it" or "the city"
            around, previous = context | previous, tokens
            if len(tokens) < 2:
                continue
            # an acronym's long form counts at half weight in the sentence's own words
            own = (q.weight_of(tokens) + q.weight_of(said)) / 2
            ctx = q.weight_of(tokens | around)
            score = 0.55 * own + 0.25 * ctx + 0.2 * chunk_cov + 0.06 / (1 + h)
            if titled:
                score += TITLED
            if q.kind == "name" and names_something_new(text, q):
                score += 0.1  # "Which city ...?": a sentence naming something new
            elif q.kind == "list" and text.count(",") >= 2:
                score += 0.08  # a list question: a sentence that lists
            if q.kind == "number":
                score += 0.2 if figure.search(strip_years(text)) else -0.25
                if q.counted and counts_asked(text, q):
                    score += 0.15  # a number followed by what the question counts
            elif q.kind == "date":
                score += 0.2 if DATE_SPAN.search(text) else -0.25
            if hit.chunk.kind != "table" and is_fragment(text, tokens):
                score -= 0.1  # a heading, a byline or a label, not a sentence
            found = frozenset(tokens | context) & frozenset(q.terms)
            out.append(Candidate(h, start, end, text, score, max(ctx, 0.8 * chunk_cov), found,
                                 titled or says_name(q, words)))  # fmt: skip
    # on a tie, an open question takes the quote that goes on (it may say "yearly" for "how
    # often"); a figure or a date, the sentence that holds it, without the one after
    longer = -1 if q.kind not in ("number", "date") else 1
    return sorted(out, key=lambda c: (-c.score, c.hit, c.start, longer * c.end))
