"""cli.py through click's CliRunner, on the tiny corpus indexed with the hash embedder.

Settings come from ASSISTANT_* environment variables, as they would for a user.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from assistant.cli import main
from assistant.store.build import build_index
from assistant.store.embed import HashEmbedder

CONTRACT_KEYS = {
    "question",
    "query",
    "answer",
    "abstained",
    "mode",
    "citations",
    "warnings",
    "timings_ms",
    "sentences",
}
QUESTION = "How many members does the Alpha Aerospace Cluster have?"


@pytest.fixture
def env(tiny_corpus: Path, tmp_path: Path) -> dict[str, str]:
    index_dir = tmp_path / "index"
    build_index(tiny_corpus, index_dir, HashEmbedder())
    return {
        "ASSISTANT_CORPUS_DIR": str(tiny_corpus),
        "ASSISTANT_INDEX_DIR": str(index_dir),
        "ASSISTANT_EMBEDDER": "hash",
        "ASSISTANT_LLM": "extractive",
    }


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, list(args), env=env)


def test_ask_json_prints_the_contract(env: dict[str, str]) -> None:
    result = run(env, "ask", QUESTION, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == CONTRACT_KEYS
    assert data["question"] == QUESTION and data["mode"] == "extractive"
    assert "45" in data["answer"] and data["citations"][0]["doc"] == "alpha.txt"
    assert data["citations"][0]["quote"] in Path(
        env["ASSISTANT_CORPUS_DIR"], "alpha.txt"
    ).read_text(encoding="utf-8")


def test_ask_prints_a_readable_answer_with_sources(env: dict[str, str]) -> None:
    result = run(env, "ask", QUESTION)
    assert result.exit_code == 0, result.output
    assert "45 members" in result.stdout
    assert "[1] Alpha Report (Alpha Press, 2019)" in result.stdout


def test_ask_k_is_passed_on(env: dict[str, str]) -> None:
    result = run(env, "ask", QUESTION, "--json", "-k", "1")
    assert result.exit_code == 0, result.output
    assert {c["doc"] for c in json.loads(result.stdout)["citations"]} == {"alpha.txt"}


def test_batch_prints_one_object_per_line_in_order(env: dict[str, str], tmp_path: Path) -> None:
    lines = [
        json.dumps({"question": QUESTION}),
        "{not json",
        json.dumps({"history": []}),
        json.dumps({"question": "   "}),
        "",
        json.dumps({"question": "When was the Beta IT Cluster created?", "history": "oops"}),
        json.dumps(
            {
                "question": "And when was it created?",
                "history": [
                    {
                        "role": "user",
                        "content": "How many IT clusters does the Beta IT Cluster represent?",
                    },
                    {"role": "assistant", "content": "22 IT clusters [1]"},
                ],
            }
        ),
        json.dumps({"question": "When was the Beta IT Cluster created?"}),
    ]
    batch = tmp_path / "questions.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run(env, "ask", "--json", "--batch", str(batch))
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 7  # the blank line is skipped, every other line gets an object
    assert out[0]["question"] == QUESTION and set(out[0]) == CONTRACT_KEYS
    errors = {item["line"]: item["error"] for item in out if "error" in item}
    assert sorted(errors) == [2, 3, 4, 6]
    assert all(error.startswith(f"{batch}:{n}: ") for n, error in errors.items())
    assert "question is empty" in errors[4]
    assert "history" in errors[6]
    follow_up, standalone = out[5], out[6]
    assert "Beta IT Cluster" in follow_up["query"]
    assert standalone["question"] == "When was the Beta IT Cluster created?"
    assert "2006" in follow_up["answer"] and "2006" in standalone["answer"]


@pytest.mark.parametrize("args", [["ask", ""], ["ask", "   "], ["ask", "--json", "  "], ["ask"]])
def test_an_empty_question_exits_2_with_a_clear_message(
    env: dict[str, str], args: list[str]
) -> None:
    result = run(env, *args)
    assert result.exit_code == 2
    assert "Error:" in result.stderr
    assert "question" in result.stderr.lower()
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_a_missing_index_exits_2_naming_the_fix(env: dict[str, str], tmp_path: Path) -> None:
    result = run({**env, "ASSISTANT_INDEX_DIR": str(tmp_path / "nowhere")}, "ask", QUESTION)
    assert result.exit_code == 2
    assert "assistant index" in result.stderr
    assert "Traceback" not in result.output


def test_search_json_lists_hits_with_provenance(env: dict[str, str]) -> None:
    result = run(env, "search", "Beta IT Cluster Nuevo León", "--json", "-k", "2")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 2
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert hits[0]["doc"] == "beta.md"
    for hit in hits:
        assert {
            "doc",
            "title",
            "section",
            "page",
            "text",
            "score",
            "dense_rank",
            "bm25_rank",
        } <= set(hit)


def test_search_prints_ranks_and_passages(env: dict[str, str]) -> None:
    result = run(env, "search", "Gamma Energy Cluster", "-k", "1")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("[1] ")
    assert "Gamma Energy Cluster" in result.stdout and "bm25 #" in result.stdout


def test_chat_keeps_the_history_between_turns(env: dict[str, str]) -> None:
    result = CliRunner().invoke(
        main,
        ["chat"],
        env=env,
        input="When was the Beta IT Cluster created?\n"
        "And how many IT clusters does it represent?\n\n",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.count("assistant> ") == 2
    assert "(searched for: " in result.stdout and "Beta IT Cluster" in result.stdout
    assert "22" in result.stdout and "2006" in result.stdout


SECRET_VALUES = {
    "ASSISTANT_UPLOAD_TOKEN": "s3cret-upload-token",
    "ASSISTANT_MILVUS_TOKEN": "s3cret-milvus-token",
    "ASSISTANT_MILVUS_PASSWORD": "s3cret-milvus-password",
    "ASSISTANT_OPENAI_API_KEY": "s3cret-openai-key",
}


@pytest.mark.parametrize("args", [["settings"], ["settings", "--json"]])
def test_settings_never_print_a_secret(args: list[str]) -> None:
    result = CliRunner().invoke(main, args, env={**SECRET_VALUES, "ASSISTANT_TOP_K": "8"})
    assert result.exit_code == 0, result.output
    for secret in SECRET_VALUES.values():
        assert secret not in result.output
        assert secret[:6] not in result.output  # not even a prefix of one
    assert "ASSISTANT_UPLOAD_TOKEN" in result.output and "(set)" in result.output


def test_settings_json_lists_every_setting_and_whether_secrets_are_set() -> None:
    env = {
        "ASSISTANT_UPLOAD_TOKEN": "s3cret-upload-token",
        "ASSISTANT_MILVUS_TOKEN": "",
        "ASSISTANT_TOP_K": "7",
    }
    result = CliRunner().invoke(main, ["settings", "--json"], env=env)
    assert result.exit_code == 0, result.output
    rows = {row["env"]: row for row in json.loads(result.stdout)}
    assert rows["ASSISTANT_UPLOAD_TOKEN"]["value"] == "(set)"
    assert rows["ASSISTANT_MILVUS_TOKEN"]["value"] == "(not set)"
    assert rows["ASSISTANT_TOP_K"]["value"] == "7" and rows["ASSISTANT_TOP_K"]["description"]
