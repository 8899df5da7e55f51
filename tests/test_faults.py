"""Injected faults: a damaged index, a misbehaving LLM backend, writers dying on the feedback log.

Index: every file of the index truncated, emptied, filled with garbage, bit-flipped or deleted,
and manifests from another version: ``Assistant.load`` and the CLI say what is wrong and name
``assistant index --rebuild``, which recovers (kill -9 during a build: tests/test_build_kill.py).

LLM backend, over real TCP on 127.0.0.1 (no mocks of the client): a server that accepts and never
answers, a closed port, and a tiny HTTP server speaking the OpenAI chat shape that answers
nonsense, invalid JSON, empty content, an HTTP 500, a stream that stops half way, or citations of
sources that were never given. ``Assistant.ask`` and ``Assistant.stream`` fall back to the
extractive answer with a warning, or flag the sentences, within a bounded time.

Feedback log: processes appending large records at once, a writer killed with SIGKILL in the
middle of its records, and a torn last line written on purpose: every complete record survives,
one JSON object per line, the torn line is skipped with a warning, appending goes on.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from assistant.app.feedback import append_record, read_records
from assistant.cli import main
from assistant.config import Settings
from assistant.errors import IndexMismatchError, IndexMissingError
from assistant.pipeline import Assistant
from assistant.store.build import build_index
from assistant.store.embed import HashEmbedder
from assistant.types import Answer

QUESTION = "How many members does the Alpha Aerospace Cluster have?"
REBUILD = "assistant index --rebuild"


# The index ----------------------------------------------------------------------------------


@pytest.fixture
def built(tiny_settings: Settings) -> Settings:
    build_index(tiny_settings.corpus_dir, tiny_settings.index_dir, HashEmbedder())
    return tiny_settings


def data_dir(settings: Settings) -> Path:
    manifest = json.loads((settings.index_dir / "manifest.json").read_text())
    return settings.index_dir / manifest["data"]


DAMAGES: dict[str, Callable[[Path], object]] = {
    "emptied": lambda p: p.write_bytes(b""),
    "cut in half": lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
    "garbage": lambda p: p.write_bytes(bytes(range(256)) * (1 + p.stat().st_size // 256)),
    "bits flipped": lambda p: p.write_bytes(
        bytes(b ^ 0xFF if i % 7 == 0 else b for i, b in enumerate(p.read_bytes()))
    ),
    "deleted": lambda p: p.unlink(),
}
FILES = ["manifest.json", "chunks.jsonl", "vectors.npy", "views.npy", "faiss.index", "bm25.npz"]


def target(settings: Settings, name: str) -> Path:
    return settings.index_dir / name if name == "manifest.json" else data_dir(settings) / name


def load(settings: Settings) -> Assistant:
    return Assistant.load(settings, embedder=HashEmbedder())


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("name", FILES)
def test_a_damaged_index_names_the_fix_and_a_build_recovers(
    built: Settings, name: str, damage: str
) -> None:
    DAMAGES[damage](target(built, name))
    with pytest.raises((IndexMismatchError, IndexMissingError)) as caught:
        load(built)
    message = str(caught.value)
    assert str(built.index_dir) in message
    assert "assistant index" in message  # `assistant index` or `assistant index --rebuild`
    report = build_index(built.corpus_dir, built.index_dir, HashEmbedder())  # incremental
    assert report.changed and report.documents == 3
    assert load(built).ask(QUESTION).citations


def edit_manifest(change: Callable[[dict[str, Any]], object]) -> Callable[[Path], None]:
    def apply(path: Path) -> None:
        manifest = json.loads(path.read_text())
        change(manifest)
        path.write_text(json.dumps(manifest))

    return apply


OTHER_VERSIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "older format": lambda m: m.update(format=1),
    "newer format": lambda m: m.update(format=99),
    "other model": lambda m: m.update(
        embedding_model="another-model", settings={**m["settings"], "embedding_model": "another"}
    ),
    "documents as a list": lambda m: m.update(documents=list(m["documents"])),
    "documents null": lambda m: m.update(documents=None),
    "a new document field": lambda m: next(iter(m["documents"].values()))["info"].update(
        language="es"
    ),
    "no document info": lambda m: next(iter(m["documents"].values())).pop("info"),
    "chunk count as text": lambda m: m.update(chunks="141"),
    "data folder elsewhere": lambda m: m.update(data="../elsewhere"),
    "no data folder": lambda m: m.pop("data"),
}


@pytest.mark.parametrize("version", list(OTHER_VERSIONS))
def test_an_index_from_another_version_names_the_fix(built: Settings, version: str) -> None:
    edit_manifest(OTHER_VERSIONS[version])(built.index_dir / "manifest.json")
    with pytest.raises(IndexMismatchError, match="assistant index --rebuild"):
        load(built)
    report = build_index(built.corpus_dir, built.index_dir, HashEmbedder())  # even incremental
    assert report.changed and load(built).ask(QUESTION).citations


def cli_env(settings: Settings, embedder: str = "hash") -> dict[str, str]:
    return {
        "ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "ASSISTANT_EMBEDDER": embedder,
        "ASSISTANT_LLM": "extractive",
    }


@pytest.mark.parametrize(
    ("name", "damage"), [("chunks.jsonl", "cut in half"), ("manifest.json", "garbage"),
                         ("faiss.index", "deleted"), ("manifest.json", "deleted")],
)  # fmt: skip
def test_the_cli_prints_one_line_naming_the_fix(built: Settings, name: str, damage: str) -> None:
    DAMAGES[damage](target(built, name))
    for args in (["ask", QUESTION], ["search", "members"], ["ask", "--json", QUESTION]):
        result = CliRunner().invoke(main, args, env=cli_env(built))
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: ") and "Traceback" not in result.output
        assert "assistant index" in result.output
        assert len(result.output.strip().splitlines()) == 1


@pytest.mark.model
def test_assistant_index_rebuild_recovers_from_the_cli(tiny_settings: Settings) -> None:
    """The whole path a user takes, with the real model: break, read the error, rebuild, ask."""
    env = cli_env(tiny_settings, embedder="auto")
    runner = CliRunner()
    assert runner.invoke(main, ["index"], env=env).exit_code == 0
    DAMAGES["cut in half"](target(tiny_settings, "vectors.npy"))
    broken = runner.invoke(main, ["ask", QUESTION], env=env)
    assert broken.exit_code == 2 and REBUILD in broken.output
    rebuilt = runner.invoke(main, ["index", "--rebuild"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "3 documents" in rebuilt.output
    answered = runner.invoke(main, ["ask", "--json", QUESTION], env=env)
    assert answered.exit_code == 0, answered.output
    assert json.loads(answered.output)["citations"]


# The LLM backend ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content},
                     "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }  # fmt: skip


def _chunk(content: str | None, finish: str | None = None) -> bytes:
    delta = {} if content is None else {"role": "assistant", "content": content}
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    body = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0,
            "model": "fake", "choices": [choice]}  # fmt: skip
    return b"data: " + json.dumps(body).encode() + b"\n\n"


class FakeOpenAI(BaseHTTPRequestHandler):
    """POST /v1/chat/completions, answered the way ``self.server.mode`` says."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        server: Any = self.server
        server.requests.append(body)
        mode, text = server.mode, server.text
        if mode == "http500":
            return self._send(500, b'{"error": {"message": "model crashed", "type": "server"}}')
        if mode == "invalid json":
            return self._send(200, b'{"choices": [{"message": {"content": "The clus')
        if mode == "wrong shape":
            return self._send(200, b'{"answer": 42, "choices": "none"}')
        if not body.get("stream"):
            return self._send(200, json.dumps(_completion(text)).encode())
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if mode == "garbage stream":
            self.wfile.write(b"data: {this is not json\n\ndata: \x00\x01\n\n")
            self.wfile.flush()
            return None
        words = text.split(" ")
        for i, word in enumerate(words):
            self.wfile.write(_chunk(word + (" " if i < len(words) - 1 else "")))
            self.wfile.flush()
            if mode == "stalls" and i == 2:
                time.sleep(30)  # the client's timeout fires first
                return None
        self.wfile.write(_chunk(None, "stop") + b"data: [DONE]\n\n")
        self.wfile.flush()
        return None

    def _send(self, status: int, data: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@contextmanager
def fake_openai(mode: str, text: str = "") -> Iterator[tuple[str, ThreadingHTTPServer]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    server.daemon_threads = True
    server.mode, server.text, server.requests = mode, text, []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def assistant_at(built: Settings) -> Callable[[str], Assistant]:
    """An Assistant whose LLM backend is ``openai:fake`` at the given base URL, 1.5 s timeout."""

    def make(base_url: str) -> Assistant:
        settings = built.model_copy(
            update={"llm": "openai:fake", "openai_base_url": base_url, "llm_timeout": 1.5}
        )
        return Assistant.load(settings, embedder=HashEmbedder())

    return make


def both_ways(assistant: Assistant, question: str = QUESTION) -> Iterator[tuple[str, Answer]]:
    """("ask", answer) and ("stream", final answer), each checked to finish in bounded time."""
    for way in ("ask", "stream"):
        started = time.monotonic()
        if way == "ask":
            answer = assistant.ask(question)
        else:
            *deltas, last = list(assistant.stream(question))
            assert all(isinstance(d, str) for d in deltas)
            assert isinstance(last, Answer)
            answer = last
        assert isinstance(answer, Answer)
        assert time.monotonic() - started < 15, f"{way} took too long"
        yield way, answer


def assert_fell_back(answer: Answer, assistant: Assistant, *words: str) -> None:
    extractive = assistant.ask(QUESTION, llm="extractive")
    assert answer.mode == "extractive" and answer.answer == extractive.answer
    warning = " ".join(answer.warnings)
    assert "openai:fake" in warning and "extractive answer" in warning
    for word in words:
        assert word in warning, (word, answer.warnings)


def test_a_backend_that_never_answers_times_out_and_falls_back(
    assistant_at: Callable[[str], Assistant],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never answers
        assistant = assistant_at(f"http://127.0.0.1:{silent.getsockname()[1]}/v1")
        for _, answer in both_ways(assistant):
            assert_fell_back(answer, assistant, "timed out", "ASSISTANT_LLM_TIMEOUT")


def test_a_backend_that_is_down_falls_back(assistant_at: Callable[[str], Assistant]) -> None:
    assistant = assistant_at(f"http://127.0.0.1:{free_port()}/v1")
    for _, answer in both_ways(assistant):
        assert_fell_back(answer, assistant, "unreachable")


@pytest.mark.parametrize(
    ("mode", "words"),
    [("http500", ["HTTP 500"]), ("invalid json", []), ("wrong shape", []),
     ("garbage stream", []), ("stalls", ["timed out"])],
)  # fmt: skip
def test_a_backend_answering_garbage_falls_back(
    assistant_at: Callable[[str], Assistant], mode: str, words: list[str]
) -> None:
    with fake_openai(mode, "The Alpha Aerospace Cluster has 45 members [1].") as (url, server):
        assistant = assistant_at(url)
        for _, answer in both_ways(assistant):
            assert_fell_back(answer, assistant, *words)
        assert server.requests, "the fake server was never called"  # type: ignore[attr-defined]


def test_an_empty_reply_falls_back(assistant_at: Callable[[str], Assistant]) -> None:
    with fake_openai("ok", "   ") as (url, _):
        assistant = assistant_at(url)
        for _, answer in both_ways(assistant):
            assert_fell_back(answer, assistant, "empty answer")


def test_nonsense_is_flagged_not_trusted(assistant_at: Callable[[str], Assistant]) -> None:
    nonsense = "Bananas orbit 7,777 moons since 1066. Purple is 99% louder than Tuesday."
    with fake_openai("ok", nonsense) as (url, _):
        for _, answer in both_ways(assistant_at(url)):
            assert answer.mode == "openai:fake"
            assert not answer.verified and not answer.citations
            assert all("no citation" in s.issues for s in answer.sentences)
            assert any("could not be verified" in w for w in answer.warnings)


def test_citations_of_sources_never_given_are_flagged(
    assistant_at: Callable[[str], Assistant],
) -> None:
    reply = "The Alpha Aerospace Cluster has 45 members [1]. It was founded in 1999 [7]. [12]"
    with fake_openai("ok", reply) as (url, _):
        for _, answer in both_ways(assistant_at(url)):
            assert [c.n for c in answer.citations] == [1]  # only sources that were given
            assert answer.sentences[0].verified
            flagged = answer.sentences[1]
            assert not flagged.verified
            assert any("[7]" in issue and "not a source given" in issue for issue in flagged.issues)
            assert any("could not be verified" in w for w in answer.warnings)


def test_a_follow_up_survives_a_broken_query_rewrite(
    assistant_at: Callable[[str], Assistant],
) -> None:
    """The LLM rewrites follow-ups too; when that call fails the rule-based rewrite is used."""
    history = [{"role": "user", "content": QUESTION},
               {"role": "assistant", "content": "It has 45 members [1]."}]  # fmt: skip
    with fake_openai("http500") as (url, _):
        answer = assistant_at(url).ask("And when was it founded?", history)
    assert answer.mode == "extractive"
    assert any("rule-based follow-up rewrite" in w for w in answer.warnings)
    assert "Alpha" in answer.query


# The feedback log -----------------------------------------------------------------------------


def _append_forever(path: str, writer: int) -> None:
    """Small records with an 8 MB one every third: a kill often lands inside a big write."""
    i = 0
    while True:
        size = 8_000_000 if i % 3 == 2 else 100
        append_record(Path(path), {"writer": writer, "i": i, "blob": "x" * size})
        i += 1
        time.sleep(0.01)


def _append_some(path: str, writer: int, count: int) -> None:
    for i in range(count):
        size = (i * 7919) % 300_000  # from a few bytes to 300 KB, far above PIPE_BUF
        append_record(Path(path), {"writer": writer, "i": i, "blob": "é" * size})


def check_log(path: Path) -> tuple[dict[int, list[int]], int]:
    """Each writer's sequence numbers among the valid records, and how many lines are not JSON
    (torn by a writer that died); every valid record is whole."""
    torn = 0
    for line in path.read_bytes().split(b"\n"):
        try:
            json.loads(line or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            torn += 1
    seen: dict[int, list[int]] = {}
    for record in read_records(path):
        assert set(record["blob"]) <= {"x", "é"}
        seen.setdefault(record["writer"], []).append(record["i"])
    return seen, torn


def test_processes_appending_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    context = multiprocessing.get_context("fork")
    procs = [context.Process(target=_append_some, args=(str(path), w, 40)) for w in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
        assert proc.exitcode == 0
    assert path.read_bytes().endswith(b"\n")
    assert check_log(path) == ({w: list(range(40)) for w in range(4)}, 0)


def test_writers_killed_mid_write_lose_at_most_their_last_record(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "feedback.jsonl"
    context = multiprocessing.get_context("fork")
    torn = 0
    for writer in range(4):
        proc = context.Process(target=_append_forever, args=(str(path), writer))
        proc.start()
        time.sleep(0.15 + 0.05 * writer)
        assert proc.pid is not None
        os.kill(proc.pid, signal.SIGKILL)  # no chance to finish the record it is writing
        proc.join(timeout=10)
        with caplog.at_level(logging.WARNING, logger="assistant.app.feedback"):
            seen, torn = check_log(path)
        assert seen[writer] == list(range(len(seen[writer]))), "a complete record was lost"
        assert torn <= writer + 1, "more than one torn record per killed writer"
    assert caplog.text.count("skipped") >= torn  # every torn line was reported
    append_record(path, {"writer": -1, "i": 0, "blob": "x"})  # appending still works afterwards
    seen, after = check_log(path)
    assert seen[-1] == [0] and after == torn
    path.unlink()  # ~100 MB; pytest keeps recent tmp folders


def test_a_torn_last_line_is_skipped_and_appending_goes_on(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "feedback.jsonl"
    for i in range(3):
        append_record(path, {"writer": 0, "i": i, "blob": "x"})
    whole = path.read_bytes()
    with path.open("ab") as handle:  # what a writer that died after half a record leaves
        handle.write(b'{"writer": 0, "i": 3, "blob": "xx')
    with caplog.at_level(logging.WARNING, logger="assistant.app.feedback"):
        assert check_log(path) == ({0: [0, 1, 2]}, 1)
    assert "torn last line" in caplog.text
    append_record(path, {"writer": 0, "i": 4, "blob": "x"})
    assert check_log(path) == ({0: [0, 1, 2, 4]}, 1)
    assert path.read_bytes().startswith(whole)  # append-only: nothing before was rewritten


def test_a_torn_line_in_a_copied_log_does_not_hide_the_rest(tmp_path: Path) -> None:
    """A log concatenated from two machines, the first ending in a torn record."""
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    append_record(first, {"writer": 1, "i": 0, "blob": "x"})
    first.write_bytes(first.read_bytes() + b'{"writer": 1, "i": 1, "bl')
    append_record(second, {"writer": 2, "i": 0, "blob": "x"})
    merged = tmp_path / "merged.jsonl"
    shutil.copyfile(first, merged)
    with merged.open("ab") as handle:
        handle.write(b"\n" + second.read_bytes())
    assert check_log(merged) == ({1: [0], 2: [0]}, 1)
