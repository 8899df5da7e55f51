"""Chunking (assistant.ingest.chunk): invariants over the real corpus and a small synthetic
document.

Every chunk is an exact slice of the cleaned text, starts and ends on sentence boundaries, carries
its section path; tables are whole chunks; ids are content-derived; the chunks cover the text.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from pathlib import Path

import pytest

from assistant.ingest.chunk import LIST_STRETCH, TINY_CHUNK, ChunkSettings, chunk_document
from assistant.ingest.clean import TABLE_CAPTION, clean_document, table_end
from assistant.ingest.load import load_file
from assistant.text import sentence_spans
from assistant.types import Chunk, Document

CORPUS = Path(__file__).resolve().parent.parent / "corpus"
BRIEFING = "eccp-preparatory-briefing-mexico.txt"
NAMES = sorted(p.name for p in CORPUS.glob("*.txt"))
SIZES = [
    ChunkSettings(200, 0),
    ChunkSettings(500, 1),
    ChunkSettings(900, 1),
    ChunkSettings(1400, 2),
]


def cleaned_doc(name: str) -> Document:
    (doc,) = load_file(CORPUS / name)
    return clean_document(doc)


@pytest.fixture(scope="module")
def docs() -> dict[str, Document]:
    return {name: cleaned_doc(name) for name in NAMES}


@pytest.fixture(scope="module")
def briefing_chunks(docs: dict[str, Document]) -> list[Chunk]:
    return chunk_document(docs[BRIEFING])


def line_offsets(text: str) -> list[int]:
    offsets, pos = [], 0
    for line in text.split("\n"):
        offsets.append(pos)
        pos += len(line) + 1
    return offsets


# Invariants over every corpus file and several chunk settings -----------------------------------


@pytest.mark.parametrize("settings", SIZES, ids=lambda s: f"size{s.size}-overlap{s.overlap}")
@pytest.mark.parametrize("name", NAMES)
def test_chunks_are_exact_slices_on_sentence_boundaries(
    docs: dict[str, Document], name: str, settings: ChunkSettings
) -> None:
    doc = docs[name]
    chunks = chunk_document(doc, settings)
    assert chunks
    spans = sentence_spans(doc.text)
    starts, ends = {a for a, _ in spans}, {b for _, b in spans}
    for chunk in chunks:
        assert chunk.text == doc.text[chunk.start : chunk.end]
        assert (chunk.doc_id, chunk.page) == (doc.doc_id, doc.page)
        assert chunk.start in starts, chunk.text[:60]
        assert chunk.end in ends, chunk.text[-60:]
        # a sentence end: final punctuation, or the end of a line (heading, list item, table row)
        at_line_end = chunk.end == len(doc.text) or doc.text[chunk.end] == "\n"
        assert chunk.text.endswith((".", "!", "?", ":", ";", ")", '"', "”")) or at_line_end


@pytest.mark.parametrize("settings", SIZES, ids=lambda s: f"size{s.size}-overlap{s.overlap}")
@pytest.mark.parametrize("name", NAMES)
def test_text_chunks_respect_the_size_unless_one_sentence_is_longer(
    docs: dict[str, Document], name: str, settings: ChunkSettings
) -> None:
    for chunk in chunk_document(docs[name], settings):
        if chunk.kind == "text" and len(chunk.text) > settings.size:
            spans = sentence_spans(chunk.text)
            head = min(TINY_CHUNK, settings.size // 4)  # a short head joined to the chunk
            # only a list kept with its introduction may stretch a chunk, and only so far
            lists = any(chunk.text[a:b].rstrip().endswith(":") for a, b in spans)
            assert len(spans) == 1 or lists or len(chunk.text) <= settings.size + head
            assert len(spans) == 1 or len(chunk.text) <= LIST_STRETCH * settings.size + head


@pytest.mark.parametrize("settings", SIZES, ids=lambda s: f"size{s.size}-overlap{s.overlap}")
@pytest.mark.parametrize("name", NAMES)
def test_consecutive_chunks_overlap_by_at_most_the_setting(
    docs: dict[str, Document], name: str, settings: ChunkSettings
) -> None:
    chunks = [c for c in chunk_document(docs[name], settings) if c.kind == "text"]
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start > prev.start  # document order
        if nxt.start < prev.end:  # overlapping: only whole sentences, at most ``overlap`` of them
            assert prev.section == nxt.section
            shared = prev.text[nxt.start - prev.start :]
            assert shared == nxt.text[: len(shared)]
            assert 1 <= len(sentence_spans(shared)) <= settings.overlap


@pytest.mark.parametrize("settings", SIZES, ids=lambda s: f"size{s.size}-overlap{s.overlap}")
@pytest.mark.parametrize("name", NAMES)
def test_chunks_cover_every_sentence(
    docs: dict[str, Document], name: str, settings: ChunkSettings
) -> None:
    """Each sentence of the cleaned text lies inside a chunk; the only exception is a heading line
    straight before a table, which the table's section path carries instead."""
    doc = docs[name]
    chunks = chunk_document(doc, settings)
    for a, b in sentence_spans(doc.text):
        if any(c.start <= a and b <= c.end for c in chunks):
            continue
        following = next(c for c in chunks if c.start >= b)
        assert following.kind == "table", doc.text[a:b]
        assert doc.text[a:b].rstrip(".") in following.section, doc.text[a:b]


@pytest.mark.parametrize("name", NAMES)
def test_chunk_ids_are_stable_and_unique(docs: dict[str, Document], name: str) -> None:
    first = chunk_document(docs[name])
    again = chunk_document(dataclasses.replace(docs[name]))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)


# Structure of the briefing ------------------------------------------------------------------------


def test_every_briefing_chunk_has_a_section(briefing_chunks: list[Chunk]) -> None:
    assert all(c.section for c in briefing_chunks)
    assert all(" > " not in c.section.split(" > ")[0] for c in briefing_chunks)


def test_briefing_section_paths_follow_the_heading_tree(briefing_chunks: list[Chunk]) -> None:
    sections = {c.section for c in briefing_chunks}
    assert "1 Objective of the report" in sections
    assert "2 The economy of Mexico: focus on sectoral trends > 2.1 Overview" in sections
    aerospace = [s for s in sections if "> Aerospace clusters > " in s]
    assert aerospace
    for section in aerospace:
        assert section.startswith(
            "3 Cluster community in Mexico > 3.2 Clusters in automotive, aerospace, renewable "
            "energy and ICT > Aerospace clusters > "
        )
    # the text of a cluster's description sits under that cluster's heading
    monterrey = [c for c in briefing_chunks if "Monterrey Aerocluster" in c.section]
    assert monterrey and all(
        c.section.endswith("Monterrey Aerocluster (Nuevo Léon)") for c in monterrey
    )
    # numbered levels only ever go deeper by one step: "4 ... > 4.2 ..." never "4 ... > 5.1 ..."
    for section in sections:
        numbers = [
            m.group(1)
            for m in map(re.compile(r"^(\d+(?:\.\d+)*) ").match, section.split(" > "))
            if m
        ]
        for parent, child in itertools.pairwise(numbers):
            assert child.startswith(parent + "."), section


@pytest.mark.parametrize("name", NAMES)
def test_section_paths_are_headings_not_sentence_fragments(
    docs: dict[str, Document], name: str
) -> None:
    for chunk in chunk_document(docs[name]):
        for part in filter(None, chunk.section.split(" > ")):
            assert not re.match(r"^\w+, (the|a|an|during|in)\b", part), part
            assert not re.search(r"\b(the|of|and|an|a|to|for|with)$", part), part


def test_each_table_is_one_whole_chunk(
    docs: dict[str, Document], briefing_chunks: list[Chunk]
) -> None:
    doc = docs[BRIEFING]
    lines = doc.text.split("\n")
    offsets = line_offsets(doc.text)
    captions = [i for i, line in enumerate(lines) if TABLE_CAPTION.match(line.strip())]
    assert len(captions) == 7  # TABLE 1 ... TABLE 7
    tables = [c for c in briefing_chunks if c.kind == "table"]
    assert len(tables) == len(captions)
    for i in captions:
        starting = [c for c in briefing_chunks if c.start == offsets[i]]
        assert len(starting) == 1
        (table,) = starting
        assert table.kind == "table" and table.text.startswith(lines[i])
        last = table_end(lines, i) - 1
        assert table.end == offsets[last] + len(lines[last])  # the whole body, however long
        # no other chunk reaches into the table
        for other in briefing_chunks:
            if other is not table:
                assert other.end <= table.start or other.start >= table.end


def test_a_table_row_stays_with_its_caption(briefing_chunks: list[Chunk]) -> None:
    (labels,) = [c for c in briefing_chunks if c.kind == "table" and "QUALITY LABELLING" in c.text]
    assert "Gold Label" in labels.text and "Silver Label" in labels.text


# A synthetic document -----------------------------------------------------------------------------

SYNTHETIC = (
    "1.\n\nIntroduction\n\nSome text here. More text follows.\n\n"
    "2.\nMain part\n2.1\n\nDetails\n\nAerospace clusters\n\nMonterrey Aerocluster\n\n"
    "The cluster has 60 members.\n\n"
    "TABLE 1 - MEMBERS BY STATE\nState\nMembers\nNuevo León\n60\n\n"
    "2.2 Other things\n\nThe end is near. Really near.\n\n"
    "Q: What is it?\n\nA: It is a thing."
)


def test_synthetic_document_sections_tables_and_pages() -> None:
    chunks = chunk_document(Document("d.txt", SYNTHETIC, page=4))
    assert [(c.kind, c.section) for c in chunks] == [
        ("text", "1 Introduction"),
        ("text", "2 Main part > 2.1 Details > Aerospace clusters > Monterrey Aerocluster"),
        ("table", "2 Main part > 2.1 Details > Aerospace clusters > Monterrey Aerocluster"),
        ("text", "2 Main part > 2.2 Other things"),
        ("text", "2 Main part > 2.2 Other things > Q: What is it?"),
    ]
    assert chunks[2].text == "TABLE 1 - MEMBERS BY STATE\nState\nMembers\nNuevo León\n60"
    assert chunks[0].text.startswith("1.\n\nIntroduction")  # headings open their first chunk
    assert {c.page for c in chunks} == {4}


def test_chunk_ids_change_with_the_text_and_only_there() -> None:
    before = chunk_document(Document("d.txt", SYNTHETIC))
    after = chunk_document(Document("d.txt", SYNTHETIC.replace("60 members", "61 members")))
    changed = [(a.id != b.id) for a, b in zip(before, after, strict=True)]
    assert changed == [False, True, False, False, False]
    # the id also depends on the document and the page
    assert chunk_document(Document("e.txt", SYNTHETIC))[0].id != before[0].id
    assert chunk_document(Document("d.txt", SYNTHETIC, page=2))[0].id != before[0].id


def test_long_sections_split_with_one_sentence_of_overlap() -> None:
    sentences = [f"Sentence number {n} talks about the cluster at length." for n in range(30)]
    text = "Heading Of The Part\n\n" + " ".join(sentences)
    chunks = chunk_document(Document("d.txt", text), ChunkSettings(size=300, overlap=1))
    assert len(chunks) > 3
    for prev, nxt in itertools.pairwise(chunks):
        last_sentence = sentence_spans(prev.text)[-1]
        assert nxt.text.startswith(prev.text[last_sentence[0] : last_sentence[1]])
    joined = " ".join(c.text for c in chunks)
    assert all(s in joined for s in sentences)


def test_empty_document_has_no_chunks() -> None:
    assert chunk_document(Document("d.txt", "")) == []
    assert chunk_document(Document("d.txt", "\n\n  \n")) == []


def test_a_list_stays_in_the_chunk_of_its_introduction() -> None:
    intro = " ".join(f"Sentence {n} describes the programme in some detail." for n in range(8))
    items = "\n".join(f"ITEM{n}: a short line about option {n}" for n in range(4))
    after = " ".join(f"Later sentence {n} is about something else entirely." for n in range(9))
    text = f"Heading Of The Part\n\n{intro} It has four options:\n\n{items}\n\n{after}"
    settings = ChunkSettings(size=500, overlap=1)
    chunks = chunk_document(Document("d.txt", text), settings)
    holding = [c for c in chunks if "four options:" in c.text]
    assert all(f"ITEM{n}:" in holding[0].text for n in range(4)), holding[0].text
    assert len(holding[0].text) <= LIST_STRETCH * settings.size
    # without the list, the same introduction would have been cut before the items
    plain = chunk_document(Document("d.txt", text.replace(":\n\nITEM", ".\n\nITEM")), settings)
    assert not any("four options." in c.text and "ITEM3:" in c.text for c in plain)


def test_a_title_alone_in_its_chunk_is_joined_to_the_next_one() -> None:
    text = (
        "Ana Ruiz\nHarbour Council\nView from the Top\n\n"
        "Opening the Port to Software\n\nBy an editor | Mon, 01/11/2021\n\n"
        + " ".join(f"Sentence {n} of the interview talks at length." for n in range(10))
    )
    chunks = chunk_document(Document("d.txt", text), ChunkSettings(size=900, overlap=1))
    assert chunks[0].text.startswith("Ana Ruiz") and "01/11/2021" in chunks[0].text
    assert all(len(c.text) >= 100 for c in chunks)
