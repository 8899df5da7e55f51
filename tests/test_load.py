"""Loaders (assistant.ingest.load) and the index build's handling of bad input files.

Every bad file is built through ``assistant.store.build.build_index`` with the fake embedder: it
must give exactly one ``IndexReport.skipped`` entry naming the file and the reason, while every good
file is still indexed. PDFs are made with fpdf2 in a temporary folder.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

import assistant.store.build
from assistant.errors import LoadError, UnsupportedFileError
from assistant.ingest.load import corpus_files, doc_info, load_file, read_catalog
from assistant.store.build import IndexReport, build_index
from assistant.store.embed import HashEmbedder
from assistant.store.index import load_index


def make_pdf(path: Path, pages: list[str], password: str | None = None) -> Path:
    """A real PDF with one page per string ("" gives a page without text)."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
    if password:
        pdf.set_encryption(owner_password="owner-" + password, user_password=password)
    pdf.output(str(path))
    return path


# Loaders by suffix --------------------------------------------------------------------------------


def test_txt_and_md_are_read_as_utf8(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("The Aerocluster of Querétaro.\n", encoding="utf-8")
    md = tmp_path / "b.md"
    md.write_text("# Title\n\nNuevo León has 22 IT clusters.\n", encoding="utf-8")
    (doc,) = load_file(txt)
    assert doc.text == "The Aerocluster of Querétaro.\n"
    assert (doc.doc_id, doc.page, doc.source_path) == ("a.txt", None, str(txt))
    (doc,) = load_file(md, doc_id="sub/b.md")
    assert doc.doc_id == "sub/b.md" and "Nuevo León has 22 IT clusters." in doc.text


def test_utf8_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffQuerétaro".encode())
    assert load_file(path)[0].text == "Querétaro"


def test_html_keeps_visible_text_only(tmp_path: Path) -> None:
    path = tmp_path / "page.HTML"  # suffixes are matched case-insensitively
    path.write_text(
        "<html><head><title>Tab title</title><style>p {color: red}</style></head><body>"
        "<script>var secret = 'tracking';</script><noscript>enable js</noscript>"
        "<h1>Cluster News</h1><p>The cluster has 45&nbsp;members &amp; 3 committees.</p>"
        "<ul><li>First item</li><li>Second item</li></ul></body></html>",
        encoding="utf-8",
    )
    (doc,) = load_file(path)
    for hidden in ("secret", "tracking", "color", "enable js", "Tab title", "<", ">"):
        assert hidden not in doc.text
    assert "Cluster News" in doc.text
    assert "The cluster has 45\u00a0members & 3 committees." in doc.text
    lines = [line.strip() for line in doc.text.splitlines()]
    assert "First item" in lines and "Second item" in lines  # block elements break lines


def test_html_without_visible_text_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><script>x=1</script></head><body> </body></html>")
    with pytest.raises(LoadError, match="no visible text"):
        load_file(path)


def test_pdf_gives_one_document_per_page_with_page_numbers(tmp_path: Path) -> None:
    path = make_pdf(
        tmp_path / "report.pdf",
        ["First page about Querétaro.", "", "Third page about Nuevo León."],
    )
    docs = load_file(path)
    assert [d.page for d in docs] == [1, 3]  # the page without text is left out, numbers kept
    assert "Querétaro" in docs[0].text and "Nuevo León" in docs[1].text
    assert {d.doc_id for d in docs} == {"report.pdf"}


def test_unsupported_suffix_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "slides.pptx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedFileError, match=r"slides\.pptx.*unsupported file type \.pptx"):
        load_file(path)
    with pytest.raises(UnsupportedFileError, match="README"):
        load_file(tmp_path / "README")  # no suffix at all


def test_size_limit_is_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 2000)
    with pytest.raises(LoadError, match="over the 0 MB limit"):
        load_file(path, max_bytes=1000)
    assert load_file(path, max_bytes=5000)[0].text == "x" * 2000


def test_corpus_files_skips_catalog_and_hidden_files(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text("documents: {}\n")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("b")
    (tmp_path / "a.txt").write_text("a")
    assert [p.relative_to(tmp_path).as_posix() for p in corpus_files(tmp_path)] == [
        "a.txt",
        "sub/b.txt",
    ]


def test_catalog_metadata_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text(
        "documents:\n  a.txt:\n    title: Alpha\n    publisher: P\n    date: '2019'\n"
    )
    entry = read_catalog(tmp_path)["a.txt"]
    info = doc_info("a.txt", entry)
    assert (info.title, info.publisher, info.date, info.kind) == ("Alpha", "P", "2019", "document")
    # no catalog entry: the first title-like line, else the file name
    assert doc_info("x.txt", None, "Cluster Landscape Report\nBody text.").title == (
        "Cluster Landscape Report"
    )
    assert doc_info("my-file_name.txt", None, "").title == "My file name"


def test_unreadable_catalog_falls_back_to_defaults(tmp_path: Path) -> None:
    (tmp_path / "catalog.yaml").write_text("documents: [unclosed\n")
    assert read_catalog(tmp_path) == {}


# Bad inputs through the index build ---------------------------------------------------------------

GOOD = {
    "alpha.txt": "Alpha Report\n\nThe Alpha Aerospace Cluster in Querétaro has 45 members.\n",
    "beta.md": "# Beta\n\nThe Beta IT Cluster in Nuevo León represents 22 IT clusters.\n",
}


def good_corpus(tmp_path: Path) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in GOOD.items():
        (corpus / name).write_text(text, encoding="utf-8")
    return corpus


def build(corpus: Path, tmp_path: Path) -> IndexReport:
    return build_index(corpus, tmp_path / "index", HashEmbedder())


def assert_skipped_only(report: IndexReport, name: str, reason: str, tmp_path: Path) -> None:
    """Exactly one skipped entry for ``name`` whose reason contains ``reason``; the good files are
    indexed and the index loads."""
    assert len(report.skipped) == 1, report.skipped
    skipped_name, skipped_reason = report.skipped[0]
    assert skipped_name == name
    assert reason in skipped_reason
    assert report.partial
    index = load_index(tmp_path / "index")
    assert {c.doc_id for c in index.chunks} == set(GOOD)
    assert set(index.docs) == set(GOOD)
    assert report.documents == len(GOOD)


def _empty(corpus: Path) -> None:
    (corpus / "empty.txt").write_bytes(b"")


def _blank(corpus: Path) -> None:
    (corpus / "blank.md").write_text("  \n\n\t\n")


def _binary(corpus: Path) -> None:
    (corpus / "binary.txt").write_bytes(bytes(range(256)) * 64)


def _controls(corpus: Path) -> None:
    (corpus / "controls.txt").write_bytes(bytes(range(1, 32)) * 200)


def _corrupt_pdf(corpus: Path) -> None:
    (corpus / "corrupt.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)


def _misnamed_pdf(corpus: Path) -> None:
    (corpus / "misnamed.pdf").write_text("plain text with a .pdf suffix")


def _truncated_pdf(corpus: Path) -> None:
    whole = make_pdf(corpus / "whole.pdf", ["Some text on a page."]).read_bytes()
    (corpus / "whole.pdf").unlink()
    (corpus / "truncated.pdf").write_bytes(whole[: len(whole) // 2])


def _encrypted_pdf(corpus: Path) -> None:
    make_pdf(corpus / "encrypted.pdf", ["Secret text about clusters."], password="user")


def _textless_pdf(corpus: Path) -> None:
    make_pdf(corpus / "scanned.pdf", ["", ""])


def _unsupported(corpus: Path) -> None:
    (corpus / "slides.pptx").write_bytes(b"PK\x03\x04 not really a deck")


def _big(corpus: Path) -> None:
    with open(corpus / "huge.txt", "wb") as fh:
        fh.truncate(50_000_000)  # sparse: 50 MB on paper, nothing written


BAD_FILES: list[tuple[Callable[[Path], None], str, str]] = [
    (_empty, "empty.txt", "empty"),
    (_blank, "blank.md", "empty"),
    (_binary, "binary.txt", "binary"),
    (_controls, "controls.txt", "control characters"),
    (_corrupt_pdf, "corrupt.pdf", "corrupt"),
    (_misnamed_pdf, "misnamed.pdf", "not a PDF"),
    (_truncated_pdf, "truncated.pdf", "corrupt"),
    (_encrypted_pdf, "encrypted.pdf", "encrypted"),
    (_textless_pdf, "scanned.pdf", "no extractable text"),
    (_unsupported, "slides.pptx", "unsupported file type"),
    (_big, "huge.txt", "over the 20 MB limit"),
]


@pytest.mark.parametrize(("make", "name", "reason"), BAD_FILES, ids=[b[1] for b in BAD_FILES])
def test_bad_file_is_skipped_with_its_reason(
    tmp_path: Path, make: Callable[[Path], None], name: str, reason: str
) -> None:
    corpus = good_corpus(tmp_path)
    make(corpus)
    report = build(corpus, tmp_path)
    assert_skipped_only(report, name, reason, tmp_path)


def test_all_bad_files_at_once(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    for make, _, _ in BAD_FILES:
        make(corpus)
    report = build(corpus, tmp_path)
    assert sorted(name for name, _ in report.skipped) == sorted(name for _, name, _ in BAD_FILES)
    assert report.documents == len(GOOD)
    assert {c.doc_id for c in load_index(tmp_path / "index").chunks} == set(GOOD)


def test_latin1_file_is_indexed_with_its_accents(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "legacy.txt").write_bytes(
        "El Clúster Aeroespacial de Querétaro tiene 45 miembros.\n".encode("latin-1")
    )
    report = build(corpus, tmp_path)
    assert report.skipped == []
    index = load_index(tmp_path / "index")
    text = " ".join(c.text for c in index.chunks if c.doc_id == "legacy.txt")
    assert "Querétaro" in text and "Clúster" in text
    assert "\ufffd" not in text


def test_file_disappearing_mid_build_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "vanishing.txt").write_text("This file is listed, then deleted before loading.\n")
    original = assistant.store.build._chunk_file

    def delete_then_chunk(path: Path, *args: object, **kwargs: object) -> object:
        if path.name == "vanishing.txt":
            path.unlink()
        return original(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(assistant.store.build, "_chunk_file", delete_then_chunk)
    report = build(corpus, tmp_path)
    assert_skipped_only(report, "vanishing.txt", "disappeared", tmp_path)


def test_file_disappearing_before_hashing_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = good_corpus(tmp_path)
    (corpus / "gone.txt").write_text("Listed, then gone before its hash is taken.\n")
    listed = assistant.store.build.corpus_files(corpus)
    (corpus / "gone.txt").unlink()
    monkeypatch.setattr(assistant.store.build, "corpus_files", lambda _dir: listed)
    report = build(corpus, tmp_path)
    assert_skipped_only(report, "gone.txt", "cannot be read", tmp_path)


def test_pdf_in_the_corpus_is_indexed_page_by_page(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    make_pdf(
        corpus / "brief.pdf",
        ["Cluster Brief\nThe Monterrey Aerocluster has 60 members.", "", "It was founded in 2009."],
    )
    report = build(corpus, tmp_path)
    assert report.skipped == []
    index = load_index(tmp_path / "index")
    pages = {c.page for c in index.chunks if c.doc_id == "brief.pdf"}
    assert pages == {1, 3}
    # a PDF without a catalog entry is never titled with its raw bytes ("%PDF-1.3")
    assert not index.docs["brief.pdf"].title.startswith("%PDF")


def test_a_bad_file_does_not_make_every_run_a_rebuild(tmp_path: Path) -> None:
    corpus = good_corpus(tmp_path)
    _empty(corpus)
    first = build(corpus, tmp_path)
    manifest = (tmp_path / "index" / "manifest.json").read_text()
    second = build(corpus, tmp_path)
    assert second.skipped == first.skipped  # still reported on every run
    assert second.embedded == 0 and not second.changed
    assert (tmp_path / "index" / "manifest.json").read_text() == manifest


@pytest.mark.model
def test_cli_index_exits_3_when_files_were_skipped(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from assistant.cli import EXIT_PARTIAL, main

    corpus = good_corpus(tmp_path)
    _corrupt_pdf(corpus)
    env = {"ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_INDEX_DIR": str(tmp_path / "index")}
    result = CliRunner().invoke(main, ["index"], env=env)
    assert result.exit_code == EXIT_PARTIAL == 3, result.output
    assert "corrupt.pdf" in result.output and "corrupt" in result.output
    assert {c.doc_id for c in load_index(tmp_path / "index").chunks} == set(GOOD)
    (corpus / "corrupt.pdf").unlink()
    result = CliRunner().invoke(main, ["index"], env=env)
    assert result.exit_code == 0, result.output
