"""Time from launching `python ui.py` (index already built) to the app answering a question.

Usage: .venv/bin/python bench/ui_startup.py [--runs 3] [--browser] [--json]

Works on a temporary copy of corpus/ with its own index (built once, not timed). Each run starts
ui.py, polls the page until it serves (``serving``), then asks one question through the named
``/ask`` endpoint with gradio_client (``answered``). With ``--browser`` the question is asked the
way a person would: Debian chromium (started before the clock) loads the page, types the question,
presses Enter and waits for the answer. Prints each run and the median.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import free_port, stop_app, wait_serving

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
QUESTION = "When did Bombardier arrive in Querétaro?"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _env(work: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "ASSISTANT_CORPUS_DIR": str(work / "corpus"),
        "ASSISTANT_INDEX_DIR": str(work / "index"),
        "ASSISTANT_FEEDBACK_LOG": str(work / "feedback.jsonl"),
        "ASSISTANT_PORT": str(port),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }


def _ask_client(url: str) -> None:
    from gradio_client import Client

    answer = Client(url, verbose=False).predict(QUESTION, "[]", "", 0, api_name="/ask")
    if not answer.get("answer"):
        raise RuntimeError(f"empty answer: {answer}")


def _ask_browser(url: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(url)
    box = page.locator("#question textarea")
    box.fill(QUESTION)
    box.press("Enter")
    page.wait_for_selector("#chat .qa-answer:not(.qa-streaming) .qa-text", timeout=120_000)
    page.close()


def one_run(work: Path, *, browser: Any = None) -> dict[str, float]:
    """One timed start; ``browser`` (already running, so not timed) asks like a person."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, str(ROOT / "ui.py")], cwd=ROOT, env=_env(work, port),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_serving(url, proc, poll=0.05)
        serving = time.perf_counter() - started
        if browser is not None:
            _ask_browser(url, browser)
        else:
            _ask_client(url)
        answered = time.perf_counter() - started
    finally:
        stop_app(proc, timeout=15)
    return {"serving_s": round(serving, 2), "answered_s": round(answered, 2)}


def build_index(work: Path) -> float:
    """Build the index of the copy once (ui.py's own first-run build), untimed by the runs."""
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [PYTHON, str(ROOT / "ui.py")], cwd=ROOT, env=_env(work, port),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_serving(f"http://127.0.0.1:{port}/", proc, poll=0.05)
    finally:
        stop_app(proc, timeout=30)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--browser", action="store_true", help="ask through chromium")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ui-startup-") as folder:
        work = Path(folder)
        shutil.copytree(ROOT / "corpus", work / "corpus")
        first = build_index(work)
        if args.browser:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                chromium = p.chromium.launch(
                    executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
                )
                runs = [one_run(work, browser=chromium) for _ in range(args.runs)]
                chromium.close()
        else:
            runs = [one_run(work) for _ in range(args.runs)]
    result = {
        "question": QUESTION,
        "via": "browser" if args.browser else "gradio_client",
        "first_run_with_index_build_s": round(first, 2),
        "runs": runs,
        "median_serving_s": statistics.median(r["serving_s"] for r in runs),
        "median_answered_s": statistics.median(r["answered_s"] for r in runs),
    }
    if args.json:
        print(json.dumps(result))
        return
    for i, run in enumerate(runs, start=1):
        print(f"run {i}: serving after {run['serving_s']:.2f} s, answered after "
              f"{run['answered_s']:.2f} s")  # fmt: skip
    print(f"first run (builds the index): serving after {first:.1f} s")
    serving, answered = result["median_serving_s"], result["median_answered_s"]
    print(
        f"median of {len(runs)} ({result['via']}): page serves after {serving:.2f} s, "
        f"first answer after {answered:.2f} s"
    )


if __name__ == "__main__":
    main()
