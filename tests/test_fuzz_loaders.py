"""Bad documents, tried systematically: load → clean → chunk, and the index build around them.

Property-based (hypothesis) cases: random bytes under every supported suffix, random text with
control, zero-width and right-to-left characters, random line soups of headings/tables/footnotes,
real PDFs made with fpdf2 then truncated or with bytes flipped, random tag soups of HTML, and random
corpora built with ``build_index``. Named cases: a 10 MB single-line text, 10 MB of short lines,
100,000 nested divs, PDFs of 2,000 and 2,500 pages, a page with 4.5 million characters, a
decompression bomb, zero-width and right-to-left text.

Invariants: only ``LoadError`` escapes a loader; cleaned text has no control or invisible
characters; every chunk is an exact slice of the cleaned text; the build skips each rejected file
once, with a reason, and indexes every other file. No hang: every in-process case runs under a
SIGALRM deadline, the large files in a subprocess with a timeout; the slowest case of each kind is
printed at the end of the module (``-s`` not needed).
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from unittest.mock import patch

import pytest
from fpdf import FPDF
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import LoadError
from assistant.ingest.chunk import ChunkSettings, chunk_document
from assistant.ingest.clean import clean_document, clean_text
from assistant.ingest.load import MAX_PAGE_CHARS, SUPPORTED_SUFFIXES, load_file
from assistant.ingest.repeats import WINDOW, drop_repeats
from assistant.store.build import build_index
from assistant.store.embed import HashEmbedder
from assistant.store.index import load_index
from assistant.text import fold, sentence_spans, tokenize
from assistant.types import Document

ROOT = Path(__file__).resolve().parent.parent
MAX_BYTES = 20_000_000  # the default ASSISTANT_MAX_FILE_MB
INVISIBLE = (  # zero-width, bidi controls, byte order mark, soft hyphen
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff\u00ad"
)
CONTROL = "".join(chr(c) for c in range(32) if chr(c) not in "\n") + "\x7f"
RTL = "مرحبا بالعالم، التجمع الصناعي في المكسيك. שלום עולם. "
FUZZ = settings(
    max_examples=200,
    deadline=5000,  # ms per example, hypothesis' own check; the SIGALRM deadline is the hard one
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SLOWEST: dict[str, float] = {}
CASES: dict[str, int] = {}


class Overtime(BaseException):
    """A case ran past its deadline. BaseException: no ``except Exception`` may swallow it."""


@contextmanager
def deadline(kind: str, seconds: float = 10.0) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (SIGALRM), and record its time under ``kind``.

    pytest-timeout's own timer (same signal) is re-armed with what is left of it afterwards."""

    def expire(signum: int, frame: object) -> None:
        raise Overtime(f"{kind}: still running after {seconds} s (a hang)")

    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.perf_counter()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        elapsed = time.perf_counter() - started
        if outer:
            signal.setitimer(signal.ITIMER_REAL, max(outer - elapsed, 0.001))
        record(kind, elapsed)


def record(kind: str, seconds: float) -> None:
    SLOWEST[kind] = max(SLOWEST.get(kind, 0.0), seconds)
    CASES[kind] = CASES.get(kind, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def report_times(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None or not CASES:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line("fuzz_loaders: cases and slowest case per kind")
        for kind in sorted(CASES):
            reporter.write_line(f"  {kind:<38} {CASES[kind]:>5} cases   max {SLOWEST[kind]:8.3f} s")


def check_chunks(doc: Document) -> int:
    """Clean and chunk ``doc``; assert the cleaning and chunking invariants; the chunk count."""
    cleaned = clean_document(doc)
    assert not set(cleaned.text) & set(INVISIBLE + CONTROL.replace("\t", "").replace("\f", ""))
    chunks = chunk_document(cleaned, ChunkSettings(300, 1))
    for chunk in chunks:
        assert 0 <= chunk.start < chunk.end <= len(cleaned.text)
        assert cleaned.text[chunk.start : chunk.end] == chunk.text
        assert chunk.doc_id == doc.doc_id and chunk.page == doc.page
    return len(chunks)


def load_clean_chunk(path: Path) -> tuple[int, int] | str:
    """(documents, chunks) of a file that loads, or the LoadError's reason; nothing else escapes."""
    try:
        docs = load_file(path, max_bytes=MAX_BYTES)
    except LoadError as exc:
        assert exc.reason and exc.path == str(path)
        return exc.reason
    assert docs, "a loader returned no documents instead of raising LoadError"
    return len(docs), sum(check_chunks(doc) for doc in docs)


# Random bytes and random text -------------------------------------------------------------------

SUFFIXES = [*SUPPORTED_SUFFIXES, ".TXT", ".Pdf"]
any_bytes = st.one_of(
    st.binary(max_size=4096),
    st.binary(max_size=2048).map(lambda b: b"%PDF-1.4\n" + b),  # past the header check
    st.binary(max_size=2048).map(lambda b: b"<html><body>" + b),
    st.text(max_size=1500).map(lambda t: t.encode("utf-8")),
)


@FUZZ
@given(data=any_bytes, suffix=st.sampled_from(SUFFIXES))
def test_random_bytes_under_any_suffix(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"random{suffix}"
    path.write_bytes(data)
    with deadline("random bytes"):
        load_clean_chunk(path)


odd_chars = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from(INVISIBLE + CONTROL + RTL + "\r\n\f\t -–—•.:;!?%€$0123456789"),
)
LINES = [
    "TABLE 1 – Clusters by state",
    "3.2 Aerospace clusters",
    "3.2",
    "1. PROSEC Automotive",
    "p. 14",
    "Page 3 of 9",
    "12 https://example.org/report.pdf",
    "Erreur ! Signet non défini.",
    "The Aerocluster of Querétaro has 45 members.",
    "and it was founded in 2009 by the",
    "state government with 35,000 jobs.",
    "Hyphen-",
    "ated words continue here.",
    "Q: What does the cluster do?",
    "A: It trains engineers.",
    "Download now",
    "• a bullet item",
    "",
    "   ",
    RTL,
]
line_soup = st.lists(
    st.one_of(st.sampled_from(LINES), st.text(odd_chars, max_size=40)), max_size=60
).map("\n".join)


@FUZZ
@given(text=st.one_of(st.text(odd_chars, max_size=3000), line_soup))
def test_clean_and_chunk_any_text(text: str) -> None:
    with deadline("random text: clean + chunk"):
        assert isinstance(clean_text(text), str)
        check_chunks(Document("fuzz.txt", text))


def naive_dedupe(lines: list[str], window: int = WINDOW) -> list[str]:
    """The quadratic reference: compare every sentence with every kept one of the window."""
    seen: list[tuple[set[str], int]] = []
    exact: dict[str, int] = {}
    out = []
    at = 0
    for line in lines:
        kept = []
        for a, b in sentence_spans(line):
            words = tokenize(line[a:b], keep_stopwords=True)
            at += b - a + 1
            if len(words) >= 10:
                key, bag = fold(" ".join(words)), set(words)
                recent = [s for s, where in seen if at - where <= window]
                if (key in exact and at - exact[key] <= window) or any(
                    len(bag & s) / len(bag | s) >= 0.85 for s in recent
                ):
                    continue
                exact[key] = at
                seen.append((bag, at))
            kept.append(line[a:b])
        if kept or not line:
            out.append(" ".join(kept))
    return out


near_duplicates = st.lists(
    st.lists(
        st.lists(st.sampled_from("alpha beta gamma delta cluster members Querétaro 45 2009 "
                                 "jobs aerospace state IT the of".split()),
                 min_size=9, max_size=22).map(lambda w: " ".join(w).capitalize() + "."),
        max_size=5,
    ).map(" ".join),
    max_size=30,
)  # fmt: skip


@FUZZ
@given(lines=near_duplicates)
def test_fast_near_duplicate_removal_equals_the_quadratic_one(lines: list[str]) -> None:
    with deadline("near-duplicate sentences"):
        assert drop_repeats(lines) == naive_dedupe(lines)
    # and with a window short enough for the fuzzed lines to reach beyond it
    with patch("assistant.ingest.repeats.WINDOW", 300):
        assert drop_repeats(lines) == naive_dedupe(lines, window=300)


@FUZZ
@given(text=st.one_of(st.text(odd_chars, min_size=1, max_size=3000), line_soup))
def test_text_files_of_any_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.md"
    path.write_bytes(text.encode("utf-8"))
    with deadline("random text file"):
        load_clean_chunk(path)


# Real PDFs, damaged -----------------------------------------------------------------------------

PDF_PAGES = [
    "Cluster Brief\nThe Monterrey Aerocluster has 60 members and 12 committees.",
    "",
    "It was founded in 2009. Querétaro hosts 35,000 aerospace jobs.",
]


def make_pdf(pages: list[str], *, compress: bool = True, size: int = 12) -> bytes:
    pdf = FPDF()
    pdf.set_compression(compress)
    pdf.set_font("helvetica", size=size)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


@lru_cache(maxsize=2)
def base_pdf(compress: bool) -> bytes:
    return make_pdf(PDF_PAGES, compress=compress)


@st.composite
def damaged_pdf(draw: st.DrawFn) -> bytes:
    data = bytearray(base_pdf(draw(st.booleans())))
    how = draw(st.sampled_from(["truncate", "flip", "delete", "duplicate"]))
    if how == "truncate":
        return bytes(data[: draw(st.integers(0, len(data) - 1))])
    if how == "flip":
        for _ in range(draw(st.integers(1, 20))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    a = draw(st.integers(0, len(data) - 1))
    b = draw(st.integers(a, min(len(data), a + 400)))
    return bytes(data[:a] + data[b:]) if how == "delete" else bytes(data[:b] + data[a:])


@FUZZ
@given(data=damaged_pdf())
def test_damaged_pdfs(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "damaged.pdf"
    path.write_bytes(data)
    with deadline("damaged PDF"):
        load_clean_chunk(path)


def test_the_undamaged_pdfs_load_page_by_page(tmp_path: Path) -> None:
    for compress in (True, False):
        path = tmp_path / f"whole-{compress}.pdf"
        path.write_bytes(base_pdf(compress))
        docs = load_file(path)
        assert [d.page for d in docs] == [1, 3]
        assert "Monterrey Aerocluster has 60 members" in docs[0].text


# HTML -------------------------------------------------------------------------------------------

TAGS = ["div", "p", "span", "b", "script", "style", "table", "td", "h1", "svg", "template", "x-y"]
html_text = st.one_of(
    st.text(odd_chars, max_size=30),
    st.sampled_from(["&amp;", "&#x110000;", "&#0;", "&nbsp;", "<!--", "-->", "<![CDATA[", "<", ">",
                     "</", "<!DOCTYPE html>", "&bogus;", "<a<b", "\"'", "<?php ?>"]),
)  # fmt: skip


def _element(tag: str, attrs: str, children: list[str], closed: bool) -> str:
    return f"<{tag}{attrs}>{''.join(children)}" + (f"</{tag}>" if closed else "")


html_tree = st.recursive(
    html_text,
    lambda children: st.builds(
        _element,
        st.sampled_from(TAGS),
        st.sampled_from(["", ' class="x"', " onclick='alert(1)'", " a=b c", ' "weird']),
        st.lists(children, max_size=4),
        st.booleans(),
    ),
    max_leaves=40,
)


@FUZZ
@given(body=html_tree)
def test_html_tag_soup(tmp_path: Path, body: str) -> None:
    path = tmp_path / "soup.html"
    path.write_text(f"<html><body>{body}</body></html>", encoding="utf-8")
    with deadline("HTML tag soup"):
        load_clean_chunk(path)


# Named adversarial files, each in a subprocess with a deadline ------------------------------------

_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[2])
from test_fuzz_loaders import load_clean_chunk
started = time.perf_counter()
result = load_clean_chunk(Path(sys.argv[1]))
print(json.dumps({"result": result, "seconds": time.perf_counter() - started,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_isolated(path: Path, kind: str, timeout: float) -> tuple[int, int] | str:
    """``load_clean_chunk(path)`` in a fresh interpreter killed after ``timeout`` seconds."""
    started = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), str(Path(__file__).parent)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        record(kind, time.perf_counter() - started)
        pytest.fail(f"{kind}: no result after {timeout:.0f} s (a hang)")
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    record(kind, out["seconds"])
    assert out["rss_mb"] < 4000, f"{kind}: {out['rss_mb']:.0f} MB of memory"
    result = out["result"]
    return result if isinstance(result, str) else (result[0], result[1])


def prose(size: int, seed: int, sep: str) -> str:
    """``size`` characters of random English-like sentences (a large vocabulary, few repeats)."""
    rng = random.Random(seed)
    vocab = ["".join(rng.choice("abcdefghijklmnoprstu") for _ in range(rng.randint(2, 10)))
             for _ in range(30_000)]  # fmt: skip
    parts, total = [], 0
    while total < size:
        words = [rng.choice(vocab) for _ in range(rng.randint(8, 25))]
        sentence = " ".join(words).capitalize() + "."
        parts.append(sentence)
        total += len(sentence) + 1
    return sep.join(parts)[:size]


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("one-line-10mb.txt", lambda: prose(10_000_000, 1, " ")),
        ("short-lines-10mb.txt", lambda: prose(10_000_000, 2, "\n")),
        ("blank-lines-10mb.md", lambda: "a\n\n" * 3_333_333),
    ],
)
def test_ten_megabyte_texts_finish_in_bounded_time(
    tmp_path: Path, name: str, make: Callable[[], str]
) -> None:
    path = tmp_path / name
    path.write_text(make(), encoding="utf-8")
    assert path.stat().st_size >= 9_999_000
    result = run_isolated(path, "10 MB text (subprocess)", timeout=240)
    assert isinstance(result, tuple) and result[1] >= 1, result


def test_100000_nested_divs(tmp_path: Path) -> None:
    path = tmp_path / "nested.html"
    depth = 100_000
    path.write_text(
        "<html><body>" + "<div>" * depth + "The deepest cluster has 7 members."
        + "</div>" * depth + "</body></html>", encoding="utf-8",
    )  # fmt: skip
    assert run_isolated(path, "100,000 nested divs (subprocess)", timeout=120) == (1, 1)
    unclosed = tmp_path / "unclosed.html"
    unclosed.write_text("<p><span><b><i>" * 100_000 + "Still text.", encoding="utf-8")
    assert run_isolated(unclosed, "100,000 nested divs (subprocess)", timeout=120) == (1, 1)
    hidden = tmp_path / "hidden.html"
    hidden.write_text("<script>" * 50_000 + "x = 1" + "<div>" * 50_000, encoding="utf-8")
    assert "no visible text" in str(run_isolated(hidden, "100,000 nested divs (subprocess)", 120))


def test_pdfs_of_thousands_of_pages(tmp_path: Path) -> None:
    accepted = tmp_path / "long.pdf"
    accepted.write_bytes(make_pdf([f"Page {i}: cluster {i} has {i} members." for i in range(2000)]))
    loaded = run_isolated(accepted, "thousands of PDF pages (subprocess)", 240)
    assert loaded == (2000, 2000)  # every page loaded, one chunk each
    refused = tmp_path / "too-long.pdf"
    refused.write_bytes(make_pdf(["x"] * 2500))
    reason = run_isolated(refused, "thousands of PDF pages (subprocess)", 240)
    assert isinstance(reason, str) and "2500 pages" in reason and "split" in reason


def huge_page_pdf() -> bytes:
    pdf = FPDF(format=(5000, 5000))
    pdf.set_font("helvetica", size=2)
    pdf.add_page()
    line = "Cluster members 123 aerospace Queretaro. " * 75
    for _ in range(1500):
        pdf.cell(0, 1, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_a_huge_single_page_is_cut(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "huge-page.pdf"
    path.write_bytes(huge_page_pdf())
    with deadline("huge single PDF page", 60):
        (doc,) = load_file(path)
    assert len(doc.text) == MAX_PAGE_CHARS
    assert "cut" in caplog.text
    assert isinstance(run_isolated(path, "huge single PDF page", 120), tuple)


def bomb_pdf(expanded: int = 500_000_000) -> bytes:
    """A valid one-page PDF whose content stream inflates from ~0.5 MB to ``expanded`` bytes."""
    stream = zlib.compress(b"BT /F1 12 Tf 72 712 Td (" + b"A" * expanded + b") Tj ET", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def test_a_decompression_bomb_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.pdf"
    path.write_bytes(bomb_pdf())
    reason = run_isolated(path, "decompression bomb (subprocess)", 120)
    assert isinstance(reason, str) and "limit" in reason, reason


def test_zero_width_and_right_to_left_text(tmp_path: Path) -> None:
    path = tmp_path / "bidi.txt"
    text = (
        "Clus\u200bter\u200d Report\n\n"
        + "\u202eThe Aero\u00adcluster has 45 members.\u202c \u2067"
        + RTL
        + "\u2069\ufeff\n"
    )
    path.write_text(text * 50, encoding="utf-8")
    with deadline("zero-width and RTL text"):
        (doc,) = load_file(path)
        cleaned = clean_document(doc).text
        assert check_chunks(doc) >= 1
    assert "Cluster Report" in cleaned and "The Aerocluster has 45 members." in cleaned
    assert "مرحبا بالعالم" in cleaned and "שלום עולם" in cleaned
    assert not set(cleaned) & set(INVISIBLE)


# Through the index build ------------------------------------------------------------------------

GOOD = {
    "alpha.txt": "Alpha Report\n\nThe Alpha Aerospace Cluster in Querétaro has 45 members.\n",
    "beta.md": "# Beta\n\nThe Beta IT Cluster in Nuevo León represents 22 IT clusters.\n",
}


def write_bad_corpus(corpus: Path) -> dict[str, str]:
    """Adversarial files that must be refused, by name, with a word of the expected reason."""
    rng = random.Random(7)
    damaged = bytearray(base_pdf(True))
    for _ in range(40):
        damaged[rng.randrange(200, len(damaged))] = rng.randrange(256)
    files = {
        "noise.pdf": b"%PDF-1.7\n" + rng.randbytes(5000),
        "truncated.pdf": base_pdf(False)[:700],
        "bomb.pdf": bomb_pdf(),
        "too-long.pdf": make_pdf(["x"] * 2001),
        "noise.txt": rng.randbytes(5000),
        "script-only.html": b"<script>" * 1000 + b"alert(1)",
        "zero-width.md": INVISIBLE.encode("utf-8") * 100,
    }
    reasons = {
        "noise.pdf": "",
        "truncated.pdf": "",
        "bomb.pdf": "limit",
        "too-long.pdf": "split",
        "noise.txt": "",
        "script-only.html": "no visible text",
        "zero-width.md": "no text left",
    }
    for name, data in files.items():
        (corpus / name).write_bytes(data)
    return reasons


def test_build_skips_each_bad_file_once_and_indexes_the_rest(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in GOOD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "nested.html").write_text(
        "<div>" * 20_000 + "<p>The Nested Cluster has 8 members.</p>" + "</div>" * 20_000
    )
    (corpus / "bidi.txt").write_text("\u202eThe Bidi Cluster has 9 members.\u202c " + RTL)
    reasons = write_bad_corpus(corpus)
    with deadline("build of the adversarial corpus", 120):
        report = build_index(corpus, tmp_path / "index", HashEmbedder())
    skipped = dict(report.skipped)
    assert len(report.skipped) == len(skipped) == len(reasons), report.skipped
    for name, word in reasons.items():
        assert word in skipped[name], (name, skipped[name])
    indexed = {c.doc_id for c in load_index(tmp_path / "index").chunks}
    assert indexed == {*GOOD, "nested.html", "bidi.txt"}
    again = build_index(corpus, tmp_path / "index", HashEmbedder())  # nothing new: no rebuild
    assert not again.changed and dict(again.skipped) == skipped


corpus_file = st.tuples(
    st.sampled_from(SUFFIXES),
    st.one_of(any_bytes, damaged_pdf(), line_soup.map(lambda t: t.encode("utf-8"))),
)


@settings(FUZZ, max_examples=25)
@given(files=st.lists(corpus_file, min_size=1, max_size=6))
def test_random_corpora_build(
    tmp_path_factory: pytest.TempPathFactory, files: list[tuple[str, bytes]]
) -> None:
    base = tmp_path_factory.mktemp("corpus")
    corpus = base / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text(GOOD["alpha.txt"], encoding="utf-8")
    names = ["good.txt"]
    for number, (suffix, data) in enumerate(files):
        names.append(f"f{number}{suffix}")
        (corpus / names[-1]).write_bytes(data)
    with deadline("random corpus build", 60):
        report = build_index(corpus, base / "index", HashEmbedder())
    skipped = [name for name, _ in report.skipped]
    assert len(skipped) == len(set(skipped)) and all(reason for _, reason in report.skipped)
    indexed = {c.doc_id for c in load_index(base / "index").chunks}
    assert "good.txt" in indexed
    assert indexed | set(skipped) == set(names) and not indexed & set(skipped)
    assert report.documents == len(indexed)
