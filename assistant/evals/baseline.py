"""The baseline the evaluation compares against: a plain LangChain retrieval recipe.

RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the raw corpus files (text
extracted by ``ingest.load``, no cleaning, no section paths), embedded with the same model as the
assistant, searched with exact FAISS inner product. Only retrieval is measured: the recipe has no
answerer. This module does not run the assistant (see ``command``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from ..config import Settings
from ..errors import LoadError
from ..ingest.load import corpus_files, load_file
from ..store.embed import Embedder, SentenceTransformerEmbedder
from .metrics import Question, context_rank, retrieval_metrics, source_rank

BASELINE_RECIPE = (
    "LangChain RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the raw "
    "files, same embedding model, exact FAISS inner product"
)


def run_baseline(
    settings: Settings, questions: Sequence[Question], k: int, embedder: Embedder | None = None
) -> tuple[dict[str, Any], dict[str, int | None]]:
    """Retrieval metrics of the plain recipe (BASELINE_RECIPE) and its context rank per question.

    Follow-ups are searched as asked: the plain recipe has no conversation handling.
    """
    import faiss
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    texts: list[str] = []
    docs: list[str] = []
    for path in corpus_files(settings.corpus_dir):
        doc_id = path.relative_to(settings.corpus_dir).as_posix()
        with contextlib.suppress(LoadError):
            for page in load_file(path, doc_id):
                pieces = splitter.split_text(page.text)
                texts += pieces
                docs += [doc_id] * len(pieces)
    # torch, as the index build uses: the numpy query embedder is slow on batches of long chunks
    embedder = embedder or SentenceTransformerEmbedder()
    vectors = embedder.embed(texts)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    answerable = [q for q in questions if q.answerable]
    _, rows = index.search(embedder.embed([q.question for q in answerable]), k)
    ranks, per_question = [], {}
    for q, row in zip(answerable, rows, strict=True):
        ids = [int(i) for i in row if i >= 0]
        rank = context_rank(q.answers, q.match, [texts[i] for i in ids])
        ranks.append((rank, source_rank(q.sources, [docs[i] for i in ids])))
        per_question[q.id] = rank
    return {
        **retrieval_metrics(ranks, k),
        "chunks": len(texts),
        "recipe": BASELINE_RECIPE,
    }, per_question
