"""The event handlers of the Gradio app: chat, votes, exports and the `/ask` API.

Each handler takes and returns plain values for Gradio components and calls one ``Assistant``
method; the HTML of an answer comes from ``export`` (every text escaped there), votes
go through ``feedback``, the documents side (uploads, deletes, the document view) is
``documents.Library``. A backend typed in Settings that cannot run here is explained for the
person at the browser (``backend_problem``), and an answer given while the index is being updated
says so. Not its job: layout (see ``ui.py``), retrieval, prompts, answering or verification.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gradio as gr

from ..config import Settings
from ..errors import AssistantError, InputError
from . import export, feedback
from .documents import Library

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..pipeline import Assistant
    from ..types import Answer

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


UPDATING = (
    "The documents are being re-indexed (an upload or a delete is running): this answer comes "
    "from the last complete index. Ask again in a moment to include the change."
)
_FORMS = "extractive, openai:<model>, ollama:<model> or llamacpp:<path.gguf>"


def backend_problem(spec: str | None) -> str | None:
    """Why the backend typed in Settings cannot run on this server, said for the person at the
    browser (what to install, where, and where to set it); None when it can be tried."""
    spec = (spec or "").strip()
    kind, _, rest = spec.partition(":")
    if not spec or spec == "extractive":
        return None
    if kind not in ("openai", "ollama", "llamacpp") or not rest.strip():
        return f"Unknown answer backend {spec!r}: type one of {_FORMS} in Settings → Other backend."
    if kind == "ollama" and importlib.util.find_spec("langchain_ollama") is None:
        return (
            f"{spec} needs the Ollama integration, which is not installed on the server running "
            "this app. Whoever runs the server: `.venv/bin/pip install langchain-ollama`, then "
            "restart the app; type the backend in Settings → Other backend again (or set "
            "ASSISTANT_LLM on the server to make it the default). This answer is the "
            "extractive one."
        )
    if kind == "llamacpp" and not Path(rest).expanduser().is_file():
        return (
            f"There is no model file {rest!r} on the server running this app: give the path of "
            "a .gguf file on that server in Settings → Other backend. This answer is the "
            "extractive one."
        )
    if kind == "llamacpp" and importlib.util.find_spec("llama_cpp") is None:
        return (
            f"{spec} needs llama-cpp-python on the server running this app. Whoever runs the "
            "server: `.venv/bin/pip install llama-cpp-python`, then restart the app. This answer "
            "is the extractive one."
        )
    return None


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
        self.library = Library(assistant, settings)

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
        backend = _backend(choice, custom)
        problem = backend_problem(backend)
        notes = [problem] if problem else []
        busy = self.library.busy
        try:
            for item in self.assistant.stream(
                question, _history(turns), llm=None if problem else backend, k=int(k)
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
        if busy or self.library.busy:
            notes.append(UPDATING)
        if notes:
            answer = replace(answer, warnings=(*notes, *answer.warnings))
        turns = [*turns, {"question": question, "history": _history(turns), "answer": answer}]
        yield gr.update(), _chat_messages(turns, debug), turns, self.export_file(turns)

    @staticmethod
    def pick_example(data: gr.SelectData) -> str:
        """The question of the example clicked in the empty chat."""
        value = data.value
        return str(value.get("text", "") if isinstance(value, dict) else value or "")

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
        return self.library.rows()

    def upload(self, files: list[str] | str | None, token: str = "", progress: Any = None) -> Any:
        return self.library.upload(files, token, progress)

    # API --------------------------------------------------------------------------------------
    def ask_api(self, question: str, history: str = "[]", backend: str = "", k: int = 0) -> dict:
        """Answer a question with citations. history: JSON list of {role, content}; k=0: default."""
        busy = self.library.busy
        answer = self.assistant.ask(
            question, parse_history(history), llm=backend.strip() or None, k=int(k) or None
        )
        if busy or self.library.busy:
            answer = replace(answer, warnings=(UPDATING, *answer.warnings))
        return answer.to_dict()
