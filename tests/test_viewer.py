"""viewer.py: a source card opens its whole document, the quote highlighted, nothing else read."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.app.viewer import document_view
from assistant.errors import InputError


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "drones.md").write_text(
        "# Drone Alliance\n\nThe alliance was founded in 2023.\n\n"
        "It has 27 members <b>and</b> a board.\n",
        encoding="utf-8",
    )
    (tmp_path / "secret.txt").write_text("outside the corpus", encoding="utf-8")
    return folder


def test_the_whole_document_with_the_quote_marked_and_its_file(corpus: Path) -> None:
    view = document_view(corpus, "drones.md", "It has 27 members <b>and</b> a board.")
    assert view.found and view.path == (corpus / "drones.md").resolve()
    assert "The alliance was founded in 2023." in view.html  # the rest of the document too
    assert "<mark>It has 27 members &lt;b&gt;and&lt;/b&gt; a board.</mark>" in view.html
    assert "<b>" not in view.html


def test_a_quote_not_found_word_for_word_says_so(corpus: Path) -> None:
    view = document_view(corpus, "drones.md", "A sentence the document lacks.")
    assert not view.found and "<mark>" not in view.html
    assert "not in this text view word for word" in view.html


@pytest.mark.parametrize("name", ["../secret.txt", "/etc/passwd", "missing.txt", ".hidden", ""])
def test_only_documents_directly_in_the_corpus_are_opened(corpus: Path, name: str) -> None:
    with pytest.raises(InputError, match="not a document of the corpus"):
        document_view(corpus, name)


def test_a_symlink_in_the_corpus_is_not_followed(corpus: Path) -> None:
    (corpus / "link.txt").symlink_to(corpus.parent / "secret.txt")
    with pytest.raises(InputError, match="not a document of the corpus"):
        document_view(corpus, "link.txt")


def test_a_pdf_opens_at_the_cited_page(corpus: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in ("Page one talks about ports.", "Page two says the fair opens in May."):
        pdf.add_page()
        pdf.cell(text=text)
    pdf.output(str(corpus / "fair.pdf"))
    view = document_view(corpus, "fair.pdf", "the fair opens in May.", page=2)
    assert view.found and view.page == 2
    assert "Page 2" in view.html and "ports" not in view.html
