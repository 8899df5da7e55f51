"""Helpers for the UI tests: a small fake Assistant, and the real app started in a subprocess.

``FakeAssistant`` implements the methods ui.py calls (stream, ask, documents, index, settings) over
the .txt/.md files of a folder, with a word-overlap "retriever", so handler tests run in
milliseconds without the embedding model. ``running_app`` starts ``python ui.py`` (the real
pipeline) on a free port against a temporary copy of the corpus and index, and stops it after.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # ui.py lives at the repository root

from assistant.config import Settings  # noqa: E402
from assistant.types import Answer, Chunk, Citation, DocInfo, Hit, Sentence  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
_WORD = re.compile(r"\w+")


@dataclass
class FakeReport:
    documents: int
    chunks: int
    embedded: int
    removed: int
    skipped: list[tuple[str, str]]
    seconds: float
    changed: bool


class FakeAssistant:
    """Answers with the sentence of the corpus sharing most words with the question."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.docs: dict[str, str] = {}
        self.asked: list[tuple[str, list[dict[str, str]], str | None, int | None]] = []
        self.index()

    def index(self, rebuild: bool = False, progress=None) -> FakeReport:
        docs, skipped = {}, []
        for path in sorted(self.settings.corpus_dir.iterdir()):
            if path.suffix not in (".txt", ".md", ".html", ".htm", ".pdf"):
                continue
            data = path.read_bytes()
            if path.suffix == ".pdf" or b"\x00" in data or not data.strip():
                skipped.append((path.name, "no extractable text"))
                continue
            docs[path.name] = data.decode("utf-8", "replace")
        for done, name in enumerate(docs, start=1):
            if progress is not None:
                progress(done, len(docs), name)
        self.docs = docs
        return FakeReport(len(docs), len(docs), len(docs), 0, skipped, 0.01, True)

    def documents(self) -> list[dict]:
        return [
            {
                "doc_id": d,
                "title": t.strip().splitlines()[0][:80],
                "publisher": "Fake",
                "author": "",
                "date": "2020",
                "kind": "document",
                "chunks": 1,
            }
            for d, t in self.docs.items()
        ]

    def _best(self, query: str) -> tuple[str, str, str]:
        words = {w.lower() for w in _WORD.findall(query) if len(w) > 3}
        best = ("", "", "", -1)
        for doc, text in self.docs.items():
            for sentence in re.split(r"(?<=[.!?])\s+", text):
                score = len(words & {w.lower() for w in _WORD.findall(sentence)})
                if score > best[3]:
                    best = (doc, text, sentence.strip(), score)
        return best[0], best[1], best[2]

    def ask(self, question, history=None, *, llm=None, k=None) -> Answer:
        self.asked.append((question, list(history or []), llm, k))
        query = question if not history else f"{history[-2]['content']} {question}"
        doc, text, quote = self._best(query)
        if not quote:
            return Answer(
                question, query, "I could not find this in the documents.", True, "extractive"
            )
        start = max(0, text.find(quote) - 200)
        text = text[start : text.find(quote) + len(quote) + 200]
        chunk = Chunk("c-" + doc, doc, text, "Intro > Part", None, start, start + len(text))
        info = DocInfo(doc, title=f"Title of {doc}", publisher="Fake <Pub>", date="2020")
        hit = Hit(
            chunk, info, 0.0328, 1, dense_rank=2, dense_score=0.7, bm25_rank=1, bm25_score=9.1
        )
        cite = Citation(
            1,
            doc,
            info.title,
            info.publisher,
            "2020",
            chunk.section,
            None,
            quote,
            True,
            chunk.id,
            text,
        )
        extra = "It is 42% bigger than before."
        sentences = (Sentence(quote, (1,), True), Sentence(extra, (1,), False, ("42% not in [1]",)))
        return Answer(
            question,
            query,
            f"{quote} [1] {extra} [1]",
            False,
            llm or "extractive",
            (cite,),
            ("fake warning",) if llm else (),
            {"retrieve": 1.0, "total": 2.0},
            sentences,
            (hit,),
        )

    def stream(self, question, history=None, *, llm=None, k=None) -> Iterator[str | Answer]:
        answer = self.ask(question, history, llm=llm, k=k)
        for word in answer.answer.split(" "):
            yield word + " "
        yield answer


def fake_settings(tmp_path: Path, **overrides) -> Settings:
    corpus = tmp_path / "corpus"
    corpus.mkdir(exist_ok=True)
    return Settings(
        corpus_dir=corpus,
        index_dir=tmp_path / "index",
        feedback_log=tmp_path / "feedback" / "feedback.jsonl",
        **overrides,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def copy_corpus(tmp_path: Path) -> Path:
    target = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", target)
    return target


def _wait_for(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"ui.py exited with code {proc.returncode} before serving {url}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise TimeoutError(f"ui.py did not serve {url} within {timeout:.0f} s")


@contextlib.contextmanager
def running_app(tmp_path: Path, *, timeout: float = 600, **env: str) -> Iterator[str]:
    """Start ``python ui.py`` on a copy of the corpus in ``tmp_path``; yield its URL."""
    corpus = tmp_path / "corpus" if (tmp_path / "corpus").exists() else copy_corpus(tmp_path)
    port = free_port()
    environ = {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(corpus),
        "ASSISTANT_INDEX_DIR": str(tmp_path / "index"),
        "ASSISTANT_FEEDBACK_LOG": str(tmp_path / "feedback.jsonl"),
        "ASSISTANT_PORT": str(port),
        "ASSISTANT_HOST": "127.0.0.1",
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
        **env,
    }
    log = (tmp_path / "ui.log").open("wb")
    proc = subprocess.Popen(
        [PYTHON, str(ROOT / "ui.py")], cwd=ROOT, env=environ, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for(url, proc, timeout)
        yield url
    except BaseException:
        log.flush()
        sys.stderr.write((tmp_path / "ui.log").read_text(errors="replace")[-4000:])
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        log.close()
