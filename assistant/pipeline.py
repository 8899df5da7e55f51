"""The Assistant: the one place where the stages are wired together, as a LangChain (LCEL) chain.

    (question, history) ─condense─▶ query ─retrieve─▶ hits ─answer─▶ draft ─verify─▶ Answer

``Assistant.ask`` runs the chain; ``Assistant.stream`` runs the same stages and yields the answer
text as it is produced, then the final ``Answer``. The answer backend is chosen by one setting
(``ASSISTANT_LLM``): ``extractive`` (default, offline) or a LangChain chat model; if the chat model
fails, the answer says so in ``warnings`` and falls back to the extractive answer. Retrieval is
exposed to LangChain as a ``BaseRetriever`` over the store ``ASSISTANT_STORE`` names
(``store.factory``).
"""

from __future__ import annotations

import copy
import logging
import threading
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.runnables import RunnableLambda, RunnablePassthrough

from .config import Settings
from .errors import AssistantError, IndexMissingError, InputError
from .generate.parse import parse_generated
from .read.draft import Draft
from .read.features import idf_from_df
from .read.verify import verify
from .retrieve import hybrid as retrieval
from .retrieve.conversation import clarify, condense, is_follow_up
from .retrieve.history import parse_history, trim_history, valid_text
from .retrieve.hybrid import HybridRetriever, interleave, part_queries
from .retrieve.names import CorpusNames, corpus_names, correct_names, searched_for
from .store.build import IndexReport, Progress
from .store.embed import Embedder, SentenceTransformerEmbedder, make_embedder
from .store.factory import build_store, open_store
from .store.index import StoredIndex
from .store.protocol import HybridStore
from .types import Answer, Hit, Turn

log = logging.getLogger(__name__)
__all__ = ["Assistant", "IndexReport"]


@dataclass(frozen=True)
class _View:
    """What one build of the index gives an ask: the store, its idf for the reader, and the names
    its text spells. Replaced in one assignment after a re-index, and read once per ask, so a
    question answered during an upload never mixes a new store with the old idf or names."""

    index: StoredIndex | HybridStore
    idf: Callable[[str], float]
    names: CorpusNames

    @classmethod
    def of(cls, index: StoredIndex | HybridStore) -> _View:
        idf = idf_from_df(index.bm25.doc_freq, max(index.bm25.size, 1))
        return cls(index, idf, corpus_names(c.text for c in index.chunks))  # names: for typos


class Assistant:
    """Questions in, verified answers out. Thread-safe for asking; indexing is serialised."""

    def __init__(
        self, settings: Settings, index: StoredIndex | HybridStore, embedder: Embedder
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self._lock = threading.Lock()
        self._reader_lock = threading.Lock()
        self._models: dict[str, Any] = {}
        self._view = _View.of(index)
        self.chain = (
            RunnablePassthrough.assign(query=RunnableLambda(self._condense))
            | RunnablePassthrough.assign(hits=RunnableLambda(self._retrieve_step))
            | RunnableLambda(self._answer_step)
        )

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def load(
        cls,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        build_if_missing: bool = False,
        progress: Progress | None = None,
    ) -> Assistant:
        settings = settings or Settings()
        embedder = embedder or make_embedder(settings.embedder)
        try:
            index = open_store(settings, embedder.model_id)
        except IndexMissingError:
            if not build_if_missing:
                raise
            cls._build(settings, embedder, rebuild=False, progress=progress)
            index = open_store(settings, embedder.model_id)
        return cls(settings, index, embedder)

    @staticmethod
    def _build(
        settings: Settings, embedder: Embedder, *, rebuild: bool, progress: Progress | None
    ) -> IndexReport:
        # Building embeds many chunks: sentence-transformers batches faster than the numpy
        # query embedder; both give the same vectors (tests/test_embed_numpy.py).
        index_embedder: Any = embedder if embedder.model_id != "all-MiniLM-L6-v2" else (
            SentenceTransformerEmbedder)  # fmt: skip
        return build_store(settings, index_embedder, rebuild=rebuild, progress=progress)

    def index(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Re-index the corpus folder incrementally and start using the result."""
        with self._lock:
            report = self._build(self.settings, self.embedder, rebuild=rebuild, progress=progress)
            if report.changed:
                view = _View.of(open_store(self.settings, self.embedder.model_id))
                self._view = view  # one assignment: asks see the old view or the new, never a mix
                if "reader" in self._models:
                    self._models["reader"].idf = view.idf  # for callers of the reader itself
            return report

    @property
    def _index(self) -> StoredIndex | HybridStore:
        """The current store (the current view's)."""
        return self._view.index

    # -- reading -------------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        index = self._view.index
        counts: dict[str, int] = {}
        for chunk in index.chunks:
            counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
        return [
            {**info.to_dict(), "chunks": counts.get(doc_id, 0)}
            for doc_id, info in sorted(index.docs.items())
        ]

    def retrieve(self, query: str, k: int | None = None, *, view: _View | None = None) -> list[Hit]:
        s = self.settings
        return retrieval.search(
            (view or self._view).index,
            self.embedder,
            query,
            k=k or s.top_k,
            candidates=s.candidates,
            rrf_k=s.rrf_k,
            max_per_doc=s.max_per_doc,
        )

    def retriever(self, k: int | None = None) -> HybridRetriever:
        return HybridRetriever(assistant=self, k=k or self.settings.top_k)

    # -- asking --------------------------------------------------------------------------------
    def _prepare(self, question: str, history: Any, llm: str | None, k: int | None) -> dict:
        if not isinstance(question, str) or not question.strip():
            raise InputError("The question is empty: type a question about the documents.")
        warnings = []
        question = valid_text(question.strip(), "question")
        if len(question) > self.settings.max_question_chars:
            question = question[: self.settings.max_question_chars]
            warnings.append(
                f"The question was cut to {self.settings.max_question_chars} characters."
            )
        turns = trim_history(parse_history(history), self.settings.history_turns,
                             self.settings.history_chars)  # fmt: skip
        if k is not None and not 1 <= int(k) <= 50:
            raise InputError(f"k={k} is out of range: choose between 1 and 50 sources.")
        return {
            "view": self._view,  # read once: every stage of this ask uses the same build
            "question": question,
            "history": turns,
            "llm": (llm or self.settings.llm).strip() or "extractive",
            "k": int(k or self.settings.top_k),
            "warnings": warnings,
            "timings": {},
            "t0": time.perf_counter(),
        }

    def _chat_model(self, spec: str) -> Any:
        if spec not in self._models:
            from .generate.llm import make_chat_model  # deferred: LLM clients load only when used

            s = self.settings
            self._models[spec] = make_chat_model(
                spec, base_url=s.openai_base_url, api_key=s.openai_api_key,
                ollama_base_url=s.ollama_base_url, timeout=s.llm_timeout,
                temperature=s.llm_temperature,
            )  # fmt: skip
        return self._models[spec]

    def _condense(self, state: dict) -> str:
        started = time.perf_counter()
        query = condense(state["question"], state["history"])
        if state["llm"] != "extractive" and state["history"] and is_follow_up(state["question"]):
            try:
                from .generate.llm import rewrite_query

                history = [{"role": t.role, "content": t.content} for t in state["history"]]
                query = rewrite_query(self._chat_model(state["llm"]), state["question"], history)
            except AssistantError as exc:
                state["warnings"].append(f"{exc} (used the rule-based follow-up rewrite)")
        names = state.setdefault("view", self._view).names
        query, fixed = correct_names(query, names.names, names.vocabulary)
        if fixed:  # "clautgo" -> "CLAUGTO", said to the user
            state["warnings"].append(searched_for(fixed))
        state["timings"]["condense"] = (time.perf_counter() - started) * 1000
        return query

    def _retrieve_step(self, state: dict) -> list[Hit]:
        """Hits for the query; for a multi-part question, the hits of each part, interleaved."""
        started = time.perf_counter()
        parts = part_queries(state["query"])
        view = state.setdefault("view", self._view)
        hits = interleave([self.retrieve(p, state["k"], view=view) for p in parts], state["k"] + 2)
        state["timings"]["retrieve"] = (time.perf_counter() - started) * 1000
        return hits

    def reader_idf(self) -> Callable[[str], float]:
        """The index's idf, which the reader's coverage features weigh question terms by."""
        return self._view.idf

    @property
    def reader(self) -> Any:
        """The trained extractive reader, loaded on first use (once per process)."""
        with self._reader_lock:  # not the indexing lock: a build must not hold up a question
            if "reader" not in self._models:
                from .read.extractive import ExtractiveReader

                reader = ExtractiveReader.from_dir(self.settings.reader_model)
                reader.idf = self._view.idf
                self._models["reader"] = reader
        return self._models["reader"]

    def _extractive(self, state: dict) -> Draft:
        # the standalone query is read; what the user typed sets the answer's language
        asked = state["question"] if state["query"] != state["question"] else None
        # the loaded reader, shared; with the idf of the build this ask retrieved from
        reader = copy.copy(self.reader)
        reader.idf = state.setdefault("view", self._view).idf
        draft: Draft = reader.answer(state["query"], state["hits"], asked)
        return draft

    def _generate(self, state: dict) -> Iterator[str]:
        from .generate.llm import generate

        history = [{"role": t.role, "content": t.content} for t in state["history"]]
        return generate(self._chat_model(state["llm"]), state["question"], state["hits"], history)

    def _finish(self, state: dict, draft: Draft, mode: str) -> Answer:
        started = time.perf_counter()
        sentences, citations = verify(draft.sentences, draft.citations, abstained=draft.abstained)
        timings = state["timings"]
        timings["verify"] = (time.perf_counter() - started) * 1000
        timings["total"] = (time.perf_counter() - state["t0"]) * 1000
        warnings = list(state["warnings"])
        if mode != "extractive" and not all(s.verified for s in sentences):
            warnings.append(
                "Some sentences of this answer could not be verified against the sources."
            )
        return Answer(
            question=state["question"],
            query=state["query"],
            answer=draft.text,
            abstained=draft.abstained,
            mode=mode,
            citations=tuple(citations),
            warnings=tuple(warnings),
            timings_ms=dict(timings),
            sentences=tuple(sentences),
            hits=tuple(state["hits"]),
        )

    def _draft(self, state: dict) -> Generator[str, None, tuple[Draft, str]]:
        """Yield the answer text as it is produced; return the draft and the mode that made it.
        A chat model that fails adds a warning and the extractive answer follows."""
        asked_back = clarify(state["question"], state["history"])
        if asked_back is not None:  # a follow-up with nothing to refer to: ask which one
            yield asked_back
            return Draft(sentences=[(asked_back, ())], abstained=True), "extractive"
        mode, draft = state["llm"], None
        if mode != "extractive":
            parts: list[str] = []
            try:
                for delta in self._generate(state):
                    parts.append(delta)
                    yield delta
                draft = parse_generated("".join(parts), state["hits"])
            except AssistantError as exc:
                state["warnings"].append(str(exc))
                if parts:
                    yield "\n\n"
        if draft is None:
            draft, mode = self._extractive(state), "extractive"
            for piece in draft.pieces():
                yield piece + " "
        return draft, mode

    def _answer_step(self, state: dict) -> Answer:
        started = time.perf_counter()
        drafting = self._draft(state)
        try:
            while True:
                next(drafting)  # the text as produced; only the final draft is kept
        except StopIteration as done:
            draft, mode = done.value
        state["timings"]["answer"] = (time.perf_counter() - started) * 1000
        return self._finish(state, draft, mode)

    def ask(
        self,
        question: str,
        history: list[dict[str, str]] | list[Turn] | None = None,
        *,
        llm: str | None = None,
        k: int | None = None,
    ) -> Answer:
        """Answer ``question`` given the conversation so far; see ``Answer.to_dict``."""
        result: Answer = self.chain.invoke(self._prepare(question, history, llm, k))
        return result

    def stream(
        self,
        question: str,
        history: list[dict[str, str]] | list[Turn] | None = None,
        *,
        llm: str | None = None,
        k: int | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer text as it is produced, then the final ``Answer``."""
        state = self._prepare(question, history, llm, k)
        state["query"] = self._condense(state)
        state["hits"] = self._retrieve_step(state)
        started = time.perf_counter()
        draft, mode = yield from self._draft(state)
        state["timings"]["answer"] = (time.perf_counter() - started) * 1000
        yield self._finish(state, draft, mode)
