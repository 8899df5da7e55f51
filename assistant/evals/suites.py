"""Evaluation suites: a corpus plus its questions, each with an index of its own.

A suite is what ``assistant eval --suite NAME`` measures:

- ``own``: the 220 questions the team wrote (evals/questions.jsonl) over ``corpus/`` and the
  product's index, as before;
- ``squad2-val``, ``squad11-val``: the validation articles of evals/split.json (SQuAD 2.0 and
  1.1 dev, CC BY-SA 4.0, from ``../shared/data/qa/``), one text file per article (its title,
  then its paragraphs separated by blank lines) and every question of those articles;
- ``squad2-sample``: a fixed, seeded sample of squad2-val's questions (the gate in ``make
  test``) over the same corpus.

The API other code uses (the reader's calibration, the gate, the CLI)::

    suite = load_suite("squad2-val")     # writes the corpus into the cache if needed
    assistant = open_suite(suite)        # builds or updates its index, loads the Assistant
    for q in suite.questions: ...        # metrics.Question: answers, match, evidence

A SQuAD question becomes a ``Question`` with its SQuAD id; ``answers`` are the distinct gold
texts (``match`` "any"), or none (``match`` "none", category "unanswerable"); ``evidence`` is the
sentence(s) of the paragraph holding a gold answer; ``sources`` is the article's file name.

Where things live: the data folder is ``ASSISTANT_QA_DATA`` (default ``../shared/data/qa`` beside
the repository); corpora and indexes go to ``ASSISTANT_SUITE_CACHE`` (default
``~/.cache/assistant/suites``), ``<corpus>/corpus`` and ``<corpus>/index``, never the product's
``index/``. A corpus file is rewritten (atomically) only when its text changed, and the index
build is incremental, so an unchanged suite costs a few file hashes. This module runs no question
(see ``runner``) and computes no metric (see ``metrics``).
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import ROOT, Settings
from ..errors import ConfigError, InputError
from ..ingest.chunk import ChunkSettings
from ..store.build import IndexReport, build_index
from ..store.embed import Embedder, SentenceTransformerEmbedder
from .metrics import Question
from .squad import article_text, file_name, read_squad, squad_questions

DEFAULT_DATA = ROOT.parent / "shared" / "data" / "qa"
DEFAULT_CACHE = Path.home() / ".cache" / "assistant" / "suites"
SPLIT = ROOT / "evals" / "split.json"
QUESTIONS = ROOT / "evals" / "questions.jsonl"
SAMPLE_SIZE = 400  # the gate's sample: ~60 s of asking at the 150 ms a trained reader may take
SAMPLE_SEED = "squad2-sample:20261204"


@dataclass(frozen=True)
class SuiteSpec:
    """How a named suite is made: which split file, which side, and an optional sample."""

    corpus: str  # the cache folder's name: suites sharing a corpus share its index
    split_key: str  # "squad2" | "squad11" in evals/split.json
    part: str = "validation"
    sample: int | None = None


SPECS: dict[str, SuiteSpec] = {
    "squad2-val": SuiteSpec("squad2-val", "squad2"),
    "squad11-val": SuiteSpec("squad11-val", "squad11"),
    "squad2-sample": SuiteSpec("squad2-val", "squad2", sample=SAMPLE_SIZE),
}
SUITES = ("own", *SPECS)


@dataclass(frozen=True)
class Suite:
    """A corpus folder, the index folder built from it, its questions, and the settings that
    point the Assistant at both (``settings.corpus_dir``, ``settings.index_dir``)."""

    name: str
    corpus_dir: Path
    index_dir: Path
    questions: tuple[Question, ...]
    settings: Settings
    articles: tuple[str, ...] = ()  # the SQuAD titles (empty for ``own``)


# Where the data and the cache are ----------------------------------------------------------------


def qa_data_dir() -> Path:
    """The folder of the shared SQuAD files: ``ASSISTANT_QA_DATA`` or ``../shared/data/qa``."""
    return Path(os.environ.get("ASSISTANT_QA_DATA") or DEFAULT_DATA)


def cache_dir() -> Path:
    """The folder suite corpora and indexes live in: ``ASSISTANT_SUITE_CACHE`` or the default."""
    return Path(os.environ.get("ASSISTANT_SUITE_CACHE") or DEFAULT_CACHE).expanduser()


def read_split(path: Path = SPLIT) -> dict[str, Any]:
    """evals/split.json: per SQuAD file, its validation and training titles."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        data["files"]["squad2"]["validation"]  # the shape this module relies on
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path}: cannot read the article split ({exc!r}); restore it with "
            "`git checkout evals/split.json` (written by evals/make_split.py)."
        ) from exc
    return data


# Questions and corpus files ---------------------------------------------------------------------


def load_questions(path: Path = QUESTIONS, limit: int | None = None) -> list[Question]:
    """Parse the question file; a bad line raises InputError naming the file and line."""
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the question file ({exc}).") from exc
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            evidence = row.get("evidence") or []
            questions.append(
                Question(
                    id=row["id"],
                    category=row["category"],
                    question=row["question"],
                    answers=tuple(row["answers"]),
                    match=row["match"],
                    sources=tuple(row.get("sources", [])),
                    evidence=tuple([evidence] if isinstance(evidence, str) else evidence),
                    history=tuple(row.get("history") or []),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise InputError(
                f"{path}:{number}: bad question ({exc!r}); run `assistant eval --check`."
            ) from exc
    return questions[:limit] if limit else questions


def sample(questions: Sequence[Question], size: int, seed: str = SAMPLE_SEED) -> list[Question]:
    """A fixed sample: the same ids for the same questions whatever their order (drawn from the
    questions sorted by id), kept in the order given."""
    if size >= len(questions):
        return list(questions)
    ids = sorted(q.id for q in questions)
    chosen = set(random.Random(seed).sample(ids, size))
    return [q for q in questions if q.id in chosen]


def write_corpus(articles: Sequence[dict[str, Any]], corpus_dir: Path) -> list[Path]:
    """One file per article, written atomically and only when its text changed; files of
    articles no longer in the suite are removed. Returns the files, in article order."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for article in articles:
        path, text = corpus_dir / file_name(article["title"]), article_text(article)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            # a hidden temporary name: a build running meanwhile never loads a half-written file
            tmp = corpus_dir / f".{path.name}.{os.getpid()}.tmp"
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(path)
        paths.append(path)
    for stale in set(corpus_dir.glob("*.txt")) - set(paths):
        stale.unlink()
    return paths


# Suites ------------------------------------------------------------------------------------------


def squad_suite(
    name: str,
    data_file: Path,
    titles: Sequence[str],
    *,
    settings: Settings | None = None,
    cache: Path | None = None,
    corpus: str | None = None,
    size: int | None = None,
) -> Suite:
    """A suite of the articles ``titles`` of a SQuAD-format file: corpus written under
    ``cache/<corpus>/corpus``, index folder ``cache/<corpus>/index``; ``size`` samples."""
    articles = {a["title"]: a for a in read_squad(data_file)}
    missing = sorted(set(titles) - set(articles))
    if missing:
        raise ConfigError(
            f"{data_file}: no article titled {', '.join(missing)}; is evals/split.json from "
            "another version of the data?"
        )
    chosen = [articles[t] for t in titles]
    base = (cache or cache_dir()) / (corpus or name)
    write_corpus(chosen, base / "corpus")
    questions = squad_questions(chosen)
    if size is not None:
        questions = sample(questions, size)
    settings = (settings or Settings()).model_copy(
        update={"corpus_dir": base / "corpus", "index_dir": base / "index"}
    )
    return Suite(name, base / "corpus", base / "index", tuple(questions), settings, tuple(titles))


def load_suite(
    name: str,
    settings: Settings | None = None,
    *,
    data_dir: Path | None = None,
    cache: Path | None = None,
    questions_file: Path = QUESTIONS,
) -> Suite:
    """The suite called ``name`` (one of ``SUITES``); see the module docstring."""
    settings = settings or Settings()
    if name == "own":
        questions = tuple(load_questions(questions_file))
        return Suite(name, settings.corpus_dir, settings.index_dir, questions, settings)
    spec = SPECS.get(name)
    if spec is None:
        raise InputError(f"Unknown suite {name!r}: choose one of {', '.join(SUITES)}, or all.")
    entry = read_split()["files"][spec.split_key]
    data_file = (data_dir or qa_data_dir()) / entry["file"]
    return squad_suite(
        name, data_file, entry[spec.part], settings=settings, cache=cache, corpus=spec.corpus,
        size=spec.sample,
    )  # fmt: skip


def build_suite_index(suite: Suite, embedder: Embedder | None = None) -> IndexReport:
    """Bring the suite's index up to date with its corpus (a no-op when nothing changed)."""
    s = suite.settings
    # like Assistant.index: sentence-transformers embeds batches faster than the numpy embedder
    index_embedder: Any = embedder or SentenceTransformerEmbedder
    return build_index(
        suite.corpus_dir,
        suite.index_dir,
        index_embedder,
        chunk_settings=ChunkSettings(s.chunk_size, s.chunk_overlap),
        max_bytes=int(s.max_file_mb * 1_000_000),
        hnsw_threshold=s.hnsw_threshold,
    )


def open_suite(suite: Suite, embedder: Embedder | None = None) -> Any:
    """The real ``Assistant`` on the suite's corpus, its index built or updated first."""
    from ..pipeline import Assistant

    if suite.name != "own":  # the product's index is built by `assistant index`, as before
        build_suite_index(suite, embedder)
    return Assistant.load(suite.settings, embedder=embedder, build_if_missing=True)
