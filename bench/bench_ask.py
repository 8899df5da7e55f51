"""Ask benchmarks on the real corpus: warm latency per step, cold `assistant ask`, memory, and the
plain LangChain recipe for comparison (build time and retrieval latency, as ratios).

Needs a built index in ``work/index`` (``bench_index`` leaves one). Warm figures come from one
serving process answering the first-turn eval questions (extractive mode), from the timings the
pipeline records in ``Answer.timings_ms``. Cold figures: the real ``assistant ask "..."`` command
timed from spawn to exit, and the same steps timed one by one in a fresh process; the import
profile comes from ``python -X importtime``.

    python bench/bench_ask.py
"""

from __future__ import annotations

import re
import statistics
import subprocess
from pathlib import Path
from typing import Any

from common import (
    PYTHON,
    ROOT,
    Workspace,
    env,
    index_env,
    p50_p95,
    run_cli,
    run_worker,
    table,
)

QUESTION = "How many members does CLAUGTO have?"


def import_profile(top: int = 8) -> dict[str, Any]:
    """Cumulative import time of `import assistant.cli`, and its heaviest top-level packages."""
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", "import assistant.cli"],
        cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    packages: dict[str, float] = {}
    total = 0.0
    for line in proc.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| *(\S+)", line)
        if not match:
            continue
        cumulative, name = int(match.group(1)) / 1e6, match.group(2)
        if name == "assistant.cli":
            total = cumulative
        root = name.split(".")[0]
        if root not in ("assistant", "site", "encodings") and not root.startswith("_"):
            packages[root] = max(packages.get(root, 0.0), cumulative)  # outermost import
    heavy = sorted(packages.items(), key=lambda kv: -kv[1])[:top]
    return {"total_s": total, "heaviest": heavy}


def run(work: Path, *, n_questions: int = 200, cold_runs: int = 5, recipe_rounds: int = 2) -> dict:
    variables = index_env(work)
    warm = run_worker("serve_workers", "serve", {"n_questions": n_questions}, extra_env=variables)
    python_start = [
        run_worker("serve_workers", "nothing", {}, extra_env=variables)["process_s"]
        for _ in range(3)
    ]
    cli = [run_cli(["ask", QUESTION], variables) for _ in range(cold_runs)]
    steps = [
        run_worker("serve_workers", "cold_ask", {"question": QUESTION}, extra_env=variables)
        for _ in range(cold_runs)
    ]
    profile = import_profile()
    recipe = run_worker(
        "serve_workers", "compare_recipe",
        {"corpus_dir": str(work / "corpus"), "scratch_dir": str(work / "scratch-index"),
         "n_questions": 60, "rounds": recipe_rounds},
        extra_env=variables,
    )  # fmt: skip
    return {"warm": warm, "python_start_s": python_start, "cli_s": cli, "cold_steps": steps,
            "imports": profile, "recipe": recipe}  # fmt: skip


def _warm_table(warm: dict) -> str:
    steps = warm["steps_ms"]
    rows = [(s, steps[s]["p50"], steps[s]["p95"]) for s in ("condense", "retrieve", "answer",
                                                              "verify", "total")]  # fmt: skip
    rows.insert(2, ("  of which query embedding", warm["query_embed_ms"]["p50"],
                    warm["query_embed_ms"]["p95"]))  # fmt: skip
    return table(["step", "p50 ms", "p95 ms"], rows, 1)


def _cold_table(results: dict) -> str:
    steps = results["cold_steps"]
    cli50, cli95 = p50_p95(results["cli_s"])
    start = statistics.median(results["python_start_s"])
    keys = ("imports_s", "index_load_s", "model_load_s", "answer_s")
    med = {k: statistics.median(s[k] for s in steps) for k in keys}
    heavy = sorted({m for s in steps for m in s["heavy_modules"]})
    rows = [
        ("`assistant ask \"...\"`, spawn to printed answer", cli50, cli95),
        ("  Python start-up (`python -c ...` with nothing)", start, float("nan")),
        ("  imports (`import assistant.cli`)", med["imports_s"], float("nan")),
        ("  index load (FAISS, BM25, chunks)", med["index_load_s"], float("nan")),
        ("  embedding model load (tokenizer + weights)", med["model_load_s"], float("nan")),
        ("  answer (embed query, retrieve, compose, verify, render)", med["answer_s"],
         float("nan")),
    ]  # fmt: skip
    imports = results["imports"]
    heaviest = ", ".join(f"{name} {sec:.2f} s" for name, sec in imports["heaviest"])
    return (
        table(["cold run", "p50 s", "p95 s"], rows, 2)
        + f'\n\n`python -X importtime -c "import assistant.cli"`: {imports["total_s"]:.2f} s; '
        f"heaviest packages: {heaviest}. Heavy modules loaded on the ask path: "
        f"{', '.join(heavy) or 'none'} (checked: torch, sentence_transformers, transformers, "
        "gradio, matplotlib, langchain_openai)."
    )


def _recipe_table(recipe: dict) -> str:
    build, ms = recipe["build_s"], recipe["retrieve_ms"]
    ours_b, ours_r = build["assistant"]["p50"], ms["assistant"]["p50"]
    rows = [
        ("build (same loaded model, same process)", ours_b, build["recipe"]["p50"],
         ours_b / build["recipe"]["p50"], "s"),
        ("retrieve, p50 (recipe queried with the numpy embedder)", ours_r,
         ms["recipe_numpy_query"]["p50"], ours_r / ms["recipe_numpy_query"]["p50"], "ms"),
        ("retrieve, p95 (recipe queried with the numpy embedder)", ms["assistant"]["p95"],
         ms["recipe_numpy_query"]["p95"],
         ms["assistant"]["p95"] / ms["recipe_numpy_query"]["p95"], "ms"),
        ("retrieve, p50 (recipe queried with sentence-transformers)", ours_r,
         ms["recipe_torch_query"]["p50"], ours_r / ms["recipe_torch_query"]["p50"], "ms"),
    ]  # fmt: skip
    return table(["measure", "assistant", "LangChain recipe", "ratio assistant/recipe", "unit"],
                 rows, 2) + (f"\n\nRecipe: {recipe['recipe_chunks']} chunks "
                             "(RecursiveCharacterTextSplitter 1000/200, exact FAISS).")  # fmt: skip


def tables(results: dict) -> str:
    warm = results["warm"]
    return "\n\n".join(
        [
            f"### Warm ask, extractive ({warm['steps_ms']['total']['n']} first-turn eval "
            f"questions, one serving process; peak RSS {warm['peak_rss_mb']:.0f} MB; "
            f"FAISS {warm['faiss']}, {warm['chunks']} chunks)",
            _warm_table(warm),
            "### Cold `assistant ask` (fresh process each run)",
            _cold_table(results),
            "### Against the plain LangChain recipe (same run, same process)",
            _recipe_table(results["recipe"]),
        ]
    )


def main() -> None:
    from bench_index import run as build_index_once

    with Workspace("ask") as ws:
        ws.copy_corpus()
        build_index_once(ws.path, noop_runs=0, changed_runs=0)
        print(tables(run(ws.path)))


if __name__ == "__main__":
    main()
