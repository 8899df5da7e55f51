"""The Gradio web interface: chat with sources, settings, documents and uploads, feedback, export.

Job: render and call the pipeline. ``build_app(assistant, settings)`` returns the ``gr.Blocks`` app:
a Chat tab (what it answers from, examples in the empty chat, Settings, a Developer section), a
Documents tab (uploads, deletes and replacements where ``uploads.access`` allows them) and a Source
tab (the whole document behind a source card). ``main()`` loads the shared ``Assistant`` (building
the index on first run, with progress), imports the embedding libraries in the background, and
launches on ``settings.host:settings.port`` with ``settings.concurrency`` workers. The HTML of an
answer comes from ``assistant.app.export``, its look and clicks from ``assistant.app.page``.

Not its job: retrieval, prompts, answering or verification. Those live behind ``Assistant``.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.app import page, uploads
from assistant.app.handlers import (  # noqa: F401 - re-exported for tests and scripts
    Handlers,
    _chat_messages,
    _history,
    _user_message,
    parse_history,
)
from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

log = logging.getLogger("assistant.ui")

# For the people who use the app; the edge-case probes (markup, foreign languages, a follow-up
# with nothing before it, questions the documents cannot answer) live in the tests.
EXAMPLES = [
    "Which aerospace clusters are in Querétaro and Chihuahua?",
    "What does the Aerocluster of Querétaro offer its members?",
    "Which energy clusters are there in Nuevo León?",
    "Does Canieti attribute 900,000 jobs to the high-tech clusters?",
    "When did Bombardier arrive in Querétaro?",
    "How many members does the Guanajuato IT cluster have?",
]
BACKEND_HELP = (
    "Runs on the server: ollama:<model> needs `pip install langchain-ollama` there and a running "
    "Ollama; llamacpp:<path.gguf> a model file on the server; openai:<model> the server set by "
    "ASSISTANT_OPENAI_BASE_URL. ASSISTANT_LLM on the server sets the default."
)
PRIVATE: dict[str, Any] = {"api_visibility": "private"}


def _chat_tab(h: Handlers, settings: Settings) -> tuple[gr.DownloadButton, gr.HTML]:
    turns = gr.State([])
    coverage = gr.HTML(h.library.coverage(), elem_id="coverage")
    chatbot = gr.Chatbot(
        show_label=False,  # a floating "Conversation" label covered the first line of a scroll
        height="58vh",
        min_height=300,
        latex_delimiters=[],
        buttons=[],  # "copy" would copy our HTML; the Markdown download is the clean copy
        feedback_options=("Like", "Dislike"),
        placeholder="**Ask about Mexico's industrial and IT clusters.** Every answer cites its "
        "sources; click a [n] to see the passage. Try one of these:",
        examples=[{"text": q} for q in EXAMPLES],
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
    with gr.Row():
        download = gr.DownloadButton("Download conversation (Markdown)", size="sm", visible=False)
        clear = gr.Button("New conversation", size="sm")
    with gr.Accordion("Settings", open=False, elem_id="settings"):
        backends = ["extractive"] + ([settings.llm] if settings.llm != "extractive" else [])
        choice = gr.Dropdown(backends, value=settings.llm, label="Answer backend")
        custom = gr.Textbox(
            label="Other backend (overrides the list)",
            placeholder="openai:<model> | ollama:<model> | llamacpp:<path.gguf>",
            info=BACKEND_HELP,
            elem_id="backend",
        )
        k = gr.Slider(
            1, max(20, settings.top_k), value=settings.top_k, step=1, label="Number of sources (k)"
        )
    with gr.Accordion("Developer", open=False, elem_id="developer"):
        debug = gr.Checkbox(
            False, label="Debug: ranks, fused scores and timings per answer", elem_id="debug"
        )
        down_cases = gr.DownloadButton("Thumbs-down cases (JSONL)", size="sm", visible=False)

    inputs = [question, turns, choice, custom, k, debug]
    outputs = [question, chatbot, turns, download]
    for event in (question.submit, send.click):
        event(h.respond, inputs, outputs, **PRIVATE)
    chatbot.example_select(h.pick_example, None, [question], **PRIVATE).then(
        h.respond, inputs, outputs, **PRIVATE
    )
    chatbot.like(h.vote, [turns], [down_cases], **PRIVATE)
    debug.change(_chat_messages, [turns, debug], [chatbot], **PRIVATE)
    clear.click(lambda: ([], [], h.export_file([])), None, [chatbot, turns, download], **PRIVATE)
    chatbot.clear(lambda: ([], h.export_file([])), None, [turns, download], **PRIVATE)
    return down_cases, coverage


def _documents_tab(h: Handlers, settings: Settings, coverage: gr.HTML) -> list[Any]:
    lib = h.library
    if lib.rule.allowed:
        gr.Markdown(
            f"Upload PDF, TXT, Markdown or HTML files (at most {settings.max_upload_mb:g} MB "
            "each). They are indexed at once and cited like the other documents; questions keep "
            "being answered from the last complete index meanwhile."
        )
    else:
        gr.Markdown(lib.rule.reason, elem_id="uploads-off")
    token = gr.Textbox(
        label="Upload token (ASSISTANT_UPLOAD_TOKEN of the server)",
        type="password",
        visible=lib.rule.needs_token,
        elem_id="token",
    )
    files = gr.File(
        label="Add documents",
        file_count="multiple",
        file_types=list(uploads.ALLOWED_SUFFIXES),
        type="filepath",
        height=150,
        visible=lib.rule.allowed,
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
    with gr.Row(visible=lib.rule.allowed, equal_height=True):
        picked = gr.Dropdown([], label="Document", scale=3, elem_id="pick")
        delete = gr.Button(
            "Delete (to the trash folder)", variant="stop", scale=1, elem_id="delete"
        )
        new_file = gr.File(
            label="Replace it with a new version",
            file_count="single",
            file_types=list(uploads.ALLOWED_SUFFIXES),
            type="filepath",
            height=110,
            scale=2,
            elem_id="replace",
        )

    def upload(files: Any, token: str, progress: Any = gr.Progress()) -> Any:  # noqa: B008
        return lib.upload(files, token, progress)

    def remove(doc: str, token: str, progress: Any = gr.Progress()) -> Any:  # noqa: B008
        return lib.delete(doc, token, progress)

    def renew(doc: str, file: Any, token: str, progress: Any = gr.Progress()) -> Any:  # noqa: B008
        return lib.replace(doc, file, token, progress)

    changed = [status, table, files, coverage, picked]
    files.upload(upload, [files, token], changed, **PRIVATE)
    delete.click(remove, [picked, token], changed, **PRIVATE)
    new_file.upload(renew, [picked, new_file, token], [status, table, new_file, coverage, picked],
                    **PRIVATE)  # fmt: skip
    return [table, coverage, picked]


def _source_tab(tabs: gr.Tabs) -> tuple[gr.HTML, gr.DownloadButton]:
    with gr.Row():
        back = gr.Button("Back to the chat", size="sm", elem_id="back")
        original = gr.DownloadButton(
            "Download the original file", size="sm", visible=False, elem_id="original"
        )
    viewer = gr.HTML(
        '<div class="qa-doc">Click "Open document" on a source card to read it here.</div>',
        elem_id="viewer",
    )
    back.click(lambda: gr.Tabs(selected="chat-tab"), None, [tabs], **PRIVATE)
    return viewer, original


def _opener(h: Handlers, tabs: gr.Tabs, viewer: gr.HTML, original: gr.DownloadButton) -> None:
    """The hidden button ``page.JS`` clicks for "Open document" (outside the tabs: a tab not
    shown yet is not in the page)."""
    request = gr.Textbox(elem_classes="qa-hidden", elem_id="open-request", container=False)
    go = gr.Button("open", elem_classes="qa-hidden", elem_id="open-go")
    go.click(h.library.open_document, [request], [viewer, original, tabs],
             js="() => window.__qaOpen || ''", **PRIVATE).then(
        None, None, None, js=page.SHOW_QUOTE, **PRIVATE)  # fmt: skip


def build_app(assistant: Assistant | None = None, settings: Settings | None = None) -> gr.Blocks:
    """The app around ``assistant`` (loaded from ``settings`` when not given)."""
    settings = settings or (assistant.settings if assistant is not None else Settings())
    if assistant is None:
        from assistant.pipeline import Assistant

        assistant = Assistant.load(settings)
    h = Handlers(assistant, settings)
    with gr.Blocks(title="Mexico clusters: document assistant", analytics_enabled=False) as app:
        gr.Markdown("## Mexico's industrial and IT clusters: ask the documents", elem_id="title")
        with gr.Tabs(elem_id="tabs") as tabs:
            with gr.Tab("Chat", id="chat-tab"):
                down_cases, coverage = _chat_tab(h, settings)
            with gr.Tab("Documents", id="documents-tab"):
                shown = _documents_tab(h, settings, coverage)
            with gr.Tab("Source", id="source-tab"):
                viewer, original = _source_tab(tabs)
        _opener(h, tabs, viewer, original)
        app.load(h.thumbs_down_file, None, [down_cases], **PRIVATE)
        app.load(h.library.refreshed, None, shown, **PRIVATE)
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
        print(f"  from {settings.corpus_dir} into {settings.index_dir}", flush=True)

        def step(done: int, total: int, name: str) -> None:
            print(f"  indexed {done}/{total}: {name}", flush=True)

        return Assistant.load(settings, build_if_missing=True, progress=step)


def _warm_up() -> None:
    """Import the embedding model's libraries (torch: ~8 s here) before the first upload needs
    them, so that upload starts indexing at once."""
    try:
        import sentence_transformers  # noqa: F401
    except Exception:  # the upload will report it with its own message
        log.exception("loading sentence-transformers in the background failed")


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
    if uploads.access(settings.host, settings.remote_uploads, settings.upload_token).allowed:
        threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()
    app.launch(
        server_name=settings.host,
        server_port=settings.port,
        theme=gr.themes.Default(),
        css=page.CSS,
        js=page.JS,
        footer_links=["api"],
        max_file_size=f"{int(settings.max_upload_mb * 2) + 1}mb",  # ours is checked with a message
        show_error=True,
    )


if __name__ == "__main__":
    main()
