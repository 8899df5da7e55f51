"""Suites (assistant.evals.suites): the split, the corpora built from the shared SQuAD files, the
cache, and a whole suite run through the real Assistant on a made-up two-article fixture.

The split and builder tests read ../shared/data/qa (present beside the repository here and in
CI); the end-to-end test uses tests/data/tiny_squad.json and the fake embedder.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from assistant.config import ROOT, Settings
from assistant.errors import ConfigError, InputError
from assistant.evals.runner import evaluate_suite
from assistant.evals.squad import file_name
from assistant.evals.suites import (
    SAMPLE_SIZE,
    SPLIT,
    build_suite_index,
    load_suite,
    qa_data_dir,
    read_split,
    sample,
    squad_suite,
    write_corpus,
)
from assistant.store.embed import HashEmbedder

FIXTURE = Path(__file__).parent / "data" / "tiny_squad.json"
TITLES = ("Lake_Orvala", "Copper_Valley_Railway")


def _articles(key: str) -> list[dict]:
    entry = read_split()["files"][key]
    return json.loads((qa_data_dir() / entry["file"]).read_text(encoding="utf-8"))["data"]


# The split ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["squad2", "squad11"])
def test_split_is_disjoint_by_article_and_covers_the_file(key: str) -> None:
    entry = read_split()["files"][key]
    validation, training = set(entry["validation"]), set(entry["training"])
    assert validation and training and not validation & training
    assert validation | training == {a["title"] for a in _articles(key)}


def test_split_is_what_make_split_writes_from_the_same_files() -> None:
    spec = importlib.util.spec_from_file_location("make_split", ROOT / "evals" / "make_split.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.split(qa_data_dir()) == json.loads(SPLIT.read_text(encoding="utf-8"))


# Building the suites from the shared data --------------------------------------------------------


@pytest.mark.parametrize(("name", "key"), [("squad2-val", "squad2"), ("squad11-val", "squad11")])
def test_suite_files_and_question_counts_match_the_json(
    name: str, key: str, tmp_path: Path
) -> None:
    suite = load_suite(name, cache=tmp_path)
    titles = read_split()["files"][key]["validation"]
    by_title = {a["title"]: a for a in _articles(key)}
    chosen = [by_title[t] for t in titles]  # in the split's order
    qas = [qa for a in chosen for p in a["paragraphs"] for qa in p["qas"]]
    assert sorted(p.name for p in suite.corpus_dir.iterdir()) == sorted(map(file_name, titles))
    assert [q.id for q in suite.questions] == [qa["id"] for qa in qas]
    unanswerable = sum(bool(qa.get("is_impossible")) for qa in qas)
    assert sum(not q.answerable for q in suite.questions) == unanswerable
    assert {s for q in suite.questions for s in q.sources} == set(map(file_name, titles))
    assert suite.settings.corpus_dir == suite.corpus_dir == tmp_path / name / "corpus"
    assert suite.settings.index_dir == suite.index_dir
    assert ROOT / "index" not in (suite.index_dir, *suite.index_dir.parents)


def test_the_gate_sample_is_fixed_and_drawn_from_squad2_val(tmp_path: Path) -> None:
    first = load_suite("squad2-sample", cache=tmp_path)
    again = load_suite("squad2-sample", cache=tmp_path)
    full = {q.id for q in load_suite("squad2-val", cache=tmp_path).questions}
    ids = [q.id for q in first.questions]
    assert len(ids) == len(set(ids)) == SAMPLE_SIZE and set(ids) <= full
    assert ids == [q.id for q in again.questions]
    assert first.corpus_dir == tmp_path / "squad2-val" / "corpus"  # the same corpus and index
    assert 0 < sum(not q.answerable for q in first.questions) < SAMPLE_SIZE


def test_sample_does_not_depend_on_the_order_of_the_questions(tmp_path: Path) -> None:
    questions = squad_suite("tiny", FIXTURE, TITLES, cache=tmp_path).questions
    forward, backward = sample(questions, 4), sample(questions[::-1], 4)
    assert {q.id for q in forward} == {q.id for q in backward}
    assert sample(questions, 100) == list(questions)


def test_missing_data_and_unknown_suite_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"No SQuAD file at .*ASSISTANT_QA_DATA"):
        load_suite("squad2-val", data_dir=tmp_path / "nowhere", cache=tmp_path)
    with pytest.raises(InputError, match=r"Unknown suite 'squad3'.*squad2-val"):
        load_suite("squad3", cache=tmp_path)
    with pytest.raises(ConfigError, match="no article titled Atlantis"):
        squad_suite("tiny", FIXTURE, ["Atlantis"], cache=tmp_path)


def test_data_and_cache_folders_follow_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "squad11-dev-13-articles.json").write_text(FIXTURE.read_text(), encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_QA_DATA", str(data))
    monkeypatch.setenv("ASSISTANT_SUITE_CACHE", str(tmp_path / "cache"))
    with pytest.raises(ConfigError, match="no article titled"):  # the fixture's titles differ
        load_suite("squad11-val")
    suite = squad_suite("tiny", FIXTURE, TITLES)
    assert suite.corpus_dir == tmp_path / "cache" / "tiny" / "corpus"


# The cache ---------------------------------------------------------------------------------------


def test_corpus_files_are_rewritten_only_when_their_text_changes(tmp_path: Path) -> None:
    articles = json.loads(FIXTURE.read_text(encoding="utf-8"))["data"]
    corpus = tmp_path / "corpus"
    paths = write_corpus(articles, corpus)
    assert [p.name for p in paths] == [file_name(t) for t in TITLES]
    assert paths[0].read_text(encoding="utf-8").startswith("Lake Orvala\n\nLake Orvala is")
    stamps = [p.stat().st_mtime_ns for p in paths]
    (corpus / "Old_article.txt").write_text("gone", encoding="utf-8")
    changed = json.loads(json.dumps(articles))
    changed[1]["paragraphs"][0]["context"] += " A new sentence."
    paths = write_corpus(changed, corpus)
    assert paths[0].stat().st_mtime_ns == stamps[0]
    assert "A new sentence." in paths[1].read_text(encoding="utf-8")
    assert sorted(p.name for p in corpus.iterdir()) == sorted(p.name for p in paths)


def test_the_index_is_built_once_and_rebuilt_when_an_article_changes(tmp_path: Path) -> None:
    embedder = HashEmbedder()
    suite = squad_suite("tiny", FIXTURE, TITLES, cache=tmp_path, settings=Settings(embedder="hash"))
    first = build_suite_index(suite, embedder)
    assert first.changed and first.documents == 2 and (suite.index_dir / "manifest.json").exists()
    assert not build_suite_index(suite, embedder).changed
    path = suite.corpus_dir / "Lake_Orvala.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new closing line.\n", encoding="utf-8")
    again = build_suite_index(suite, embedder)
    assert again.changed and again.embedded < first.embedded  # only the changed article


# A whole suite through the real Assistant --------------------------------------------------------


def test_a_suite_runs_end_to_end_on_its_own_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(embedder="hash", index_dir=tmp_path / "product-index")
    suite = squad_suite("tiny", FIXTURE, TITLES, cache=tmp_path / "cache", settings=settings)
    monkeypatch.setattr("assistant.evals.suites.SentenceTransformerEmbedder", HashEmbedder)
    result = evaluate_suite(suite, baseline=False, progress=False)
    metrics, peer = result["metrics"], result["peer"]
    n, unanswerable = len(suite.questions), sum(not q.answerable for q in suite.questions)
    assert metrics["questions"] == n == len(result["questions"]) and metrics["errors"] == 0
    assert result["run"]["suite"] == "tiny" and result["run"]["index"] == str(suite.index_dir)
    assert not (tmp_path / "product-index").exists()  # never the product's index
    assert metrics["always_abstain"] == round(unanswerable / n, 4)
    right = sum(q["correct"] for q in result["questions"])
    assert metrics["overall"] == round(right / n, 4)
    for key in ("accuracy_answerable", "correct_abstention", "false_refusal", "citation_precision",
                "answer_words_mean", "latency_p50_ms", "latency_p95_ms"):  # fmt: skip
        assert metrics[key] is not None, key
    assert peer["questions"] == n
    assert peer["overall"] <= round((n - unanswerable) / n, 4)  # it never abstains
    failed = [q for q in result["questions"] if not q["correct"]]
    assert all(q["cause"] for q in failed)
