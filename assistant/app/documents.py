"""The documents side of the Gradio app: what the chat answers from, uploads, deletes, replaces,
and the whole document behind a source card.

Job: ``Library`` holds the handlers that change or show the corpus. Changes go through
``uploads`` (names, types, sizes, the trash folder, who may change anything) and one
``Assistant.index()`` at a time; while one runs, ``busy`` is true and the chat says its answers
come from the last complete index. A change whose file cannot be indexed is undone: a refused or
unreadable upload leaves the corpus as it was, a failed replacement puts the old version back.

Not its job: layout (``ui.py``), the chat (``handlers``), loading or indexing files (the
pipeline's).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..config import Settings
from ..errors import AssistantError, InputError
from . import export, uploads
from .viewer import document_view

if TYPE_CHECKING:
    from ..pipeline import Assistant

Line = tuple[bool, str]
COLUMNS = ("doc_id", "title", "publisher", "author", "date", "kind", "chunks")


def status_html(lines: list[Line]) -> str:
    return "".join(
        f'<div class="{"qa-status-ok" if ok else "qa-status-error"}">'
        f"{'✓' if ok else '✗'} {export.esc(text)}</div>"
        for ok, text in lines
    )


def coverage_html(documents: list[dict[str, Any]]) -> str:
    """ "Answers from 5 documents (2017–2021)", the titles on hover."""
    if not documents:
        return '<div class="qa-coverage">No documents are indexed yet: add some in Documents.</div>'
    titles = "\n".join(f"• {d.get('title') or d['doc_id']}" for d in documents)
    years = sorted(
        int(y) for d in documents for y in re.findall(r"\b(?:19|20)\d\d\b", d.get("date") or "")[:1]
    )
    span = "" if not years else f" dated {years[0]}" if years[0] == years[-1] else (
        f" dated {years[0]}–{years[-1]}")  # fmt: skip
    undated = sum(1 for d in documents if not re.search(r"\d{4}", d.get("date") or ""))
    extra = f" ({undated} undated)" if undated and years else ""
    count = f"{len(documents)} document{'' if len(documents) == 1 else 's'}"
    return (
        f'<div class="qa-coverage">Answers only from <span class="qa-titles" '
        f'title="{export.esc(titles)}" tabindex="0">{count}</span>{span}{extra}; '
        "hover for their titles, the Documents tab lists them.</div>"
    )


class Library:
    """The corpus as the app shows and changes it, one index update at a time."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.rule = uploads.access(settings.host, settings.remote_uploads, settings.upload_token)
        self.trash_dir = settings.trash_dir or settings.corpus_dir.parent / "trash"
        self.index_lock = threading.Lock()  # index() rewrites files and reloads: one at a time
        self._busy = threading.Event()

    # reading ----------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        """Whether an index update is running (answers come from the last complete index)."""
        return self._busy.is_set()

    def rows(self) -> list[list[Any]]:
        return [[d.get(key, "") for key in COLUMNS] for d in self.assistant.documents()]

    def coverage(self) -> str:
        return coverage_html(self.assistant.documents())

    def names(self) -> dict[str, Any]:
        docs = [d["doc_id"] for d in self.assistant.documents()]
        return gr.update(choices=docs, value=None)

    def refreshed(self) -> tuple[list[list[Any]], str, dict[str, Any]]:
        return self.rows(), self.coverage(), self.names()

    def open_document(self, request: str) -> tuple[str, dict[str, Any], Any]:
        """The Source tab for a card's {doc, quote, page}: the text, the file, the tab."""
        try:
            asked = json.loads(request or "{}")
            page = int(asked["page"]) if str(asked.get("page") or "").isdigit() else None
            view = document_view(
                self.settings.corpus_dir,
                str(asked.get("doc", "")),
                str(asked.get("quote", "")),
                page,
            )
        except (AssistantError, ValueError, AttributeError) as exc:
            return (
                export.error_html(str(exc)),
                gr.update(visible=False),
                gr.Tabs(selected="source-tab"),
            )
        folder = Path(tempfile.mkdtemp(prefix="assistant-doc-"))
        copy = shutil.copy(view.path, folder / view.path.name)  # served from Gradio's temp files
        button = gr.update(value=str(copy), visible=True, label=f"Download {view.doc_id}")
        return view.html, button, gr.Tabs(selected="source-tab")

    # changing -----------------------------------------------------------------------------------
    @contextmanager
    def _updating(self) -> Iterator[None]:
        with self.index_lock:
            self._busy.set()
            try:
                yield
            finally:
                self._busy.clear()

    def _index(self, progress: Callable[..., Any] | None) -> Any:
        def step(done: int, total: int, name: str) -> None:
            if progress is not None:
                progress((done, total), desc=f"Indexing {name}")

        if progress is not None:
            progress(0, desc="Loading the embedding model and indexing…")
        return self.assistant.index(progress=step)

    def _outputs(self, lines: list[Line]) -> tuple[str, list[list[Any]], None, str, dict[str, Any]]:
        for ok, text in lines:
            if not ok:
                gr.Warning(export.esc(text))
        return (status_html(lines), self.rows(), None, self.coverage(), self.names())

    def upload(
        self, files: list[str] | str | None, token: str = "", progress: Any = None
    ) -> tuple[str, list[list[Any]], None, str, dict[str, Any]]:
        paths = [files] if isinstance(files, str) else list(files or [])
        try:
            uploads.check_token(self.rule, self.settings.upload_token, token)
        except InputError as exc:
            return self._outputs([(False, str(exc))])
        lines: list[Line] = []
        saved: list[uploads.SavedUpload] = []
        for path in paths:
            try:
                result = uploads.save_upload(
                    Path(path), Path(path).name, self.settings.corpus_dir,
                    max_mb=self.settings.max_upload_mb,
                )  # fmt: skip
            except InputError as exc:
                lines.append((False, str(exc)))
                continue
            if result.duplicate_of:
                lines.append((True, f"{result.requested_name}: already indexed as "
                                    f"{result.duplicate_of}, not added again."))  # fmt: skip
            else:
                saved.append(result)
        if saved:
            with self._updating():
                lines += self._indexed(saved, self._index(progress))
        return self._outputs(lines)

    def _indexed(self, saved: list[uploads.SavedUpload], report: Any) -> list[Line]:
        skipped = {Path(file).name: reason for file, reason in report.skipped}
        chunks = {d["doc_id"]: d.get("chunks", 0) for d in self.assistant.documents()}
        lines: list[Line] = []
        for item in saved:
            name = item.path.name
            renamed = f" (stored as {name})" if item.renamed else ""
            reason = skipped.get(name) or ("" if name in chunks else "no text found in it")
            if reason:
                item.path.unlink(missing_ok=True)  # keep the corpus free of files we cannot read
                lines.append((False, f"{item.requested_name}: not indexed: {reason}"))
                continue
            count = chunks[name]
            passages = f"{count} passage{'' if count == 1 else 's'}"
            lines.append((True, f"{item.requested_name}{renamed}: indexed, {passages}, "
                                f"searchable now ({report.seconds:.1f} s)."))  # fmt: skip
        return lines

    def delete(
        self, doc_id: str | None, token: str = "", progress: Any = None
    ) -> tuple[str, list[list[Any]], None, str, dict[str, Any]]:
        """Move the document to the trash folder and drop it from the index."""
        try:
            uploads.check_token(self.rule, self.settings.upload_token, token)
            if not doc_id:
                raise InputError("Pick the document to delete from the list first.")
            with self._updating():
                trashed = uploads.move_to_trash(self.settings.corpus_dir, doc_id, self.trash_dir)
                try:
                    self._index(progress)
                except Exception:
                    uploads.put_back(trashed, self.settings.corpus_dir, doc_id)
                    raise
        except AssistantError as exc:
            return self._outputs([(False, str(exc))])
        return self._outputs(
            [(True, f"{doc_id}: deleted from the index; the file is in {trashed}.")]
        )

    def replace(
        self, doc_id: str | None, file: str | None, token: str = "", progress: Any = None
    ) -> tuple[str, list[list[Any]], None, str, dict[str, Any]]:
        """Store ``file`` as the new version of ``doc_id``; the old one goes to the trash, and
        comes back when the new one cannot be indexed."""
        try:
            uploads.check_token(self.rule, self.settings.upload_token, token)
            if not doc_id or not file:
                raise InputError("Pick the document to replace, then choose its new file.")
            corpus = self.settings.corpus_dir
            data = uploads.replace_file(
                Path(file), corpus, doc_id, max_mb=self.settings.max_upload_mb
            )
            with self._updating():
                trashed = uploads.move_to_trash(corpus, doc_id, self.trash_dir)
                new = uploads.write_new(corpus, doc_id, data)
                report = self._index(progress)
                reason = dict((Path(f).name, r) for f, r in report.skipped).get(doc_id)
                if reason or doc_id not in {d["doc_id"] for d in self.assistant.documents()}:
                    new.unlink(missing_ok=True)
                    uploads.put_back(trashed, corpus, doc_id)
                    self.assistant.index()
                    why = reason or "no text found in it"
                    raise InputError(
                        f"{doc_id}: the new file cannot be indexed ({why}); the old one stays."
                    )
        except AssistantError as exc:
            return self._outputs([(False, str(exc))])
        return self._outputs(
            [(True, f"{doc_id}: replaced and indexed; the old version is in {trashed}.")]
        )
