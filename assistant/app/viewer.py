"""The whole document behind a source card: its text as indexed, the quote highlighted.

Job: ``document_view(corpus_dir, doc_id, quote, page)`` finds the file of a citation in the corpus
folder (a plain name of a file directly inside it, nothing else), loads and cleans it exactly as
the index did, and renders it as escaped HTML with the cited quote in ``<mark>`` (for a PDF, the
cited page). The original file's path comes along for the download button.

Not its job: deciding what is cited (the pipeline's), Gradio (``handlers``). A name that is
not a document of the corpus is an ``InputError`` saying so; nothing outside ``corpus_dir`` is
ever read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, LoadError
from ..ingest.clean import clean_document
from ..ingest.load import load_file
from .export import esc, highlight

MAX_CHARS = 400_000  # a text view this long is unreadable anyway; the download has it all


@dataclass(frozen=True)
class DocumentView:
    """One document ready to show: its HTML, whether the quote was found, and its file."""

    doc_id: str
    html: str
    path: Path
    found: bool
    page: int | None = None


def corpus_file(corpus_dir: Path, doc_id: str) -> Path:
    """The file ``doc_id`` names directly inside ``corpus_dir``, or ``InputError``."""
    root = corpus_dir.resolve()
    name = Path(doc_id or "").name
    path = root / name
    if (
        not name
        or name != doc_id
        or name.startswith(".")
        or path.is_symlink()
        or path.resolve().parent != root
        or not path.is_file()
    ):
        raise InputError(
            f"{doc_id!r} is not a document of the corpus in {corpus_dir}; "
            "open a source card of a recent answer."
        )
    return path


def document_view(
    corpus_dir: Path, doc_id: str, quote: str = "", page: int | None = None
) -> DocumentView:
    """The document ``doc_id`` as HTML with ``quote`` highlighted (only ``page`` of a PDF)."""
    path = corpus_file(corpus_dir, doc_id)
    try:
        docs = [clean_document(d) for d in load_file(path, doc_id)]
    except LoadError as exc:
        raise InputError(f"{doc_id} cannot be shown as text ({exc}); download it instead.") from exc
    if page is not None and any(d.page == page for d in docs):
        docs = [d for d in docs if d.page == page]
    parts: list[str] = []
    found = False
    for doc in docs:
        text = doc.text[:MAX_CHARS]
        heading = f'<div class="qa-page">Page {doc.page}</div>' if doc.page is not None else ""
        if quote and not found and _contains(text, quote):
            body, found = highlight(text, quote), True
        else:
            body = esc(text)
        parts.append(f"{heading}<div class='qa-doc-text'>{body}</div>")
    note = (
        ""
        if found or not quote
        else '<div class="qa-warning">⚠ The quote is not in this text view word for word; '
        "the download has the original.</div>"
    )
    where = f" · page {page}" if page is not None else ""
    html = (
        f'<div class="qa-doc"><div class="qa-doc-title">{esc(doc_id)}{esc(where)}</div>'
        f"{note}{''.join(parts)}</div>"
    )
    return DocumentView(doc_id=doc_id, html=html, path=path, found=found, page=page)


def _contains(text: str, quote: str) -> bool:
    return " ".join(quote.split()) in " ".join(text.split())
