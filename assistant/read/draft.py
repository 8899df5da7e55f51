"""A ``Draft``: an answer before verification, and the numbering of the citations it uses.

Job: the sentences of an answer with the source numbers each cites, the ``Citation`` objects
numbered in order of first use (the same quote keeps the same number), and whether the answer
abstains. Shared by the extractive composer and the parser of generated answers.

Non-job: choosing what to say (``compose.py``), verification (``verify.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..types import Citation, Hit


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
            stop = "" if sentence.rstrip().endswith((".", "!", "?", ":", ";", ")", "\n")) else "."
            parts.append(f"{sentence} {marks}{stop}".strip() if marks else sentence + stop)
        return parts


def citation(n: int, hit: Hit, quote: str, verified: bool = True) -> Citation:
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


class Citations:
    """Numbers citations in order of first use; the same quote gets the same number."""

    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits
        self.items: list[Citation] = []

    def cite(self, hit: int, start: int, end: int) -> int:
        """The number of the quote ``[start, end)`` of hit ``hit``'s chunk (exact text)."""
        quote = self.hits[hit].chunk.text[start:end]
        for item in self.items:
            if item.chunk_id == self.hits[hit].chunk.id and item.quote == quote:
                return item.n
        self.items.append(citation(len(self.items) + 1, self.hits[hit], quote))
        return len(self.items)
