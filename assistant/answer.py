"""The extractive answerer: picks the sentences of the retrieved chunks that answer the question.

Offline and deterministic. Each sentence of a chunk (each window of lines, in a table) is scored by
the share of the question's weighted key terms it covers (with its section and chunk as context),
whether it holds what the question asks for (a number, a date), and its chunk's rank. The answer
opens with a direct answer taken verbatim from the best sentence when the question asks for a
number, a date or a name; shows every figure with its source and date when sources disagree;
covers multi-part questions with more than one sentence; and abstains, naming what is missing,
when the evidence is weak. It returns a ``Draft``; verification is a separate stage.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .chunk import LIST_ITEM_CHARS
from .index import doc_context
from .question import Question, named_unknowns
from .spans import (
    DATE_SPAN,
    HAS_NUMBER,
    NUM_SPAN,
    counts_asked,
    direct_answer,
    head_words,
    is_year,
    names_something_new,
    number_end,
    strip_years,
    trim_span,
)
from .text import sentence_spans, tokenize
from .types import Citation, Hit
from .verify import NOT_SAID


@dataclass(frozen=True)
class Candidate:
    hit: int  # index into the hits
    start: int
    end: int
    text: str
    score: float
    coverage: float  # share of the question's weight found in the sentence and its context
    found: frozenset[str]


@dataclass
class Draft:
    """An answer before verification: sentences with the source numbers they cite."""

    sentences: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    citations: list[Citation] = field(default_factory=list)
    abstained: bool = False
    confidence: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(self.pieces())

    def pieces(self) -> list[str]:
        """Each sentence with its markers; a short direct answer gets its full stop after them."""
        parts = []
        for sentence, cites in self.sentences:
            marks = "".join(f"[{n}]" for n in cites)
            stop = "" if sentence.rstrip().endswith((".", "!", "?", ":", ";", "\n")) else "."
            parts.append(f"{sentence} {marks}{stop}".strip() if marks else sentence + stop)
        return parts


WHOLE_TABLE = 800  # a table up to this long is quoted whole: its extracted columns are mangled
TABLE_WINDOW = 8  # longer tables are quoted as windows of this many lines


LIST_ITEMS = 8  # a list introduction is quoted with up to this many items
_ANAPHOR = re.compile(
    r"(?:This|These|That|Those|It|Its|They|Their|Such|(?:The|Both|Each) (?:city|state|cluster|"
    r"council|event|company|companies|programme|program|organi[sz]ation|sector|region|country|"
    r"association|agency|plan|law|initiative|hub|centre|center|group|institute|chamber))\b"
)
_DEFINITE = re.compile(r"(?:The|These|This|Those|Its|Their)\s+([\w-]+)")


def _continues(text: str, sentence: tuple[int, int], following: tuple[int, int]) -> bool:
    """Whether the following sentence goes on about what this one speaks of: it opens with a
    pronoun ("It", "This is") or takes up one of its nouns ("... five committees. The
    committees are ...")."""
    if _ANAPHOR.match(text, following[0]):
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


def _windows(hit: Hit, extend: bool = False) -> list[tuple[int, int]]:
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


def candidates(q: Question, hits: list[Hit]) -> list[Candidate]:
    out = []
    for h, hit in enumerate(hits):
        # the innermost heading only: "3.2 Clusters in automotive, aerospace, ... and ICT" would
        # lend every chunk below it words it does not speak about
        leaf = hit.chunk.section.rsplit(" > ", 1)[-1]
        context = set(tokenize(f"{doc_context(hit.doc)} {leaf}"))
        chunk_tokens = set(tokenize(hit.chunk.text)) | context
        chunk_cov = q.weight_of(chunk_tokens)
        previous: set[str] = set()
        for start, end in _windows(hit, extend=q.kind == "list"):
            text = hit.chunk.text[start:end]
            if text.rstrip().endswith("?"):
                continue  # a question (an interviewer's "Q: ...?") is never an answer
            tokens = set(tokenize(text))
            # the sentence before often names what this one calls "it" or "the city"
            around, previous = context | previous, tokens
            if len(tokens) < 2:
                continue
            own, ctx = q.weight_of(tokens), q.weight_of(tokens | around)
            score = 0.55 * own + 0.25 * ctx + 0.2 * chunk_cov + 0.06 / (1 + h)
            if q.kind == "name" and names_something_new(text, q):
                score += 0.1  # "Which city ...?": a sentence naming something new
            elif q.kind == "list" and text.count(",") >= 2:
                score += 0.08  # a list question: a sentence that lists
            if q.kind == "number":
                score += 0.2 if HAS_NUMBER.search(strip_years(text)) else -0.25
                if q.counted and counts_asked(text, q):
                    score += 0.15  # a number followed by what the question counts
            elif q.kind == "date":
                score += 0.2 if DATE_SPAN.search(text) else -0.25
            if len(tokens) < 5 and hit.chunk.kind != "table":
                score -= 0.1
            found = frozenset(tokens | context) & frozenset(q.terms)
            out.append(Candidate(h, start, end, text, score, max(ctx, 0.8 * chunk_cov), found))
    return sorted(out, key=lambda c: (-c.score, c.hit, c.start))


CONFLICT_SCORE = 0.75  # another figure must score this share of the best sentence's score


def conflicting(
    q: Question, best: Candidate, pool: list[Candidate], hits: list[Hit]
) -> list[tuple[Candidate, str]]:
    """Figures for the same thing from other documents, or other sections of the same one (a
    report may give one goal in its summary and another in its policy chapter): one figure per
    document section, when they differ.

    Conservative on purpose: the other sentence must match every question term the best one
    matches, score nearly as well, and its number must count one of the asked-about things."""
    first = direct_answer(q, best.text)
    if q.kind != "number" or not first:
        return []
    asked = set(q.counted) or set(q.terms)
    figures = [(best, first)]
    seen_values = {re.sub(r"\D", "", first.split()[0])}
    seen = {(hits[best.hit].doc.doc_id, hits[best.hit].chunk.section)}
    for c in pool:
        where = (hits[c.hit].doc.doc_id, hits[c.hit].chunk.section)
        if where in seen or c.score < CONFLICT_SCORE * best.score:
            continue  # one figure per document, or per section of a long one
        if not c.found >= best.found:
            continue
        if hits[c.hit].chunk.kind == "table":
            continue  # numbers in an extracted table are not reliably tied to their labels
        if not set(q.counted) <= set(tokenize(c.text)):
            continue  # must count the very thing asked about ("IT clusters", not "clusters")
        spans = [m for m in NUM_SPAN.finditer(c.text) if not is_year(m)]
        spans = [m for m in spans if head_words(c.text, number_end(m)) & asked]
        if not spans:
            continue
        span = trim_span(spans[0].group(0))
        value = re.sub(r"\D", "", span.split()[0])
        if value and value not in seen_values:
            seen_values.add(value)
            seen.add(where)
            figures.append((c, span))
    return figures if len(figures) > 1 else []


def _citation(n: int, hit: Hit, quote: str, verified: bool = True) -> Citation:
    return Citation(
        n=n,
        doc=hit.doc.doc_id,
        title=hit.doc.title,
        publisher=hit.doc.publisher,
        date=hit.doc.date,
        section=hit.chunk.section,
        page=hit.chunk.page,
        quote=quote,
        verified=verified,
        chunk_id=hit.chunk.id,
        passage=hit.chunk.text,
    )


class _Citations:
    """Numbers citations in order of first use; the same quote gets the same number."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.items: list[Citation] = []

    def cite(self, c: Candidate) -> int:
        for item in self.items:
            if item.chunk_id == self.hits[c.hit].chunk.id and item.quote == c.text:
                return item.n
        self.items.append(_citation(len(self.items) + 1, self.hits[c.hit], c.text))
        return len(self.items)


def _readable(c: Candidate, hits: list[Hit]) -> str:
    """A quote as a sentence of the answer: a table's lines without its blank lines (the
    citation keeps the exact quote)."""
    if hits[c.hit].chunk.kind != "table":
        return c.text
    return "\n".join(line.strip() for line in c.text.splitlines() if line.strip())


def _source_label(hit: Hit) -> str:
    parts = [p for p in (hit.doc.publisher.split(" (")[0], hit.doc.date) if p]
    return ", ".join(parts) or hit.doc.title


def _select(
    q: Question, ranked: list[Candidate], limit: int, tables: frozenset[int] = frozenset()
) -> list[Candidate]:
    """The best sentence, then others that add question terms it lacks (multi-part questions)."""
    best = ranked[0]
    chosen, covered, second = [best], set(best.found), False
    weight = dict(zip(q.terms, q.weights, strict=True))
    # the most specific name of the question the best sentence matches ("CLAUGTO"): what the
    # question is about, which a sentence added to the answer must be about too
    names = set(tokenize(" ".join(re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w@&-]*", q.text))))
    anchor = max(best.found & names, key=lambda t: (weight.get(t, 0.0), t), default=None)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if any(c.hit == o.hit and (c.start < o.end and o.start < c.end) for o in chosen):
            continue  # overlapping table windows or the same sentence
        if any(c.text == o.text for o in chosen):
            continue  # the same sentence in two overlapping chunks
        if q.kind in ("number", "date", "name") and not direct_answer(q, c.text):
            continue  # for a figure, a date or a name, a sentence without one adds no evidence
        # only a sentence that brings in a part of the question the others lack is worth citing:
        # every extra citation must carry evidence, not repeat it
        new = c.found - covered
        new_weight = sum(w for t, w in zip(q.terms, q.weights, strict=True) if t in new)
        # not another cluster's "total"; a table window may name its row's subject elsewhere
        about = anchor is None or anchor in c.found or c.hit in tables
        if about and new_weight > 0.15 * sum(q.weights) and c.score >= 0.6 * best.score:
            chosen.append(c)
            covered |= c.found
        elif (
            not second
            and about
            and c.hit != best.hit
            and c.score >= 0.85 * best.score
            and (q.kind not in ("number", "date") or c.found >= best.found)  # the same thing
        ):
            # one more source that answers nearly as well: where documents disagree, the reader
            # sees both ("twice a year" here, "yearly" there)
            second = True
            chosen.append(c)
    return chosen


def _echo(question: str) -> str:
    """The question as quoted back in an answer, without anything that reads as a citation
    marker ("[10]"): the answer's markers must all be the answer's own."""
    return re.sub(r"\s*\[[\d,\s]*\]", "", question).strip()


def abstain(q: Question, hits: list[Hit], ranked: list[Candidate]) -> Draft:
    """'The documents don't say ...' naming what is missing, with the closest passages."""
    seen: set[str] = set()
    for hit in hits:
        seen |= set(tokenize(f"{doc_context(hit.doc)} {hit.chunk.section} {hit.chunk.text}"))
    by_weight = sorted(zip(q.terms, q.weights, strict=True), key=lambda p: -p[1])
    missing = list(q.unknown) or [t for t, _ in by_weight if t not in seen]
    question = _echo(q.text).rstrip("?.! ")
    if missing:
        names = ", ".join(missing[:3])
        lead = f"{NOT_SAID}: none of the passages found mentions {names}."
    else:
        lead = f"{NOT_SAID} this (“{question[:200]}”): no passage answers it directly."
    draft = Draft(abstained=True, confidence=ranked[0].coverage if ranked else 0.0)
    draft.sentences.append((lead, ()))
    book = _Citations(hits)
    pointers: list[Candidate] = []
    for c in ranked:
        if len(pointers) == 2:
            break
        if all(hits[c.hit].chunk.id != hits[p.hit].chunk.id for p in pointers):
            pointers.append(c)
    if pointers:
        numbers = tuple(book.cite(c) for c in pointers)
        draft.sentences.append(("The closest passages are shown as pointers.", numbers))
    draft.citations = book.items
    return draft


def _unsupported(q: Question, hits: list[Hit], best: Candidate, threshold: float) -> bool:
    """Abstain when the question names something the corpus never mentions (a year, a company),
    when a content word the corpus never uses carries a real share of the question ("a lithium
    cluster": the rest may match well, but not the thing asked about), when the other words are
    poorly covered, or when the best sentence covers too little of the question (``threshold``,
    the setting). Everyday words, synonyms, inflections and acronyms are not unknown words (see
    ``question._unknown``). The operating point was set by measurement: see README."""
    if best.coverage < threshold or named_unknowns(q):
        return True
    if q.kind == "number" and not direct_answer(q, best.text):
        return True  # "how many ...?" and the best passage gives no figure at all
    if not q.unknown:
        return False
    total = sum(q.weights) or 1.0
    share = sum(w for t, w in zip(q.terms, q.weights, strict=True) if t in q.unknown) / total
    if share >= UNKNOWN_SHARE:
        return True
    kept = [(t, w) for t, w in zip(q.terms, q.weights, strict=True) if t not in q.unknown]
    known = Question(q.text, q.kind, tuple(t for t, _ in kept), tuple(w for _, w in kept))
    rescored = candidates(known, hits) if known.terms else []
    return not rescored or rescored[0].coverage < KNOWN_COVERAGE


KNOWN_COVERAGE = 0.5  # with an unknown word present, the rest must be this well covered
UNKNOWN_SHARE = 0.15  # an unknown word carrying this share of the question's weight: abstain


def extractive_parts(parts: list[Question], hits: list[Hit], threshold: float) -> Draft:
    """Answer each part of a multi-part question from the same hits, with one citation list;
    abstain only when every part must; a part without evidence says so."""
    book = _Citations(hits)
    drafts = [extractive(q, hits, threshold, limit=2, book=book) for q in parts]
    # a part about something the corpus never mentions makes the parts that follow it moot
    if all(d.abstained for d in drafts) or any(
        d.abstained and q.unknown for q, d in zip(parts, drafts, strict=True)
    ):
        return abstain(parts[0], hits, candidates(parts[0], hits))
    merged = Draft(confidence=min(d.confidence for d in drafts))
    for q, d in zip(parts, drafts, strict=True):
        if d.abstained:
            merged.sentences.append((f"{NOT_SAID}: {_echo(q.text)}", ()))
        else:
            merged.sentences.extend(d.sentences)
    merged.citations = book.items
    return merged


def extractive(
    q: Question,
    hits: list[Hit],
    threshold: float,
    limit: int = 3,
    book: _Citations | None = None,
) -> Draft:
    """Compose an extractive answer to ``q`` from ``hits``, or abstain below ``threshold``."""
    ranked = candidates(q, hits)
    if not ranked or _unsupported(q, hits, ranked[0], threshold):
        return abstain(q, hits, ranked)
    book = book or _Citations(hits)
    draft = Draft(confidence=ranked[0].coverage)
    best = ranked[0]
    figures = conflicting(q, best, ranked, hits)
    if figures:
        parts = [f"{span} ({_source_label(hits[c.hit])}) [{book.cite(c)}]" for c, span in figures]
        draft.sentences.append((f"The sources give different figures: {'; '.join(parts)}.", ()))
        for c, _ in figures:
            draft.sentences.append((_readable(c, hits), (book.cite(c),)))
    else:
        tables = frozenset(i for i, h in enumerate(hits) if h.chunk.kind == "table")
        chosen = _select(q, ranked, limit + (1 if q.kind == "list" else 0), tables)
        short = direct_answer(q, best.text)
        if short:
            draft.sentences.append((short, (book.cite(best),)))
        for c in chosen:
            draft.sentences.append((_readable(c, hits), (book.cite(c),)))
    draft.citations = book.items
    return draft
