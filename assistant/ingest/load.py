"""Load files from disk into Documents, dispatching on the suffix, and read the corpus catalog.

Loaders: .txt and .md (UTF-8, falling back to Latin-1), .html/.htm (visible text only), .pdf (pypdf,
one Document per page, page numbers kept). A file that cannot be loaded raises ``LoadError`` naming
the file and the reason; the caller (the index build) skips it and goes on with the others.
This module does not clean text (see ``clean``) and does not decide what to index.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from ..errors import LoadError, UnsupportedFileError
from ..types import DocInfo, Document

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
CATALOG_NAMES = ("catalog.yaml", "catalog.yml", "catalog.json")
MAX_PDF_PAGES = 2000  # a longer PDF is almost certainly not a briefing; refuse it early
MAX_PAGE_CHARS = 400_000  # one page with more text than this is garbage, not prose


def _decode(data: bytes, path: Path) -> str:
    if not data.strip():
        raise LoadError(str(path), "the file is empty; add text or remove it")
    if b"\x00" in data[:8192]:
        raise LoadError(
            str(path), "binary content (NUL bytes) in a text file; is the suffix right?"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # never fails; Latin-1 is the common legacy encoding here
        log.warning("%s: not UTF-8, read as Latin-1", path)
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\n\r\t\f")
    if controls > 0.05 * min(len(text), 20000):
        raise LoadError(str(path), "mostly control characters; this is not a text document")
    return text


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise LoadError(str(path), "the file disappeared while loading") from exc
    except OSError as exc:
        raise LoadError(str(path), f"cannot be read ({exc.strerror or exc})") from exc


def load_text(path: Path, doc_id: str) -> list[Document]:
    return [Document(doc_id=doc_id, text=_decode(_read(path), path), source_path=str(path))]


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become line breaks. No nesting depth limit is needed:
    HTMLParser is a flat tokenizer, so deeply nested markup costs linear time."""

    BLOCKS = frozenset(
        "p div br li ul ol h1 h2 h3 h4 h5 h6 tr table section article header footer "
        "blockquote pre title td th".split()
    )
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skip_depth += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n" if tag.startswith("h") or tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def load_html(path: Path, doc_id: str) -> list[Document]:
    parser = _TextExtractor()
    try:
        parser.feed(_decode(_read(path), path))
        parser.close()
    except LoadError:
        raise
    except Exception as exc:  # HTMLParser is lenient; anything else is a broken file
        raise LoadError(str(path), f"HTML could not be parsed ({exc})") from exc
    text = re.sub(r"[ \t]+", " ", "".join(parser.parts))
    text = re.sub(r"\n\s*\n\s*(\n\s*)+", "\n\n", text).strip()
    if not text:
        raise LoadError(str(path), "the HTML has no visible text")
    return [Document(doc_id=doc_id, text=text, source_path=str(path))]


def load_pdf(path: Path, doc_id: str) -> list[Document]:
    from pypdf import PdfReader  # deferred: only PDF builds pay for the import
    from pypdf.errors import LimitReachedError

    data = _read(path)
    if not data.lstrip().startswith(b"%PDF"):
        raise LoadError(str(path), "not a PDF (no %PDF header); the file is corrupt or misnamed")
    try:
        import io

        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise LoadError(str(path), "the PDF is encrypted; save an unprotected copy and retry")
        if len(reader.pages) > MAX_PDF_PAGES:
            raise LoadError(
                str(path), f"{len(reader.pages)} pages, more than {MAX_PDF_PAGES}; split the file"
            )
        docs = []
        for number, page in enumerate(reader.pages, start=1):
            text = page.extract_text() or ""
            if len(text) > MAX_PAGE_CHARS:
                log.warning("%s: page %d has %d characters; cut", path, number, len(text))
                text = text[:MAX_PAGE_CHARS]
            if text.strip():
                docs.append(Document(doc_id, text, page=number, source_path=str(path)))
    except LoadError:
        raise
    except LimitReachedError as exc:  # a decompression bomb or a reference loop
        raise LoadError(
            str(path), f"the PDF exceeds a safety limit of the PDF reader ({exc}); corrupt?"
        ) from exc
    except RecursionError as exc:
        raise LoadError(str(path), "the PDF structure is nested too deeply (corrupt?)") from exc
    except Exception as exc:  # pypdf on damaged bytes raises almost anything: all mean corrupt
        raise LoadError(str(path), f"the PDF is corrupt ({type(exc).__name__}: {exc})") from exc
    if not docs:
        raise LoadError(str(path), "no extractable text (scanned pages?); OCR it first")
    return docs


LOADERS: dict[str, Callable[[Path, str], list[Document]]] = {
    ".txt": load_text,
    ".md": load_text,
    ".html": load_html,
    ".htm": load_html,
    ".pdf": load_pdf,
}


def load_file(
    path: Path, doc_id: str | None = None, max_bytes: int | None = None
) -> list[Document]:
    """Load one file into Documents (several for a PDF). Raises ``LoadError`` on any problem."""
    doc_id = doc_id or path.name
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise UnsupportedFileError(
            str(path),
            f"unsupported file type {path.suffix or '(none)'}; "
            f"supported: {', '.join(SUPPORTED_SUFFIXES)}",
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise LoadError(str(path), "the file disappeared while loading") from exc
    if max_bytes is not None and size > max_bytes:
        raise LoadError(
            str(path),
            f"{size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB limit "
            "(ASSISTANT_MAX_FILE_MB); split it or raise the limit",
        )
    return loader(path, doc_id)


def corpus_files(corpus_dir: Path) -> list[Path]:
    """Every regular file under the corpus folder that is not the catalog or hidden, sorted."""
    files = []
    for path in sorted(corpus_dir.rglob("*")):
        rel = path.relative_to(corpus_dir)
        if any(part.startswith(".") for part in rel.parts) or path.name in CATALOG_NAMES:
            continue
        if path.is_file() and not path.is_symlink():
            files.append(path)
    return files


def read_catalog(corpus_dir: Path) -> dict[str, dict[str, Any]]:
    """The catalog's entries by file name; an unreadable catalog is a warning, not a failure."""
    for name in CATALOG_NAMES:
        path = corpus_dir / name
        if path.exists():
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                entries = data.get("documents", {}) if isinstance(data, dict) else {}
                return {str(k): dict(v or {}) for k, v in entries.items()}
            except (yaml.YAMLError, OSError, AttributeError, TypeError) as exc:
                log.warning("%s: unreadable catalog (%s); using defaults", path, exc)
    return {}


def _default_title(doc_id: str, first_text: str) -> str:
    for line in first_text.splitlines()[:15]:
        line = line.strip().lstrip("#").strip()
        if 8 <= len(line) <= 120 and not line.endswith((".", ",", ";")):
            return line
    stem = Path(doc_id).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or doc_id


def doc_info(doc_id: str, entry: dict[str, Any] | None, first_text: str = "") -> DocInfo:
    """Catalog metadata for a document, with sensible defaults for what the catalog lacks."""
    entry = entry or {}
    kind = str(entry.get("kind") or "document")
    return DocInfo(
        doc_id=doc_id,
        title=str(entry.get("title") or _default_title(doc_id, first_text)),
        publisher=str(entry.get("publisher") or ""),
        author=str(entry.get("author") or ""),
        date=str(entry.get("date") or ""),
        kind=kind,
        original_name=str(entry.get("original_name") or doc_id),
        date_note=str(entry.get("date_note") or "").strip(),
    )
