"""The documents side of the app: coverage, deletes and replacements through the trash folder,
who may change the corpus, answers during an index update, the document view, backend messages.

Handlers against ``FakeAssistant`` (tests/ui_server.py): fast, and the corpus folder is real, so
every test can check which files moved and that nothing else changed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import gradio as gr
import pytest
from ui_server import FakeAssistant, fake_settings

from assistant.app.documents import coverage_html
from assistant.app.handlers import UPDATING, Handlers, backend_problem

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # gr.Warning outside a request

ALPHA = "Alpha Drone Report\n\nThe Alpha drone cluster in Tlaxcala has 31 members.\n"
BETA = "Beta Port Notes\n\nThe Beta port authority moved 2 million boxes in 2020.\n"


class Unreadable(FakeAssistant):
    """Skips any file that says UNREADABLE, the way the real index skips a file it cannot load."""

    def index(self, rebuild: bool = False, progress: Any = None) -> Any:
        report = super().index(rebuild, progress)
        for name, text in list(self.docs.items()):
            if "UNREADABLE" in text:
                del self.docs[name]
                report.skipped.append((name, "no extractable text"))
        return report


class Slow(FakeAssistant):
    """An index update that runs until the test lets it finish."""

    def __init__(self, settings: Any) -> None:
        self.started, self.finish = threading.Event(), threading.Event()
        self.finish.set()
        super().__init__(settings)

    def index(self, rebuild: bool = False, progress: Any = None) -> Any:
        self.started.set()
        assert self.finish.wait(30)
        return super().index(rebuild, progress)


def make(tmp_path: Path, kind: type = FakeAssistant, **overrides: Any) -> Handlers:
    settings = fake_settings(tmp_path, **overrides)
    (settings.corpus_dir / "alpha.txt").write_text(ALPHA)
    (settings.corpus_dir / "beta.txt").write_text(BETA)
    return Handlers(cast("Assistant", kind(settings)), settings)


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def incoming(tmp_path: Path, name: str, text: str) -> str:
    folder = tmp_path / "incoming"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    return str(folder / name)


# what the chat answers from --------------------------------------------------------------------


def test_coverage_says_how_many_documents_their_years_and_titles() -> None:
    docs = [
        {"doc_id": "a.txt", "title": "Alpha <Report>", "date": "2017-03-01"},
        {"doc_id": "b.txt", "title": "Beta", "date": "2021"},
        {"doc_id": "c.txt", "title": "", "date": ""},
    ]
    html = coverage_html(docs)
    assert "3 documents" in html and "dated 2017–2021" in html and "1 undated" in html
    assert 'title="• Alpha &lt;Report&gt;<br>• Beta<br>• c.txt"' in html
    assert "No documents" in coverage_html([])


# deleting and replacing ------------------------------------------------------------------------


def test_delete_moves_the_file_to_the_trash_and_out_of_the_index(tmp_path: Path) -> None:
    h = make(tmp_path)
    before = snapshot(tmp_path / "corpus")
    status, rows, _, coverage, _ = h.library.delete("beta.txt")
    assert "beta.txt: deleted" in status
    assert [r[0] for r in rows] == ["alpha.txt"] and "1 document" in coverage
    trashed = list((tmp_path / "trash").iterdir())
    assert len(trashed) == 1 and trashed[0].name.endswith("-beta.txt")
    assert trashed[0].read_text() == BETA
    after = snapshot(tmp_path / "corpus")
    assert after == {k: v for k, v in before.items() if k != "beta.txt"}  # nothing else touched


def test_delete_refuses_names_outside_the_corpus(tmp_path: Path) -> None:
    h = make(tmp_path)
    (tmp_path / "secret.txt").write_text("keep me")
    before = snapshot(tmp_path)
    for name in ("../secret.txt", "missing.txt", "", None):
        status, *_ = h.library.delete(name)
        assert "qa-status-error" in status
    assert snapshot(tmp_path) == before


def test_replace_indexes_the_new_version_and_trashes_the_old(tmp_path: Path) -> None:
    h = make(tmp_path)
    new = incoming(tmp_path, "beta-2022.txt", "Beta Port Notes\n\nIt moved 3 million boxes.\n")
    status, *_ = h.library.replace("beta.txt", new)
    assert "beta.txt: replaced and indexed" in status
    assert "3 million" in (tmp_path / "corpus" / "beta.txt").read_text()
    assert [p.read_text() for p in (tmp_path / "trash").iterdir()] == [BETA]
    assert "3 million" in h.assistant.ask("How many boxes did the Beta port move?").answer


def test_a_replacement_that_cannot_be_indexed_puts_the_old_version_back(tmp_path: Path) -> None:
    h = make(tmp_path, Unreadable)
    before = snapshot(tmp_path / "corpus")
    status, rows, *_ = h.library.replace("beta.txt", incoming(tmp_path, "b.txt", "UNREADABLE"))
    assert "cannot be indexed" in status and "the old one stays" in status
    assert snapshot(tmp_path / "corpus") == before
    assert "beta.txt" in [r[0] for r in rows]


def test_a_replacement_of_another_type_is_refused(tmp_path: Path) -> None:
    h = make(tmp_path)
    before = snapshot(tmp_path / "corpus")
    status, *_ = h.library.replace("beta.txt", incoming(tmp_path, "beta.md", "# Beta\n\nNew."))
    assert "replace it with a .txt file" in status
    assert snapshot(tmp_path / "corpus") == before


# who may change the corpus --------------------------------------------------------------------


def test_off_loopback_uploads_and_deletes_are_off_unless_enabled(tmp_path: Path) -> None:
    h = make(tmp_path, host="0.0.0.0")
    before = snapshot(tmp_path / "corpus")
    status, *_ = h.upload([incoming(tmp_path, "new.txt", "The Gamma cluster has 5 members.")])
    assert "Uploads and deletes are off" in status and "ASSISTANT_REMOTE_UPLOADS=1" in status
    status, *_ = h.library.delete("beta.txt")
    assert "Uploads and deletes are off" in status
    assert snapshot(tmp_path / "corpus") == before  # a refused upload leaves the corpus as it was
    assert h.ask_api("How many members does the Alpha drone cluster have?")["citations"]


def test_enabled_off_loopback_they_need_the_token(tmp_path: Path) -> None:
    h = make(tmp_path, host="0.0.0.0", remote_uploads=True, upload_token="s3cret-token")
    before = snapshot(tmp_path / "corpus")
    new = incoming(tmp_path, "new.txt", "The Gamma cluster has 5 members.")
    for token in ("", "wrong"):
        status, *_ = h.upload([new], token)
        assert "Wrong or missing upload token" in status
    assert snapshot(tmp_path / "corpus") == before
    status, rows, *_ = h.upload([new], "s3cret-token")
    assert "new.txt: indexed" in status and "new.txt" in [r[0] for r in rows]


def test_enabled_without_a_token_stays_off(tmp_path: Path) -> None:
    h = make(tmp_path, host="192.0.2.7", remote_uploads=True)
    status, *_ = h.upload([incoming(tmp_path, "new.txt", "Gamma.")])
    assert "needs ASSISTANT_UPLOAD_TOKEN" in status


def test_on_loopback_no_token_is_asked(tmp_path: Path) -> None:
    for host in ("127.0.0.1", "localhost", "::1"):
        folder = tmp_path / host.replace(":", "_")
        folder.mkdir()
        h = make(folder, host=host)
        assert h.library.rule.allowed and not h.library.rule.needs_token


# answering during an index update ---------------------------------------------------------------


def test_a_question_during_an_update_answers_from_the_last_index_and_says_so(
    tmp_path: Path,
) -> None:
    h = make(tmp_path, Slow)
    slow = cast("Slow", h.assistant)
    slow.finish.clear()
    slow.started.clear()
    upload = threading.Thread(
        target=h.upload, args=([incoming(tmp_path, "g.txt", "The Gamma cluster has 5 members.")],)
    )
    upload.start()
    try:
        assert slow.started.wait(10) and h.library.busy
        *_, (_, _, turns, _) = list(h.respond("How many members?", [], "extractive", "", 4, False))
        assert UPDATING in turns[-1]["answer"].warnings
        assert UPDATING in h.ask_api("How many members does the Alpha cluster have?")["warnings"]
    finally:
        slow.finish.set()
        upload.join(30)
    assert not h.library.busy
    *_, (_, _, turns, _) = list(h.respond("How many members?", [], "extractive", "", 4, False))
    assert UPDATING not in turns[-1]["answer"].warnings


# the document view, examples, backends -----------------------------------------------------------


def test_a_source_card_opens_its_document_and_offers_the_file(tmp_path: Path) -> None:
    h = make(tmp_path)
    request = '{"doc": "alpha.txt", "quote": "has 31 members.", "page": ""}'
    html, button, _ = h.library.open_document(request)
    assert "<mark>has 31 members.</mark>" in html and "Alpha Drone Report" in html
    assert Path(button["value"]).read_text() == ALPHA and button["visible"]
    assert button["value"] != str(tmp_path / "corpus" / "alpha.txt")  # a copy is served
    html, button, _ = h.library.open_document('{"doc": "../ui.log"}')
    assert "not a document of the corpus" in html and not button["visible"]


def test_clicking_an_example_asks_it() -> None:
    data = gr.SelectData(None, {"index": 0, "value": {"text": "Which ports?"}})
    assert Handlers.pick_example(data) == "Which ports?"


@pytest.mark.skipif(
    importlib.util.find_spec("langchain_ollama") is not None, reason="Ollama integration installed"
)
def test_a_backend_that_cannot_run_here_says_what_to_install_and_where(tmp_path: Path) -> None:
    problem = backend_problem("ollama:llama3")
    assert problem and "pip install langchain-ollama" in problem and "Settings" in problem
    assert "Run: pip install" not in problem
    h = make(tmp_path)
    *_, (_, _, turns, _) = list(h.respond("How many members?", [], "extractive", "ollama:llama3",
                                          4, False))  # fmt: skip
    answer = turns[-1]["answer"]
    assert answer.warnings[0] == problem and answer.mode == "extractive"
    assert h.assistant.asked[-1][2] is None  # asked with the default backend


def test_backend_problems_for_unknown_forms_and_missing_model_files() -> None:
    assert backend_problem("extractive") is None and backend_problem("") is None
    assert "Unknown answer backend" in (backend_problem("gpt4") or "")
    assert "no model file" in (backend_problem("llamacpp:/nowhere/model.gguf") or "")
