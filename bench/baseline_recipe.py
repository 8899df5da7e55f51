"""The plain LangChain recipe the benchmarks compare against, built so its stages can be timed.

The recipe is the one ``assistant/evals/baseline.py`` evaluates (``BASELINE_RECIPE``):
RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the raw files, the same
embedding model, exact FAISS inner product (faiss directly), behind a LangChain ``BaseRetriever``.
``evals.baseline.run_baseline`` builds and scores it in one call; the benchmark needs the build
and the query path separately, so this module builds the same thing step by step.

Non-job: answers (the recipe has no answerer), retrieval quality (see ``assistant eval``).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.errors import LoadError
from assistant.evals.baseline import BASELINE_RECIPE
from assistant.ingest.load import corpus_files, load_file
from assistant.store.embed import Embedder

__all__ = ["BASELINE_RECIPE", "FaissRetriever", "build_recipe"]


class FaissRetriever(BaseRetriever):
    """Exact FAISS inner-product search over the recipe's chunks, as LangChain Documents."""

    index: Any
    texts: list[str]
    sources: list[str]
    embedder: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        vector = self.embedder.embed([query]).astype(np.float32)
        scores, ids = self.index.search(vector, self.k)
        return [
            Document(page_content=self.texts[i], metadata={"source": self.sources[i], "score": s})
            for i, s in zip(ids[0].tolist(), scores[0].tolist(), strict=True)
            if i >= 0
        ]


def build_recipe(corpus_dir: Path, embedder: Embedder) -> tuple[FaissRetriever, dict[str, float]]:
    """Split, embed and index the corpus; the retriever and the seconds of each stage."""
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    seconds: dict[str, float] = {}
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    texts: list[str] = []
    sources: list[str] = []
    for path in corpus_files(corpus_dir):
        doc_id = path.relative_to(corpus_dir).as_posix()
        with contextlib.suppress(LoadError):
            for page in load_file(path, doc_id):
                pieces = splitter.split_text(page.text)
                texts += pieces
                sources += [doc_id] * len(pieces)
    seconds["split"] = time.perf_counter() - started
    started = time.perf_counter()
    vectors = embedder.embed(texts)
    seconds["embed"] = time.perf_counter() - started
    started = time.perf_counter()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    seconds["faiss"] = time.perf_counter() - started
    seconds["chunks"] = len(texts)
    retriever = FaissRetriever(index=index, texts=texts, sources=sources, embedder=embedder)
    return retriever, seconds
