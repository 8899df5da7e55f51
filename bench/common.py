"""Shared helpers for the benchmark scripts: workers in fresh processes, statistics, tables.

Every measurement that needs a cold process or its own peak memory runs in a child Python
(``run_worker``): the child imports a function from a bench module, calls it with JSON arguments,
and prints its JSON result with its own peak RSS (``resource.getrusage``). Timings are reported as
medians and 95th percentiles because the machine is shared and noisy; comparisons are ratios of
figures taken in the same run. Nothing here asserts a figure.

Non-job: the measurements themselves (see the ``bench_*`` modules).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
MARKER = "@@BENCH-RESULT@@"
FORBIDDEN_ON_ASK = (
    "torch", "sentence_transformers", "transformers", "gradio", "matplotlib", "langchain_openai",
)  # fmt: skip


def env(**overrides: str) -> dict[str, str]:
    """The environment for a child: offline, the repo importable, and any ASSISTANT_* overrides."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    paths = [str(ROOT), str(BENCH), base.get("PYTHONPATH", "")]
    base.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        TOKENIZERS_PARALLELISM="false",
        PYTHONPATH=os.pathsep.join(p for p in paths if p),
    )
    base.update(overrides)
    return base


def run_worker(
    module: str, func: str, kwargs: dict[str, Any] | None = None, *, timeout: float = 1800,
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Run ``bench/<module>.py:<func>(**kwargs)`` in a fresh Python; its result, with
    ``peak_rss_mb`` (the child's own peak resident memory) and ``process_s`` (spawn to exit)."""
    code = (
        "import json, resource, sys\n"
        f"from {module} import {func} as f\n"
        "result = f(**json.loads(sys.argv[1]))\n"
        "result['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
        f"print({MARKER!r} + json.dumps(result))\n"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-c", code, json.dumps(kwargs or {})],
        cwd=ROOT, env=env(**(extra_env or {})), capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith(MARKER)]
    if proc.returncode or not lines:
        raise RuntimeError(
            f"bench worker {module}.{func} failed (exit {proc.returncode}):\n"
            f"{proc.stderr[-3000:]}\n{proc.stdout[-1000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len(MARKER) :])
    result["process_s"] = elapsed
    return result


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def p50_p95(values: Sequence[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 95)


def timed(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """(result, seconds)."""
    started = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - started


def fmt(value: Any, digits: int = 1) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]], digits: int = 1) -> str:
    """A Markdown table; floats with ``digits`` decimals."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(fmt(v, digits) for v in row) + " |")
    return "\n".join(lines)


def dir_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def data_dir(index_dir: Path) -> Path:
    """The data folder the manifest points at."""
    manifest = json.loads((index_dir / "manifest.json").read_text(encoding="utf-8"))
    return index_dir / manifest["data"]


def questions(limit: int | None = None) -> list[str]:
    """Eval questions, first-turn ones only (unanswerable ones included), in file order."""
    out = []
    with open(ROOT / "evals" / "questions.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("history"):
                continue
            out.append(str(item["question"]))
    return out[:limit] if limit else out


class Workspace:
    """A temporary folder with a copy of the real corpus, removed on exit (unless keep=True)."""

    def __init__(self, name: str, keep: bool = False) -> None:
        self.path = Path(tempfile.mkdtemp(prefix=f"bench-{name}-"))
        self.keep = keep

    def copy_corpus(self, source: Path = ROOT / "corpus") -> Path:
        target = self.path / "corpus"
        shutil.copytree(source, target)
        return target

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        if not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)


def run_cli(args: Sequence[str], extra_env: dict[str, str], timeout: float = 600) -> float:
    """Wall seconds of one ``assistant ARGS`` run in a fresh process (spawn to exit)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "assistant"), *args],
        cwd=ROOT, env=env(**extra_env), capture_output=True, text=True, timeout=timeout,
        check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 3):  # 3: index built, some files skipped
        raise RuntimeError(f"assistant {' '.join(args)} failed: {proc.stderr[-2000:]}")
    return elapsed


def index_env(workspace: Path) -> dict[str, str]:
    """ASSISTANT_* variables pointing the assistant at a workspace's corpus and index."""
    return {
        "ASSISTANT_CORPUS_DIR": str(workspace / "corpus"),
        "ASSISTANT_INDEX_DIR": str(workspace / "index"),
        "ASSISTANT_FEEDBACK_LOG": str(workspace / "feedback.jsonl"),
    }


# A running ui.py ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_serving(
    url: str, proc: subprocess.Popen[bytes], timeout: float = 600, poll: float = 0.25
) -> float:
    """Seconds until ``url`` answers 200; an error if ui.py exits or ``timeout`` passes first."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"ui.py exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(poll)
    raise TimeoutError(f"{url} did not serve within {timeout:.0f} s")


def stop_app(proc: subprocess.Popen[bytes], timeout: float = 20) -> None:
    """Ctrl-C, as a person stops it; killed if it does not exit within ``timeout``."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
