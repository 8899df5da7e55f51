"""The Gradio web interface: chat with sources, settings, documents and uploads, feedback, export.

Job: render and call the pipeline. ``build_app(assistant, settings)`` returns the ``gr.Blocks`` app;
``main()`` loads the shared ``Assistant`` (building the index on first run) and launches it on
``settings.host:settings.port`` with a queue of ``settings.concurrency`` workers. The HTML of an
answer comes from ``assistant.export`` (every text escaped there); uploads go through
``assistant.uploads``, votes through ``assistant.feedback``.

Not its job: retrieval, prompts, answering or verification. Those live behind ``Assistant``.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant import export, uploads
from assistant.config import Settings
from assistant.errors import AssistantError, IndexMissingError
from assistant.ui_handlers import (  # noqa: F401 - re-exported for tests and scripts
    Handlers,
    _chat_messages,
    _history,
    _user_message,
    parse_history,
)

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

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
