"""The Gradio web interface: chat with sources, settings, documents and uploads, feedback, export.

Job: render and call the pipeline. ``build_app(assistant, settings)`` returns the ``gr.Blocks`` app;
``main()`` loads the shared ``Assistant`` (building the index on first run) and launches it on
``settings.host:settings.port`` with a queue of ``settings.concurrency`` workers. The HTML of an
answer comes from ``assistant.export`` (every text escaped there); uploads go through
``assistant.uploads``, votes through ``assistant.feedback``.

Not its job: retrieval, prompts, answering or verification. Those live behind ``Assistant``.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant import export, feedback, uploads
from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError, InputError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from assistant.pipeline import Assistant
    from assistant.types import Answer

log = logging.getLogger("assistant.ui")

EXAMPLES = {
    "An SME looking for partners": [
        "Which aerospace clusters are in Querétaro and Chihuahua?",
        "What does the Aerocluster of Querétaro offer its members?",
        "Which energy clusters are there in Nuevo León?",
    ],
    "A staff member checking a figure": [
        "Does Canieti attribute 900,000 jobs to the high-tech clusters?",
        "When did Bombardier arrive in Querétaro?",
        "How many members does the Guanajuato IT cluster have?",
    ],
    "A developer probing edge cases": [
        "What is the population of the largest city on Mars?",
        "¿Qué clústeres aeroespaciales hay en Baja California?",
        "<b>Which</b> clusters are in Sonora? <script>alert(1)</script>",
        "And how many members does it have?",
    ],
}

# Layout only; the look of answers and source cards is export.CHAT_CSS.
APP_CSS = """
#documents .virtual-table-viewport * { font-family: var(--font) !important; }
@media (max-width: 480px) { #title h2 { font-size: 1.25rem; } }
"""


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


def _chat_tab(h: Handlers, settings: Settings) -> gr.DownloadButton:
    turns = gr.State([])
    chatbot = gr.Chatbot(
        label="Conversation",
        height="62vh",
        min_height=320,
        latex_delimiters=[],
        buttons=[],  # "copy" would copy our HTML; the Markdown download is the clean copy
        feedback_options=("Like", "Dislike"),
        placeholder="Ask about Mexico's industrial and IT clusters; answers cite their sources.",
        elem_id="chat",
    )
    with gr.Row(equal_height=True):
        question = gr.Textbox(
            show_label=False,
            placeholder="Your question (Enter to send)",
            lines=1,
            max_lines=6,
            scale=5,
            min_width=180,
            autofocus=True,
            elem_id="question",
        )
        send = gr.Button("Ask", variant="primary", scale=1, min_width=70, elem_id="ask")
    with gr.Accordion("Settings", open=False, elem_id="settings"):
        backends = ["extractive"] + ([settings.llm] if settings.llm != "extractive" else [])
        choice = gr.Dropdown(backends, value=settings.llm, label="Answer backend")
        custom = gr.Textbox(
            label="Other backend (overrides the list)",
            placeholder="openai:<model> | ollama:<model> | llamacpp:<path.gguf>",
        )
        k = gr.Slider(
            1, max(20, settings.top_k), value=settings.top_k, step=1, label="Number of sources (k)"
        )
        debug = gr.Checkbox(
            False, label="Debug: ranks, fused scores and timings per answer", elem_id="debug"
        )
        down_cases = gr.DownloadButton("Thumbs-down cases (JSONL)", size="sm", visible=False)
    for label, questions in EXAMPLES.items():
        gr.Examples([[q] for q in questions], inputs=[question], label=label)
    with gr.Row():
        download = gr.DownloadButton("Download conversation (Markdown)", size="sm", visible=False)
        clear = gr.Button("New conversation", size="sm")

    inputs = [question, turns, choice, custom, k, debug]
    outputs = [question, chatbot, turns, download]
    for event in (question.submit, send.click):
        event(h.respond, inputs, outputs, api_visibility="private")
    private: dict[str, Any] = {"api_visibility": "private"}
    chatbot.like(h.vote, [turns], [down_cases], **private)
    debug.change(_chat_messages, [turns, debug], [chatbot], **private)
    clear.click(lambda: ([], [], h.export_file([])), None, [chatbot, turns, download], **private)
    chatbot.clear(lambda: ([], h.export_file([])), None, [turns, download], **private)
    return down_cases


def _documents_tab(h: Handlers, settings: Settings) -> gr.Dataframe:
    gr.Markdown(
        f"Upload PDF, TXT, Markdown or HTML files (at most {settings.max_upload_mb:g} MB each). "
        "They are indexed at once and cited like the other documents."
    )
    files = gr.File(
        label="Add documents",
        file_count="multiple",
        file_types=list(uploads.ALLOWED_SUFFIXES),
        type="filepath",
        height=150,
        elem_id="upload",
    )
    status = gr.HTML(elem_id="upload-status")
    table = gr.Dataframe(
        headers=["file", "title", "publisher", "author", "date", "kind", "chunks"],
        datatype=["str", "str", "str", "str", "str", "str", "number"],
        interactive=False,
        wrap=True,
        column_widths=["19%", "29%", "18%", "11%", "8%", "8%", "7%"],
        label="Indexed documents",
        elem_id="documents",
    )
    files.upload(h.upload, [files], [status, table, files], api_visibility="private")
    return table


def build_app(assistant: Assistant | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The app around ``assistant`` (loaded from ``settings`` when not given)."""
    settings = settings or (assistant.settings if assistant is not None else Settings())
    if assistant is None:
        from assistant.pipeline import Assistant

        assistant = Assistant.load(settings)
    h = Handlers(assistant, settings)
    with gr.Blocks(title="Mexico clusters: document assistant", analytics_enabled=False) as app:
        gr.Markdown("## Mexico's industrial and IT clusters: ask the documents", elem_id="title")
        with gr.Tabs():
            with gr.Tab("Chat", id="chat-tab"):
                down_cases = _chat_tab(h, settings)
            with gr.Tab("Documents", id="documents-tab"):
                table = _documents_tab(h, settings)
        app.load(h.thumbs_down_file, None, [down_cases], api_visibility="private")
        app.load(h.document_rows, None, [table], api_visibility="private")
        gr.api(h.ask_api, api_name="ask", concurrency_limit=settings.concurrency)
    app.queue(default_concurrency_limit=settings.concurrency)
    return app


def load_assistant(settings: Settings) -> Assistant:
    """The shared Assistant; the index is built first when it is missing."""
    from assistant.pipeline import Assistant

    try:
        return Assistant.load(settings)
    except IndexMissingError:
        print("Building the index (first run)...", flush=True)
        return Assistant.load(settings, build_if_missing=True)


def main() -> None:
    """Load the assistant and serve the app on settings.host:settings.port."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    settings = Settings()
    try:
        assistant = load_assistant(settings)
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from exc
    app = build_app(assistant, settings)
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        theme=gr.themes.Default(),
        css=export.CHAT_CSS + APP_CSS,
        footer_links=["api"],
        max_file_size=f"{int(settings.max_upload_mb * 2) + 1}mb",  # ours is checked with a message
        show_error=True,
    )


if __name__ == "__main__":
    main()
