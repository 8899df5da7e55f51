"""The event handlers of the Gradio app: chat, votes, exports, uploads and the `/ask` API.

Each handler takes and returns plain values for Gradio components and calls one ``Assistant``
method; the HTML of an answer comes from ``assistant.export`` (every text escaped there), uploads
go through ``assistant.uploads``, votes through ``assistant.feedback``. Not its job: layout (see
``ui.py``), retrieval, prompts, answering or verification.
"""

from __future__ import annotations

import json
import logging
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from . import export, feedback, uploads
from .config import Settings
from .errors import AssistantError, InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from .pipeline import Assistant
    from .types import Answer

log = logging.getLogger("assistant.ui")


def _history(turns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The conversation so far in the pipeline's format (plain answer text, never HTML)."""
    history: list[dict[str, str]] = []
    for turn in turns:
        history.append({"role": "user", "content": turn["question"]})
        history.append({"role": "assistant", "content": turn["answer"].answer})
    return history


def _user_message(question: str) -> dict[str, str]:
    return {"role": "user", "content": f'<div class="qa-question">{export.esc(question)}</div>'}


def _chat_messages(turns: list[dict[str, Any]], debug: bool) -> list[dict[str, str]]:
    messages = []
    for turn in turns:
        messages.append(_user_message(turn["question"]))
        messages.append(
            {"role": "assistant", "content": export.answer_html(turn["answer"], debug=debug)}
        )
    return messages


def _write_temp(name: str, text: str) -> str:
    folder = tempfile.mkdtemp(prefix="assistant-ui-")
    path = Path(folder) / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _backend(choice: str | None, custom: str | None) -> str | None:
    return (custom or "").strip() or (choice or "").strip() or None


def parse_history(history_json: str) -> list[dict[str, str]]:
    """The ``history`` argument of the API: a JSON list of {role, content} objects."""
    try:
        items = json.loads(history_json or "[]")
    except json.JSONDecodeError as exc:
        raise InputError(f"history is not valid JSON ({exc.msg}); send a JSON list.") from exc
    if not isinstance(items, list) or not all(
        isinstance(i, dict)
        and i.get("role") in ("user", "assistant")
        and isinstance(i.get("content"), str)
        for i in items
    ):
        raise InputError('history must be a list of {"role": "user"|"assistant", "content": str}')
    return [{"role": i["role"], "content": i["content"]} for i in items]


class Handlers:
    """The event handlers of one app, sharing one Assistant and one index lock."""

    def __init__(self, assistant: Assistant, settings: Settings) -> None:
        self.assistant = assistant
        self.settings = settings
        self.index_lock = threading.Lock()  # index() rewrites files and reloads: one at a time

    # chat ---------------------------------------------------------------------------------
    def respond(
        self,
        message: str,
        turns: list[dict[str, Any]],
        choice: str,
        custom: str,
        k: float,
        debug: bool,
    ) -> Iterator[tuple[Any, ...]]:
        question = (message or "").strip()
        if not question:
            gr.Warning("Type a question first.")
            yield gr.update(), gr.update(), turns, gr.update()
            return
        shown = [*_chat_messages(turns, debug), _user_message(question)]
        pending = {"role": "assistant", "content": export.streaming_html("")}
        yield "", [*shown, pending], turns, gr.update()
        answer: Answer | None = None
        text, note = "", ""
        try:
            for item in self.assistant.stream(
                question, _history(turns), llm=_backend(choice, custom), k=int(k)
            ):
                if isinstance(item, str):
                    text += item
                    pending = {"role": "assistant", "content": export.streaming_html(text)}
                    yield gr.update(), [*shown, pending], turns, gr.update()
                else:
                    answer = item
        except AssistantError as exc:
            note = str(exc)
        except Exception as exc:  # keep the session alive; the details go to the server log
            log.exception("answering %r failed", question)
            note = f"Something went wrong ({type(exc).__name__}); the server log has the details."
        if answer is None:
            failed = {"role": "assistant", "content": export.error_html(note or "No answer.")}
            yield gr.update(), [*shown, failed], turns, gr.update()
            return
        turns = [*turns, {"question": question, "history": _history(turns), "answer": answer}]
        yield gr.update(), _chat_messages(turns, debug), turns, self.export_file(turns)

    def export_file(self, turns: list[dict[str, Any]]) -> dict[str, Any]:
        """The download button of the conversation as Markdown (hidden before the first answer)."""
        if not turns:
            return gr.update(value=None, visible=False)
        pairs = [(t["question"], t["answer"]) for t in turns]
        path = _write_temp("conversation.md", export.conversation_markdown(pairs))
        return gr.update(value=path, visible=True)

    def vote(self, turns: list[dict[str, Any]], data: gr.LikeData) -> dict[str, Any]:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        if data.liked not in (True, False) or int(index) // 2 >= len(turns):
            return self.thumbs_down_file()  # an un-vote, or a vote on an error message
        turn = turns[int(index) // 2]
        vote: feedback.Vote = "up" if data.liked else "down"
        record = feedback.make_record(turn["question"], turn["history"], turn["answer"], vote)
        feedback.append_record(self.settings.feedback_log, record)
        gr.Info("Thanks, your vote is saved." if vote == "up" else "Thanks, noted for review.")
        return self.thumbs_down_file()

    def thumbs_down_file(self) -> dict[str, Any]:
        """The download button of every thumbs-down in the log as eval cases (JSONL)."""
        cases = feedback.thumbs_down_cases(feedback.read_records(self.settings.feedback_log))
        if not cases:
            return gr.update(value=None, visible=False)
        path = _write_temp("thumbs-down-cases.jsonl", feedback.cases_jsonl(cases))
        return gr.update(
            value=path,
            visible=True,
            label=f"Download {len(cases)} thumbs-down cases as eval cases (JSONL)",
        )

    # documents ------------------------------------------------------------------------------
    def document_rows(self) -> list[list[Any]]:
        keys = ("doc_id", "title", "publisher", "author", "date", "kind", "chunks")
        return [[d.get(key, "") for key in keys] for d in self.assistant.documents()]

    def upload(self, files: list[str] | str | None) -> tuple[str, list[list[Any]], None]:
        paths = [files] if isinstance(files, str) else list(files or [])
        lines: list[tuple[bool, str]] = []
        saved: list[uploads.SavedUpload] = []
        for path in paths:
            try:
                result = uploads.save_upload(
                    Path(path),
                    Path(path).name,
                    self.settings.corpus_dir,
                    max_mb=self.settings.max_upload_mb,
                )
            except InputError as exc:
                lines.append((False, str(exc)))
                continue
            if result.duplicate_of:
                lines.append(
                    (
                        True,
                        f"{result.requested_name}: already indexed as "
                        f"{result.duplicate_of}, not added again.",
                    )
                )
            else:
                saved.append(result)
        if saved:
            lines += self._index_saved(saved)
        for ok, text in lines:
            if not ok:
                gr.Warning(export.esc(text))
        status = "".join(
            f'<div class="{"qa-status-ok" if ok else "qa-status-error"}">'
            f"{'✓' if ok else '✗'} {export.esc(text)}</div>"
            for ok, text in lines
        )
        return status, self.document_rows(), None

    def _index_saved(self, saved: list[uploads.SavedUpload]) -> list[tuple[bool, str]]:
        with self.index_lock:
            report = self.assistant.index()
        skipped = {Path(file).name: reason for file, reason in report.skipped}
        chunks = {d["doc_id"]: d.get("chunks", 0) for d in self.assistant.documents()}
        lines = []
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
            took = f"{report.seconds:.1f} s"
            lines.append((True, f"{item.requested_name}{renamed}: indexed, {passages}, "
                                f"searchable now ({took})."))  # fmt: skip
        return lines

    # API --------------------------------------------------------------------------------------
    def ask_api(self, question: str, history: str = "[]", backend: str = "", k: int = 0) -> dict:
        """Answer a question with citations. history: JSON list of {role, content}; k=0: default."""
        answer = self.assistant.ask(
            question, parse_history(history), llm=backend.strip() or None, k=int(k) or None
        )
        return answer.to_dict()
