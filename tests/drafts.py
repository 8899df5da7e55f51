"""Hand-built hits and the invariants every draft keeps, shared by the reader's unit tests."""

from __future__ import annotations

import re

from assistant.read.draft import Draft
from assistant.types import Chunk, DocInfo, Hit


def make_hit(rank: int, text: str, *, doc: str = "", publisher: str = "", date: str = "") -> Hit:
    info = DocInfo(doc_id=doc or f"doc{rank}.txt", title=f"Doc {rank}", publisher=publisher,
                   date=date)  # fmt: skip
    chunk = Chunk(f"c{rank}", info.doc_id, text, "Section", None, 0, len(text))
    return Hit(chunk=chunk, doc=info, score=1.0 / rank, rank=rank)


def assert_draft_invariants(draft: Draft, hits: list[Hit]) -> None:
    chunks = {h.chunk.id: h.chunk.text for h in hits}
    numbers = [c.n for c in draft.citations]
    assert numbers == list(range(1, len(numbers) + 1))
    for c in draft.citations:
        assert c.quote and c.quote in c.passage
        assert c.chunk_id in chunks and c.quote in chunks[c.chunk_id]
    for n in re.findall(r"\[(\d+)\]", draft.text):
        assert int(n) in numbers, (n, draft.text)


def table_hit(rank: int, text: str, doc: str = "") -> Hit:
    hit = make_hit(rank, text, doc=doc)
    chunk = Chunk(hit.chunk.id, hit.chunk.doc_id, text, "Annex", None, 0, len(text), kind="table")
    return Hit(chunk=chunk, doc=hit.doc, score=hit.score, rank=rank)
