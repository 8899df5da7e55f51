"""The generative path end to end: Assistant → real llama.cpp OpenAI-compatible server → parse →
verify, and the extractive fallback when the server is gone.

SmolLM2-135M answers badly; these tests check the plumbing (request, streaming, parsing, a
verification verdict on every sentence), never the content of the answer.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from llm_server import MODEL_ALIAS, llama_server

from assistant.config import Settings
from assistant.pipeline import Assistant
from assistant.read.verify import strip_markers
from assistant.store.embed import HashEmbedder
from assistant.types import Answer

pytestmark = pytest.mark.llm

SPEC = f"openai:{MODEL_ALIAS}"
QUESTION = "How many members does the Alpha Aerospace Cluster have?"


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with llama_server() as url:
        yield url


def load(settings: Settings, url: str) -> Assistant:
    settings = settings.model_copy(update={"openai_base_url": url, "llm_timeout": 300.0})
    return Assistant.load(settings, embedder=HashEmbedder(), build_if_missing=True)


def assert_every_sentence_has_a_verdict(answer: Answer, raw: str) -> None:
    assert answer.sentences, answer
    plain = strip_markers(raw)
    cited = {c.n for c in answer.citations}
    for sentence in answer.sentences:
        assert sentence.text in plain  # parsed from what the model said
        assert sentence.verified == (not sentence.issues)
        if answer.abstained:
            continue
        if not sentence.cites:
            assert sentence.issues == ("no citation",)
        for n in sentence.cites:
            assert n in cited or any(f"[{n}]" in issue for issue in sentence.issues)
    for citation in answer.citations:
        assert citation.quote in answer.hits[citation.n - 1].chunk.text
    if not answer.verified:
        assert any("could not be verified" in w for w in answer.warnings)


def test_stream_from_the_real_server(tiny_settings: Settings, server_url: str) -> None:
    assistant = load(tiny_settings, server_url)
    items = list(assistant.stream(QUESTION, llm=SPEC))
    *deltas, final = items
    text = [d for d in deltas if isinstance(d, str)]
    assert len(text) == len(deltas) > 1  # streamed in pieces, then one Answer
    assert isinstance(final, Answer)
    assert final.mode == SPEC, final.warnings  # no fallback: the server answered
    assert final.answer.strip()
    assert_every_sentence_has_a_verdict(final, "".join(text))
    assert final.timings_ms["answer"] > 0


def test_ask_a_follow_up_through_the_real_server(tiny_settings: Settings, server_url: str) -> None:
    assistant = load(tiny_settings, server_url)
    history = [
        {"role": "user", "content": "When was the Alpha Aerospace Cluster founded?"},
        {"role": "assistant", "content": "It was founded in 2009 [1]."},
    ]
    result = assistant.ask("And how many members does it have?", history, llm=SPEC)
    assert result.mode == SPEC, result.warnings
    assert result.query.strip() and "\n" not in result.query  # the model's one-line rewrite
    assert result.hits  # the rewrite was searched
    assert result.sentences


def test_a_stopped_server_falls_back_to_the_extractive_answer(tiny_settings: Settings) -> None:
    with llama_server() as url:
        assistant = load(tiny_settings, url)
    # The server is gone now: same URL, nothing listening.
    extractive = assistant.ask(QUESTION)
    result = assistant.ask(QUESTION, llm=SPEC)
    assert result.mode == "extractive"
    assert result.answer == extractive.answer
    assert any(f"{SPEC} at {url} unreachable" in w for w in result.warnings), result.warnings
    *deltas, final = list(assistant.stream(QUESTION, llm=SPEC))
    assert isinstance(final, Answer) and final.mode == "extractive"
    assert "".join(d for d in deltas if isinstance(d, str)).strip() == extractive.answer
    assert any("unreachable" in w for w in final.warnings)
