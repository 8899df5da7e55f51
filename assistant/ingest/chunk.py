"""Split cleaned text into structure-aware chunks.

Every chunk is an exact slice of its document's cleaned text (``text[start:end]``), carries the
section path it sits under ("3.2 Clusters in ... > Aerospace clusters > Monterrey Aerocluster"),
ends on a sentence boundary and never crosses a heading. Each table (caption "TABLE n – ..." and
body) is one chunk, however long, so a question about a table retrieves the whole table.
This module does not embed or index anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text import sentence_spans
from ..types import Chunk, Document, content_id
from .clean import TABLE_CAPTION, is_heading, next_nonblank, table_end

_SECTION_NUMBER = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?$")
_SECTION_INLINE = re.compile(r"^(\d{1,2}\.\d{1,2}(?:\.\d{1,2})*)\s+(\S.{2,120})$")
_LIST_HEADING = re.compile(r"^(\d{1,2})\.\s+([A-Z].{2,110})$")
_GROUP_WORDS = frozenset(
    {"clusters", "sector", "sectors", "programmes", "programs", "policies", "industries"}
)


LIST_ITEM_CHARS = 220  # a sentence this short after a list introduction is one of its items
TINY_CHUNK = 150  # characters: a shorter text chunk (and under a quarter of the size) is joined
# to the next one, which may thus exceed the size by as much
LIST_STRETCH = 1.5  # a chunk may grow to this many times its size to keep a list whole


@dataclass(frozen=True)
class ChunkSettings:
    size: int = 900  # target characters per chunk
    overlap: int = 1  # sentences repeated from the previous chunk of the same section


class _Sections:
    """The current section path: numbered levels, then up to two unnumbered heading levels."""

    def __init__(self) -> None:
        self.numbered: list[tuple[int, str]] = []  # (depth, "3.2 Title")
        self.item = ""  # list-item heading under a numbered section ("1. PROSEC Automotive")
        self.group = ""  # unnumbered group heading ("Aerospace clusters")
        self.leaf = ""  # unnumbered heading under the group ("Monterrey Aerocluster")

    def number(self, number: str, title: str) -> None:
        depth = number.count(".") + 1
        self.numbered = [(d, t) for d, t in self.numbered if d < depth]
        self.numbered.append((depth, f"{number} {title}".strip()))
        self.item = self.group = self.leaf = ""

    def heading(self, title: str) -> None:
        words = title.lower().split()
        if title.startswith("Q:") or (words and words[-1] in _GROUP_WORDS):
            self.group, self.leaf = title, ""
        else:
            self.leaf = title

    def path(self) -> str:
        parts = [t for _, t in self.numbered] + [p for p in (self.item, self.group, self.leaf) if p]
        return " > ".join(parts)


def _blocks(text: str) -> list[tuple[str, int, int, str]]:
    """(kind, start, end, section) runs of the text: 'text' paragraphs and whole 'table's."""
    lines = text.split("\n")
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1
    following = next_nonblank(lines)
    sections = _Sections()
    blocks: list[tuple[str, int, int, str]] = []
    heading_start: int | None = None  # headings open the first chunk of their section
    i = 0
    while i < len(lines):
        if heading_start is None and lines[i].strip() and not TABLE_CAPTION.match(lines[i].strip()):
            heading_start = offsets[i]
        line = lines[i].strip()
        prev = lines[i - 1] if i else ""
        nxt = lines[following[i]] if following[i] < len(lines) else ""
        if not line:
            i += 1
            continue
        if TABLE_CAPTION.match(line):
            end = table_end(lines, i)
            last = end - 1
            blocks.append(("table", offsets[i], offsets[last] + len(lines[last]), sections.path()))
            heading_start = None
            i = end
            continue
        number = _SECTION_NUMBER.match(line)
        inline = _SECTION_INLINE.match(line)
        item = _LIST_HEADING.match(line)
        if number and nxt and not _SECTION_NUMBER.match(nxt.strip()) and len(nxt) < 120:
            sections.number(number.group(1), nxt.strip())
            i = following[i] + 1
            continue
        if inline and not line.endswith("."):
            sections.number(inline.group(1), inline.group(2))
        elif item and len(line.split()) <= 16 and not line.endswith("."):
            sections.item, sections.group, sections.leaf = line, "", ""
        elif line.startswith("Q:") or is_heading(prev, line, nxt):
            sections.heading(line)
        else:
            start = offsets[i] if heading_start is None else heading_start
            blocks.append(("text", start, offsets[i] + len(lines[i]), sections.path()))
            heading_start = None
        i += 1
    return blocks


def chunk_document(doc: Document, settings: ChunkSettings | None = None) -> list[Chunk]:
    """Chunks of one cleaned Document; together they cover every sentence of its body text."""
    settings = settings or ChunkSettings()
    text = doc.text
    chunks: list[Chunk] = []

    def emit(kind: str, start: int, end: int, section: str) -> None:
        body = text[start:end]
        cid = content_id(doc.doc_id, str(doc.page), section, body)
        chunks.append(Chunk(cid, doc.doc_id, body, section, doc.page, start, end, kind))  # type: ignore[arg-type]

    pending: list[tuple[int, int]] = []
    pending_section = None
    in_list = False  # the last sentence introduced a list ("... three modalities:")

    def flush() -> None:
        if pending:
            emit("text", pending[0][0], pending[-1][1], pending_section or "")

    for kind, start, end, section in _blocks(text):
        if kind == "table" or section != pending_section:
            flush()
            pending, pending_section, in_list = [], section, False
            if kind == "table":
                emit("table", start, end, section)
                pending_section = None
                continue
        for span in sentence_spans(text, start, end):
            short = span[1] - span[0] <= LIST_ITEM_CHARS
            in_list = in_list and short
            if in_list and pending and span[1] - pending[0][0] <= LIST_STRETCH * settings.size:
                pending.append(span)  # a list stays with its introduction
                continue
            if pending and span[1] - pending[0][0] > settings.size:
                flush()
                pending = pending[-settings.overlap :] if settings.overlap else []
                if pending and span[1] - pending[0][0] > settings.size:
                    pending = []
            pending.append(span)
            in_list = text[span[0] : span[1]].rstrip().endswith(":")
    flush()
    return _merge_tiny(doc, chunks, settings.size)


def _merge_tiny(doc: Document, chunks: list[Chunk], size: int) -> list[Chunk]:
    """A text chunk too short to answer anything on its own and not ending a sentence (a page
    title, a name and role above an interview, "... include:" before sub-headings) is joined to
    the chunk after it, when the two together stay within the size by a little."""
    tiny = min(TINY_CHUNK, size // 4)
    out: list[Chunk] = []
    i = 0
    while i < len(chunks):
        small, following = chunks[i], chunks[i + 1] if i + 1 < len(chunks) else None
        if (
            following is not None
            and small.kind == following.kind == "text"
            and len(small.text) < tiny
            and not small.text.rstrip().endswith((".", "!", "?"))
            and following.end - small.start <= size + tiny
            and following.start >= small.end
            and not doc.text[small.end : following.start].strip()
        ):
            body = doc.text[small.start : following.end]
            cid = content_id(doc.doc_id, str(doc.page), following.section, body)
            out.append(
                Chunk(
                    cid,
                    doc.doc_id,
                    body,
                    following.section,
                    doc.page,
                    small.start,
                    following.end,
                    "text",
                )
            )
            i += 2
            continue
        out.append(small)
        i += 1
    return out
