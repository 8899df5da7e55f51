"""Generative answer backends: LangChain chat models behind a spec string, and two calls on them.

Job: ``make_chat_model("openai:<model>" | "ollama:<model>" | "llamacpp:<path.gguf>")`` builds a
LangChain ``BaseChatModel``; ``generate`` streams an answer's text deltas from it and
``rewrite_query`` turns a follow-up into a standalone search query. Any failure of the backend
(unreachable, timeout, HTTP error, empty answer) becomes a `BackendError` naming the backend, so
the caller can fall back to the extractive answer. LangChain stays inside this module and
`prompts.py`: callers pass and receive our types and ``str``.
Non-job: the extractive backend, parsing or verifying [n] markers, reading settings.
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult

from ..errors import AssistantError, BackendError, ConfigError
from ..types import Hit, Turn
from .prompts import build_messages, build_rewrite_messages

History = Sequence[Mapping[str, str] | Turn] | None

VALID_FORMS = "extractive | openai:<model> | ollama:<model> | llamacpp:<path.gguf>"
_MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class _Options:
    base_url: str
    api_key: str
    ollama_base_url: str
    timeout: float
    temperature: float
    max_tokens: int


def _build_openai(name: str, opts: _Options) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    # langchain-openai sends the cap as `max_completion_tokens`, which OpenAI wants but other
    # OpenAI-compatible servers (llama-cpp-python, Mistral, LM Studio) ignore: they read
    # `max_tokens`, so it goes in the request body as is.
    if "api.openai.com" in opts.base_url:
        cap: dict[str, Any] = {"max_completion_tokens": opts.max_tokens}
    else:
        cap = {"extra_body": {"max_tokens": opts.max_tokens}}
    return ChatOpenAI(
        model=name,
        base_url=opts.base_url,
        # The OpenAI client refuses an empty key; local servers accept any string.
        api_key=opts.api_key or "not-needed",
        timeout=opts.timeout,
        # One retry absorbs a transient blip; more would delay the extractive fallback.
        max_retries=1,
        temperature=opts.temperature,
        **cap,
    )


def _build_ollama(name: str, opts: _Options) -> BaseChatModel:
    try:
        langchain_ollama = importlib.import_module("langchain_ollama")
    except ImportError as exc:
        raise ConfigError(
            f"ASSISTANT_LLM=ollama:{name} needs the Ollama integration, which is not installed. "
            "Run: pip install 'assistant[ollama]'"
        ) from exc
    model: BaseChatModel = langchain_ollama.ChatOllama(
        model=name,
        base_url=opts.ollama_base_url,
        temperature=opts.temperature,
        num_predict=opts.max_tokens,
        client_kwargs={"timeout": opts.timeout},
    )
    return model


def _build_llamacpp(path: str, opts: _Options) -> BaseChatModel:
    model_path = Path(path).expanduser()
    if not model_path.is_file():
        raise ConfigError(
            f"ASSISTANT_LLM=llamacpp:{path}: no such file. Give the path of a .gguf model file."
        )
    if importlib.util.find_spec("llama_cpp") is None:
        raise ConfigError(
            f"ASSISTANT_LLM=llamacpp:{path} needs llama-cpp-python. "
            "Run: pip install llama-cpp-python"
        )
    return LlamaCppChat(
        model_path=str(model_path.resolve()),
        temperature=opts.temperature,
        max_tokens=opts.max_tokens,
    )


_BUILDERS: dict[str, Callable[[str, _Options], BaseChatModel]] = {
    "openai": _build_openai,
    "ollama": _build_ollama,
    "llamacpp": _build_llamacpp,
}


def make_chat_model(
    spec: str,
    *,
    base_url: str = "http://127.0.0.1:8080/v1",
    api_key: str = "not-needed",
    ollama_base_url: str = "http://127.0.0.1:11434",
    timeout: float = 60.0,
    temperature: float = 0.0,
    max_tokens: int = 1024,
) -> BaseChatModel:
    """The chat model named by ``spec`` (the ``ASSISTANT_LLM`` setting), e.g. ``openai:gpt-4o``.

    Nothing is contacted or loaded here: a wrong URL shows up as a `BackendError` on first use.
    """
    kind, sep, name = spec.strip().partition(":")
    kind, name = kind.strip().lower(), name.strip()
    if kind == "extractive" and not sep:
        raise ConfigError(
            "ASSISTANT_LLM=extractive has no chat model; the extractive answerer needs none."
        )
    if not sep or kind not in _BUILDERS or not name:
        raise ConfigError(f"ASSISTANT_LLM={spec!r} is not a valid backend. Use {VALID_FORMS}.")
    opts = _Options(base_url, api_key, ollama_base_url, timeout, temperature, max_tokens)
    return _BUILDERS[kind](name, opts)


def describe_model(model: BaseChatModel) -> str:
    """A label such as ``openai:gpt-4o at http://host/v1`` for messages and logs."""
    if isinstance(model, LlamaCppChat):
        return f"llamacpp:{model.model_path}"
    name = getattr(model, "model_name", None) or getattr(model, "model", None)
    if hasattr(model, "openai_api_base"):
        return f"openai:{name} at {model.openai_api_base or 'https://api.openai.com/v1'}"
    if type(model).__name__ == "ChatOllama":
        return f"ollama:{name} at {getattr(model, 'base_url', None) or 'http://127.0.0.1:11434'}"
    return f"{model._llm_type}:{name}" if name else model._llm_type


def _failure(model: BaseChatModel, exc: Exception) -> BackendError:
    """A `BackendError` saying which backend failed, how, and what happens next."""
    import httpx
    import openai

    where = describe_model(model)
    detail = str(exc).strip() or type(exc).__name__
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException | TimeoutError):
        what = "timed out (raise ASSISTANT_LLM_TIMEOUT or use a smaller model)"
    elif isinstance(exc, openai.APIConnectionError | httpx.TransportError | ConnectionError):
        what = "unreachable (is the server running? check its URL setting)"
    elif isinstance(exc, openai.AuthenticationError):
        what = "refused the API key (check ASSISTANT_OPENAI_API_KEY)"
    elif isinstance(exc, openai.NotFoundError):
        what = "does not know this model (check the model name in ASSISTANT_LLM)"
    elif isinstance(exc, openai.APIStatusError):
        what = f"answered HTTP {exc.status_code}"
    else:
        what = f"failed ({type(exc).__name__})"
    return BackendError(f"LLM backend {where} {what}: {detail}; showing the extractive answer")


def _stream_text(model: BaseChatModel, messages: list[BaseMessage]) -> Iterator[str]:
    """Text deltas of the model's reply; every backend failure is raised as a `BackendError`."""
    try:
        for chunk in model.stream(messages):
            text = str(chunk.text)
            if text:
                yield text
    except AssistantError:
        raise
    except Exception as exc:  # any failure of a third-party backend means: fall back
        raise _failure(model, exc) from exc


def generate(
    model: BaseChatModel, question: str, hits: Sequence[Hit], history: History = None
) -> Iterator[str]:
    """Stream the answer to ``question`` from ``hits`` as text deltas (the text has [n] markers).

    Raises `BackendError` when the backend fails, also after some deltas were already yielded,
    and when it returns only whitespace.
    """
    produced = False
    for text in _stream_text(model, build_messages(question, hits, history)):
        produced = produced or bool(text.strip())
        yield text
    if not produced:
        raise BackendError(
            f"LLM backend {describe_model(model)} returned an empty answer; "
            "showing the extractive answer"
        )


def rewrite_query(model: BaseChatModel, question: str, history: History = None) -> str:
    """A standalone one-line search query for a follow-up; ``question`` if the reply is empty."""
    reply = "".join(_stream_text(model, build_rewrite_messages(question, history)))
    for line in reply.splitlines():
        line = line.strip().strip("\"'“”`*").strip()
        for prefix in ("standalone search query:", "search query:", "query:"):
            if line.lower().startswith(prefix):
                line = line[len(prefix) :].strip().strip("\"'“”`").strip()
        if line:
            return line[:_MAX_QUERY_CHARS]
    return question


# In-process llama.cpp --------------------------------------------------------------------------

_ROLES = {"system": "system", "human": "user", "ai": "assistant"}


@lru_cache(maxsize=4)
def _load_llama(model_path: str, n_ctx: int) -> tuple[Any, threading.Lock]:
    """The loaded model for a path, once per process, with a lock: a Llama is not thread-safe."""
    from llama_cpp import Llama

    try:
        llama = Llama(model_path=model_path, n_ctx=n_ctx, verbose=False)
    except Exception as exc:  # llama.cpp raises ValueError or RuntimeError on a bad file
        raise BackendError(
            f"LLM backend llamacpp:{model_path} could not load the model ({exc}); set "
            "ASSISTANT_LLM to the path of a valid .gguf file. Showing the extractive answer"
        ) from exc
    return llama, threading.Lock()


class LlamaCppChat(BaseChatModel):
    """A LangChain chat model around ``llama_cpp.Llama.create_chat_completion``, loaded lazily."""

    model_path: str
    temperature: float = 0.0
    max_tokens: int = 1024
    n_ctx: int = 4096

    @property
    def _llm_type(self) -> str:
        return "llamacpp-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": self.model_path, "temperature": self.temperature}

    def _completion(self, messages: list[BaseMessage], stop: list[str] | None, stream: bool) -> Any:
        llama, _ = _load_llama(self.model_path, self.n_ctx)
        return llama.create_chat_completion(
            messages=[{"role": _ROLES.get(m.type, "user"), "content": m.text} for m in messages],
            temperature=self.temperature,
            max_tokens=self.max_tokens,
            stop=stop or [],
            stream=stream,
        )

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        _, lock = _load_llama(self.model_path, self.n_ctx)
        with lock:
            response = self._completion(messages, stop, stream=False)
        choice = response["choices"][0]
        message = AIMessage(content=choice["message"].get("content") or "")
        info = {"finish_reason": choice.get("finish_reason")}
        return ChatResult(generations=[ChatGeneration(message=message, generation_info=info)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        _, lock = _load_llama(self.model_path, self.n_ctx)
        with lock:  # released when the stream ends or the consumer closes it
            for part in self._completion(messages, stop, stream=True):
                text = part["choices"][0]["delta"].get("content") or ""
                if not text:
                    continue
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
