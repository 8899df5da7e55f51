"""One settings object for the whole assistant, overridable by ``ASSISTANT_*`` variables.

Fields are grouped by stage (paths, chunking, index, retrieval, answer, llm, ui); every field has a
default and a one-line description, which `assistant settings` prints as a table. Only the edges
(`cli`, `ui`) and `pipeline` read settings; stage functions take plain arguments.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    """All settings. Environment: ASSISTANT_<FIELD NAME IN CAPITALS>, e.g. ASSISTANT_TOP_K=8."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore")

    # paths
    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of source documents.")
    index_dir: Path = Field(ROOT / "index", description="Folder of the persisted index.")
    feedback_log: Path = Field(
        ROOT / "feedback" / "feedback.jsonl", description="Append-only JSONL log of votes."
    )

    # chunking
    chunk_size: int = Field(900, ge=200, le=8000, description="Target chunk length (characters).")
    chunk_overlap: int = Field(
        1, ge=0, le=5, description="Sentences repeated from the previous chunk."
    )
    max_file_mb: float = Field(20.0, gt=0, description="Larger files are skipped with a warning.")

    # index
    embedding_model: str = Field(
        "all-MiniLM-L6-v2", description="Embedding model (the packaged one, loaded offline)."
    )
    embedder: str = Field(
        "auto",
        description="Query embedder: auto (numpy when available), numpy, or sentence-transformers.",
    )
    store: str = Field(
        "faiss", description="Where the index lives: faiss (files under index_dir) or milvus."
    )
    milvus_uri: str = Field(
        str(ROOT / "index" / "milvus.db"),
        description="Milvus: a .db file path (Milvus Lite, in-process) or http://host:19530.",
    )
    milvus_token: str = Field("", description="Milvus server token (or user:password).")
    milvus_user: str = Field("", description="Milvus server user (with milvus_password).")
    milvus_password: str = Field("", description="Milvus server password.")
    milvus_db: str = Field("", description="Milvus database ('' = the server's default).")
    milvus_collection: str = Field("assistant", description="Milvus collection name prefix.")
    milvus_timeout: float = Field(10.0, gt=0, description="Seconds before a Milvus call fails.")
    milvus_writer: bool = Field(
        True, description="Milvus: this process may index (false on ask-only replicas)."
    )
    hnsw_threshold: int = Field(
        150_000,  # exact search costs ~10 ms here, as much as embedding the query (bench/)
        ge=0,
        description="Above this many indexed vectors FAISS uses HNSW instead of exact search.",
    )

    # retrieval
    top_k: int = Field(5, ge=1, le=50, description="Number of passages given to the answerer.")
    candidates: int = Field(50, ge=5, description="Candidates per ranker before fusion.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant (Cormack 2009).")
    max_per_doc: int = Field(
        0, ge=0, description="At most this many passages from one document (0: no limit)."
    )

    # answer
    llm: str = Field(
        "extractive",
        description="Answer backend: extractive | openai:<model> | ollama:<model> | "
        "llamacpp:<path.gguf>.",
    )
    reader_model: Path = Field(
        ROOT / "assistant" / "read" / "model",
        description="Folder of the trained reader's weights, model card and calibration.",
    )
    history_turns: int = Field(6, ge=0, description="Most recent turns kept from the history.")
    history_chars: int = Field(4000, ge=0, description="Character budget for the history.")
    max_question_chars: int = Field(
        2000, ge=10, description="Longer questions are cut to this length with a warning."
    )

    # llm
    openai_base_url: str = Field(
        "http://127.0.0.1:8080/v1", description="Base URL of an OpenAI-compatible server."
    )
    openai_api_key: str = Field(
        "not-needed", description="API key for the OpenAI-compatible server."
    )
    ollama_base_url: str = Field("http://127.0.0.1:11434", description="Ollama server URL.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds before an LLM call is abandoned.")
    llm_temperature: float = Field(0.0, ge=0, le=2, description="LLM sampling temperature.")

    # ui
    host: str = Field("127.0.0.1", description="Host the Gradio app listens on.")
    port: int = Field(7860, ge=1, le=65535, description="Port the Gradio app listens on.")
    max_upload_mb: float = Field(10.0, gt=0, description="Largest upload accepted by the UI.")
    concurrency: int = Field(8, ge=1, description="Requests the UI answers at the same time.")
    trash_dir: Path | None = Field(
        None,
        description="Where the UI moves deleted or replaced documents (default: trash/ beside "
        "the corpus folder).",
    )
    remote_uploads: bool = Field(
        False,
        description="Allow uploads and deletes when the UI listens on a non-loopback host "
        "(they then need ASSISTANT_UPLOAD_TOKEN).",
    )
    upload_token: str = Field(
        "", description="Token the Documents tab asks for before uploads and deletes off loopback."
    )


# Credentials: `assistant settings` says whether they are set, never what they are (its output
# ends up in terminals, logs and bug reports).
SECRETS = frozenset({"upload_token", "milvus_token", "milvus_password", "openai_api_key"})


def settings_table(settings: Settings | None = None) -> list[tuple[str, str, str]]:
    """(environment variable, current value, description) for every setting; a secret's value is
    shown as "(set)" or "(not set)"."""
    settings = settings or Settings()
    rows = []
    for name, info in Settings.model_fields.items():
        value = getattr(settings, name)
        if name in SECRETS:
            value = "(set)" if value else "(not set)"
        elif isinstance(value, Path):
            with contextlib.suppress(ValueError):
                value = value.relative_to(ROOT)
        rows.append((f"ASSISTANT_{name.upper()}", str(value), info.description or ""))
    return rows
