"""The Gradio app: handlers against a fake Assistant (fast), and the real app through gradio_client.

The fast tests drive ``ui.Handlers`` directly with ``FakeAssistant`` (tests/ui_server.py). The slow
ones start ``python ui.py`` in a subprocess on a copy of the corpus with its own index directory
(so the first-run build is exercised too) and call the named ``/ask`` endpoint.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gradio as gr
import pytest
from ui_server import FakeAssistant, fake_settings, running_app

import ui
from assistant.app.feedback import read_records
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

CORPUS_TEXT = (
    "Acme Cluster Report\n\nThe Acme aerospace cluster in Sonora has 41 member companies. "
    "It was founded in 2009 by regional suppliers.\n"
)


@pytest.fixture()
def handlers(tmp_path: Path) -> ui.Handlers:
    settings = fake_settings(tmp_path, max_upload_mb=0.01)
    (settings.corpus_dir / "acme.txt").write_text(CORPUS_TEXT)
    return ui.Handlers(cast("Assistant", FakeAssistant(settings)), settings)


def _run(
    h: ui.Handlers,
    question: str,
    turns: list[dict[str, Any]],
    *,
    choice: str = "extractive",
    custom: str = "",
    k: int = 4,
    debug: bool = False,
) -> list[tuple]:
    return list(h.respond(question, turns, choice, custom, k, debug))


def _like(index: int, liked: bool) -> gr.LikeData:
    return gr.LikeData(None, {"index": index, "value": [], "liked": liked})


def test_build_app_has_a_named_ask_endpoint(handlers: ui.Handlers) -> None:
    app = ui.build_app(handlers.assistant, handlers.settings)
    names = [fn.api_name for fn in app.fns.values() if fn.api_visibility == "public"]
    assert names == ["ask"]


def test_respond_streams_then_renders_the_answer_and_keeps_the_turn(handlers: ui.Handlers) -> None:
    updates = _run(handlers, "How many member companies does the Acme cluster have?", [])
    assert len(updates) > 3  # cleared box + streamed deltas + final answer
    first_chat = updates[0][1]
    assert "qa-streaming" in first_chat[-1]["content"]
    _, chat, turns, download = updates[-1]
    assert len(chat) == 2 and "qa-source-title" in chat[1]["content"]
    assert "<mark>" in chat[1]["content"] and "qa-unverified" in chat[1]["content"]
    assert turns[0]["answer"].citations[0].doc == "acme.txt"
    assert download["visible"] and Path(download["value"]).read_text().count("[1]") >= 1


def test_follow_up_passes_plain_text_history(handlers: ui.Handlers) -> None:
    turns = _run(handlers, "How many member companies does the Acme cluster have?", [])[-1][2]
    _run(handlers, "When was it founded?", turns, custom="openai:fake", k=7)
    question, history, llm, k = handlers.assistant.asked[-1]  # type: ignore[attr-defined]
    assert question == "When was it founded?" and (llm, k) == ("openai:fake", 7)
    assert [h["role"] for h in history] == ["user", "assistant"]
    assert "<" not in history[1]["content"]  # the answer text, never the rendered HTML


def test_question_html_is_escaped_in_the_chat(handlers: ui.Handlers) -> None:
    chat = _run(handlers, "<img src=x onerror=alert(1)> Acme members?", [])[-1][1]
    assert "<img" not in chat[0]["content"] and "&lt;img src=x" in chat[0]["content"]


def test_debug_toggle_rerenders_with_ranks(handlers: ui.Handlers) -> None:
    turns = _run(handlers, "How many member companies does the Acme cluster have?", [])[-1][2]
    assert "qa-debug" in ui._chat_messages(turns, True)[1]["content"]
    assert "qa-debug" not in ui._chat_messages(turns, False)[1]["content"]


def test_votes_are_logged_and_thumbs_down_offered_as_eval_cases(handlers: ui.Handlers) -> None:
    turns = _run(handlers, "How many member companies does the Acme cluster have?", [])[-1][2]
    assert handlers.vote(turns, _like(1, True))["visible"] is False
    update = handlers.vote(turns, _like(1, False))
    handlers.vote(turns, _like(3, False))  # an error message shown after the last turn: ignored
    records = read_records(handlers.settings.feedback_log)
    assert [r["vote"] for r in records] == ["up", "down"]
    assert records[1]["citations"][0]["doc"] == "acme.txt"
    case = json.loads(Path(update["value"]).read_text().splitlines()[0])
    assert case["answers"] == [] and case["sources"] == ["acme.txt"]


def test_upload_indexes_good_files_and_explains_bad_ones(
    handlers: ui.Handlers, tmp_path: Path
) -> None:
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = incoming / "acme.txt"  # same name as a corpus file, different content
    good.write_text("The Zeta logistics cluster in Yucatán has 17 members.")
    big = incoming / "big.md"
    big.write_bytes(b"x" * 20_000)
    exe = incoming / "tool.exe"
    exe.write_bytes(b"MZ")
    with pytest.warns(UserWarning) as warned:  # gr.Warning outside a request
        status, rows, cleared, *_ = handlers.upload([str(good), str(big), str(exe)])
    assert len(warned) == 2 and "20 KB" in str(warned[0].message)
    assert "acme.txt (stored as acme-1.txt): indexed" in status
    assert "limit is 0.01 MB" in status and "unsupported type" in status
    assert "acme-1.txt" in [row[0] for row in rows] and cleared is None
    assert (handlers.settings.corpus_dir / "acme.txt").read_text() == CORPUS_TEXT


def test_unreadable_upload_is_reported_and_removed(handlers: ui.Handlers, tmp_path: Path) -> None:
    pdf = tmp_path / "scan.pdf"
    pdf.write_bytes(b"%PDF-1.4 no text layer")
    with pytest.warns(UserWarning, match="not indexed"):
        status, rows, *_ = handlers.upload([str(pdf)])
    assert "scan.pdf" not in [row[0] for row in rows]
    assert "scan.pdf: not indexed: no extractable text" in status
    assert not (handlers.settings.corpus_dir / "scan.pdf").exists()


def test_ask_api_validates_history(handlers: ui.Handlers) -> None:
    result = handlers.ask_api("How many member companies does Acme have?", "[]", "", 0)
    assert result["citations"] and set(result) >= {"question", "query", "answer", "citations"}
    with pytest.raises(InputError, match="not valid JSON"):
        handlers.ask_api("q", "[{", "", 0)
    with pytest.raises(InputError, match="role"):
        handlers.ask_api("q", '[{"role": "system", "content": "x"}]', "", 0)


# The real app --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("ui_client")
    with running_app(folder) as url:
        log = (folder / "ui.log").read_text()
        assert "Building the index (first run)..." in log  # no index in the copy yet
        yield url


@pytest.mark.slow
def test_real_app_answers_with_citations_and_uses_history(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    first = client.predict(
        "Which national chamber started Guanajuato's IT cluster?", "[]", "", 0, api_name="/ask"
    )
    assert first["citations"], first
    for citation in first["citations"]:
        assert citation["title"] and citation["quote"]
    history = [
        {"role": "user", "content": first["question"]},
        {"role": "assistant", "content": first["answer"]},
    ]
    follow = client.predict("When did it begin?", json.dumps(history), "", 3, api_name="/ask")
    assert follow["query"] != "When did it begin?"  # rewritten with the conversation
    assert len(follow["citations"]) <= 3


@pytest.mark.slow
def test_real_app_rejects_bad_history(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="history"):
        client.predict("q", "not json", "", 0, api_name="/ask")
