"""A scripted fake chat model: a real LangChain ``BaseChatModel`` that replays queued replies.

Job: let unit tests drive `assistant.generate.llm` without a network or a model. Queue replies with
``enqueue("text")`` or failures with ``enqueue(ConnectionError(...))`` (or a reply that fails half
way with ``enqueue("text", error=...)``); every call records the messages it received in
``received``. Streaming yields each reply in ``chunks`` pieces. (After simonw/llm's MockModel.)
Non-job: imitating any provider's wire format or token accounting.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    """Replays queued replies in order; raises queued exceptions; records what it was sent."""

    script: list[tuple[str, BaseException | None]] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)
    chunks: int = 3

    @property
    def _llm_type(self) -> str:
        return "scripted-fake"

    def enqueue(self, reply: str | BaseException, *, error: BaseException | None = None) -> None:
        """Queue a reply text, an exception to raise, or a text that fails after streaming."""
        if isinstance(reply, BaseException):
            self.script.append(("", reply))
        else:
            self.script.append((reply, error))

    def _next(self, messages: list[BaseMessage]) -> tuple[str, BaseException | None]:
        self.received.append(list(messages))
        if not self.script:
            raise AssertionError("ScriptedChatModel was called with no reply queued")
        return self.script.pop(0)

    def _pieces(self, text: str) -> list[str]:
        """``text`` cut into at most ``chunks`` non-empty pieces that join back to it."""
        size = max(1, -(-len(text) // max(1, self.chunks)))
        return [text[i : i + size] for i in range(0, len(text), size)]

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text, error = self._next(messages)
        if error is not None:
            raise error
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        text, error = self._next(messages)
        for piece in self._pieces(text):
            chunk = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=chunk)
            yield chunk
        if error is not None:
            raise error
