"""Which candidate quotes an extractive answer cites, and how they join into citations.

``choose`` takes the best sentence, then only sentences that carry evidence it lacks: another
part of a multi-part question, or one more source that answers nearly as well (where documents
disagree, the reader sees both). ``list_run`` adds, for a list question, the sentences right
next to the best one that go on listing. ``adjoined`` joins chosen quotes that follow each other
in a chunk into one citation. Pure functions over ``quotes.Candidate``; composing the answer is
``answer.py``'s job.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .question import Question
from .quotes import Candidate, is_fragment
from .spans import counts_asked, direct_answer
from .text import tokenize
from .types import Hit


def _lists(text: str) -> bool:
    """Whether a quote enumerates: three items or more, in a sentence or on lines."""
    return text.count(",") >= 2 or len(text.strip().splitlines()) >= 3


TABULAR = frozenset(tokenize("table tables annex annexes appendix appendices"))
TABLE_OVER_PROSE = 0.8  # a table scoring this share of the best prose answers a table question


def tables_first(
    q: Question, ranked: list[Candidate], tables: Mapping[int, str]
) -> list[Candidate]:
    """``ranked``, with the best table first when the question asks about a table and a table
    scores nearly as well as the best prose: the table is the evidence; a sentence about it
    ("Table 4 presents the top locations ...") only points to it."""
    if not TABULAR & set(q.terms) or not ranked or ranked[0].hit in tables:
        return ranked
    table = next((c for c in ranked if c.hit in tables), None)
    if table is None or table.score < TABLE_OVER_PROSE * ranked[0].score:
        return ranked
    return [table, *(c for c in ranked if c is not table)]


NEW_NAME, NEW_WORDS = 0.15, 0.2  # the share of the question's weight an extra part must add
PART = 0.7  # ... and the share of the best sentence's score it must reach
SHARED = 0.5  # ... and, when the question names nothing, the share of the best's terms it has
# one more source scoring this share of the best is cited beside it; from the same document, a
# passage must score higher: it is more often the same point said again than another figure
SECOND_SOURCE, SAME_DOCUMENT = 0.9, 0.95


def choose(
    q: Question,
    ranked: list[Candidate],
    limit: int,
    tables: Mapping[int, str] | None = None,
    docs: Sequence[str] = (),
) -> list[Candidate]:
    """The best sentence, then others that add question terms it lacks (multi-part questions).
    ``tables`` maps the hits that are tables to their sections; ``docs`` names each hit's
    document."""
    tables = tables or {}
    best = ranked[0]
    chosen, covered, second = [best], q.group_of(best.found), False
    weight = dict(zip(q.terms, q.weights, strict=True))
    # the most specific name of the question the best sentence matches ("CLAUGTO"): what the
    # question is about, which a sentence added to the answer must be about too
    names = q.capitalised
    anchor = max(best.found & names, key=lambda t: (weight.get(t, 0.0), t), default=None)
    tabular = best.hit in tables and bool(TABULAR & set(q.terms))
    figure, total = q.kind in ("number", "date"), sum(q.weights)
    covered_by_best = q.group_of(best.found)
    for c in ranked[1:]:
        if len(chosen) >= limit:
            break
        if any(c.hit == o.hit and (c.start < o.end and o.start < c.end) for o in chosen):
            continue  # overlapping table windows or the same sentence
        if any(c.text == o.text for o in chosen):
            continue  # the same sentence in two overlapping chunks
        if tabular and tables.get(c.hit) != tables[best.hit]:
            continue  # asked about a table and answered from one: prose or another table adds
            # no evidence (a table is known by its section)
        if c.hit not in tables and is_fragment(c.text):
            continue  # a heading or a byline carries no evidence of its own
        if q.kind in ("number", "date", "name") and not direct_answer(q, c.text):
            continue  # for a figure, a date or a name, a sentence without one adds no evidence
        # only a sentence that brings in a part of the question the others lack is worth citing:
        # every extra citation must carry evidence, not repeat it
        # counted by group: "Tijuana" for a question about Baja California is no new part
        new_weight = q.weight_beyond(c.found, covered)
        # not another cluster's "total"; a table window may name its row's subject elsewhere
        about = anchor is None or anchor in c.found or c.hit in tables
        # a figure for a "how many" question must count the thing asked about
        counts = not q.counted or counts_asked(c.text, q)
        # a name the others lack is a part of its own ("X's aerospace cluster and its IT cluster
        # IT@BAJA"); a common word must weigh more to be one
        named = bool(q.group_of(c.found & names) - covered)
        part = (NEW_NAME if named else NEW_WORDS) * total
        # a question naming nothing: a part of it is still about what the best sentence says
        # ("Well-known companies such as GM ..." is no part of "a well-known company developing
        # renewable energy projects", answered by "companies ... developing projects in the
        # renewable energy field")
        on_topic = anchor is not None or (
            q.weight_of(c.found & best.found) >= SHARED * q.weight_of(best.found)
        )
        if (about and on_topic and counts and new_weight > part
                and c.score >= PART * best.score):  # fmt: skip
            chosen.append(c)
            covered |= q.group_of(c.found)
        elif (
            not second
            and about
            and c.hit != best.hit
            and c.score >= SECOND_SOURCE * best.score
            and (not docs or docs[c.hit] != docs[best.hit] or c.score >= SAME_DOCUMENT * best.score)
            # the best is headed with the name asked about: another source must say it too
            and (c.titled or not best.titled)
            # a figure or date: about the same thing, and not from a table unless the best is
            # one (an extracted table's numbers are not reliably tied to their labels)
            and (q.kind not in ("number", "date", "name") or q.group_of(c.found) >= covered_by_best)
            and (not figure or c.hit not in tables or best.hit in tables)
            # for a list, a second source must list too
            and (q.kind != "list" or c.hit in tables or _lists(c.text))
        ):
            # one more source that answers nearly as well: where documents disagree, the reader
            # sees both ("twice a year" here, "yearly" there)
            second = True
            chosen.append(c)
    return chosen


LIST_RUN = 0.7  # a sentence next to a list answer, scoring this share of the best, goes on listing


def list_run(q: Question, chosen: list[Candidate], ranked: list[Candidate],
             hits: list[Hit]) -> list[Candidate]:  # fmt: skip
    """For a list question, ``chosen`` with the sentences right before or after the best one
    that answer nearly as well: prose often lists one item a sentence ("We have an alliance in
    Peru. In Colombia, we have ... We have a relationship in Costa Rica ...")."""
    if q.kind != "list" or hits[chosen[0].hit].chunk.kind == "table":
        return chosen
    best, text = chosen[0], hits[chosen[0].hit].chunk.text
    start, end, run = best.start, best.end, [best]
    grown = True
    while grown:
        grown = False
        for c in ranked:
            if c.hit != best.hit or c.score < LIST_RUN * best.score or c in run:
                continue
            if (c.end <= start and not text[c.end : start].strip()) or (
                c.start >= end and not text[end : c.start].strip()
            ):
                run.append(c)
                start, end, grown = min(start, c.start), max(end, c.end), True
    return [*run, *(c for c in chosen[1:] if c not in run)]


TABLE_GAP = 8  # table windows at most this many lines apart are quoted as one passage


def adjoined(chosen: list[Candidate], hits: list[Hit]) -> list[Candidate]:
    """Chosen quotes with two that follow each other in one chunk joined into one: an
    introduction and the list after it are one passage to read and one citation to check."""
    out: list[Candidate] = []
    for c in chosen:
        for i, o in enumerate(out):
            if o.hit != c.hit:
                continue
            first, then = (o, c) if o.start <= c.start else (c, o)
            text, table = hits[c.hit].chunk.text, hits[c.hit].chunk.kind == "table"
            gap = text[first.end : then.start].strip()
            # two windows of one extracted table a few lines apart: a row's label and its value
            # often land apart, and only the passage holding both can be checked
            if not gap or (table and len(gap.splitlines()) <= TABLE_GAP):
                end = max(first.end, then.end)
                out[i] = Candidate(c.hit, first.start, end, text[first.start : end],
                                   max(o.score, c.score), max(o.coverage, c.coverage),
                                   o.found | c.found)  # fmt: skip
                break
        else:
            out.append(c)
    return out
