"""Core data types shared by every stage: frozen dataclasses with provenance.

Each stage passes these between modules; no stage passes LangChain objects or raw dicts across a
module boundary. This module holds data only: no I/O, no logic beyond (de)serialisation helpers.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

NOT_SAID = "The documents don't say"  # how every statement of absence begins (any backend)
# ... and in the other languages an extractive answer frames itself in (read/phrases.py)
NOT_SAID_PHRASES = (NOT_SAID, "Los documentos no lo dicen", "Die Dokumente sagen das nicht")

Role = Literal["user", "assistant"]


def content_id(*parts: str, length: int = 16) -> str:
    """A stable id derived from content: the same text always gets the same id."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:length]


@dataclass(frozen=True)
class DocInfo:
    """Catalog metadata of one corpus document (what citations show)."""

    doc_id: str  # file name relative to corpus/, e.g. "eccp-preparatory-briefing-mexico.txt"
    title: str
    publisher: str = ""
    author: str = ""
    date: str = ""  # ISO date, year, or "" when the document gives none
    kind: str = "document"  # report | interview | article | document
    original_name: str = ""
    date_note: str = ""  # how the date was established, when not printed in the text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Document:
    """The text of one loaded file, or of one PDF page."""

    doc_id: str
    text: str
    page: int | None = None  # 1-based page number for PDFs, None otherwise
    source_path: str = ""


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: an exact slice ``[start, end)`` of its cleaned page/document text."""

    id: str
    doc_id: str
    text: str
    section: str
    page: int | None
    start: int
    end: int
    kind: Literal["text", "table"] = "text"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chunk:
        return cls(**data)


@dataclass(frozen=True)
class Hit:
    """A chunk returned by retrieval, with its document metadata and each ranker's view of it."""

    chunk: Chunk
    doc: DocInfo
    score: float  # fused reciprocal-rank score
    rank: int  # 1-based rank after fusion
    dense_rank: int | None = None
    dense_score: float | None = None
    bm25_rank: int | None = None
    bm25_score: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "dense_rank": self.dense_rank,
            "dense_score": None if self.dense_score is None else round(self.dense_score, 4),
            "bm25_rank": self.bm25_rank,
            "bm25_score": None if self.bm25_score is None else round(self.bm25_score, 4),
            "chunk_id": self.chunk.id,
            "doc": self.doc.doc_id,
            "title": self.doc.title,
            "publisher": self.doc.publisher,
            "date": self.doc.date,
            "section": self.chunk.section,
            "page": self.chunk.page,
            "text": self.chunk.text,
        }


@dataclass(frozen=True)
class Turn:
    """One message of a conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Citation:
    """Source [n] of an answer: an exact quote from a retrieved chunk and where it comes from."""

    n: int
    doc: str
    title: str
    publisher: str
    date: str
    section: str
    page: int | None
    quote: str
    verified: bool
    chunk_id: str = ""
    passage: str = ""  # the whole chunk text, so a reader sees the quote in context

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("passage")
        return data


@dataclass(frozen=True)
class Sentence:
    """One sentence of an answer with the sources it cites and the outcome of verification."""

    text: str
    cites: tuple[int, ...] = ()
    verified: bool = True
    issues: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "cites": list(self.cites),
            "verified": self.verified,
            "issues": list(self.issues),
        }


@dataclass(frozen=True)
class Answer:
    """What ``Assistant.ask`` returns; ``to_dict`` is the ``assistant ask --json`` contract."""

    question: str
    query: str
    answer: str
    abstained: bool
    mode: str
    citations: tuple[Citation, ...] = ()
    warnings: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)
    sentences: tuple[Sentence, ...] = ()
    hits: tuple[Hit, ...] = ()  # everything retrieved, for debugging views; not in to_dict

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "query": self.query,
            "answer": self.answer,
            "abstained": self.abstained,
            "mode": self.mode,
            "citations": [c.to_dict() for c in self.citations],
            "warnings": list(self.warnings),
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "sentences": [s.to_dict() for s in self.sentences],
        }

    @property
    def verified(self) -> bool:
        """True when every sentence of the answer passed verification."""
        return all(s.verified for s in self.sentences)
