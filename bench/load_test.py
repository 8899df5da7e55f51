"""Load test: 20 simultaneous users ask varied questions of the running app for 60 seconds.

    python bench/load_test.py [--users 20] [--seconds 60] [--warmup 10] [--json]

Starts ``python ui.py`` in a subprocess on a free port (``ASSISTANT_PORT``) over the repository's
corpus/ and index/ (built by ui.py on first run if missing; the feedback log goes to a temporary
file), waits until it serves, then runs ``--users`` threads, each with its own gradio_client
``Client``, asking through the named ``/ask`` endpoint until the time is up: first-turn questions
from evals/questions.jsonl, follow-ups with a history, and odd but valid questions (other scripts,
emoji, markup, SQL, 5 KB of text). Every exception or malformed answer is an error. The server's
RSS is sampled every second with psutil; growth is measured from the end of the warm-up to the
end. Prints a table and exits 1 when there were errors or RSS grew more than 10 %.

Run by hand, not by pytest: it takes ``--seconds`` plus start-up. It stops the server it started
(by its pid) and nothing else. Non-job: correctness of answers (evals/), single-user latency
(bench/bench_ask.py).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import free_port, stop_app, wait_serving

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
ODD = [
    "墨西哥有哪些航空航天产业集群？",
    "ما هي التجمعات الصناعية في المكسيك؟",
    "Какие кластеры есть в Мексике?",
    "🚀 aerospace clusters in Querétaro? 🇲🇽",
    "<script>alert(1)</script> Which clusters are in Sonora?",
    "'; DROP TABLE documents; -- How many members does CLAUGTO have?",
    "{{7*7}} [1] [999] What does the Aerocluster of Querétaro offer its members?",
    "What is the population of the largest city on Mars?",
    "clusters " * 600,  # about 5 KB; the pipeline cuts it with a warning
]
FOLLOW_UPS = ["And how many members does it have?", "When was it founded?", "Where is it based?"]


def questions() -> list[str]:
    """First-turn eval questions (varied topics and forms)."""
    pool = []
    for line in (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            if not item.get("history"):
                pool.append(item["question"])
    return pool


def start_app(port: int, log: Path) -> subprocess.Popen[bytes]:
    environ = {
        **os.environ,
        "ASSISTANT_PORT": str(port),
        "ASSISTANT_HOST": "127.0.0.1",
        "ASSISTANT_CORPUS_DIR": str(ROOT / "corpus"),
        "ASSISTANT_INDEX_DIR": str(ROOT / "index"),
        "ASSISTANT_FEEDBACK_LOG": str(log.parent / "feedback.jsonl"),
        "GRADIO_ANALYTICS_ENABLED": "False",
        "HF_HUB_OFFLINE": "1",
    }
    with log.open("wb") as out:
        return subprocess.Popen([PYTHON, str(ROOT / "ui.py")], cwd=ROOT, env=environ,
                                stdout=out, stderr=subprocess.STDOUT)  # fmt: skip


class Recorder:
    """Latencies (with their start time), errors and RSS samples, shared by the threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: list[tuple[float, float, str]] = []  # (started s, latency ms, kind)
        self.errors: list[str] = []
        self.rss: list[tuple[float, float]] = []  # (seconds since load start, MB)


def user(url: str, number: int, until: float, t0: float, rec: Recorder) -> None:
    """One simulated user: ask, sometimes follow up with the history, until ``until``."""
    from gradio_client import Client

    rng = random.Random(number)
    pool = questions()
    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        with rec.lock:
            rec.errors.append(f"user {number} could not connect: {exc}")
        return
    history: list[dict[str, str]] = []
    while time.monotonic() < until:
        roll = rng.random()
        if history and roll < 0.25:
            question, kind = rng.choice(FOLLOW_UPS), "follow-up"
        elif roll < 0.4:
            question, kind, history = rng.choice(ODD), "odd", []
        else:
            question, kind, history = rng.choice(pool), "eval", []
        started = time.monotonic()
        try:
            answer = client.predict(question, json.dumps(history), "", 0, api_name="/ask")
            if not isinstance(answer, dict) or not isinstance(answer.get("answer"), str):
                raise ValueError(f"malformed answer {str(answer)[:120]}")
        except Exception as exc:
            with rec.lock:
                rec.errors.append(f"{kind} {question[:40]!r}: {type(exc).__name__}: {exc}"[:300])
            history = []
            continue
        elapsed = (time.monotonic() - started) * 1000
        with rec.lock:
            rec.latencies.append((started - t0, elapsed, kind))
        history = [*history, {"role": "user", "content": question},
                   {"role": "assistant", "content": answer["answer"]}][-6:]  # fmt: skip


def sample_rss(pid: int, stop: threading.Event, t0: float, rec: Recorder) -> None:
    import psutil

    process = psutil.Process(pid)
    while not stop.is_set():
        try:
            mb = process.memory_info().rss / 2**20
        except psutil.Error:
            return
        with rec.lock:
            rec.rss.append((time.monotonic() - t0, mb))
        stop.wait(1.0)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarise(rec: Recorder, users: int, seconds: float, warmup: float) -> dict[str, Any]:
    all_ms = [ms for _, ms, _ in rec.latencies]
    after = [ms for start, ms, _ in rec.latencies if start >= warmup]
    by_kind = {
        kind: percentile([ms for _, ms, k in rec.latencies if k == kind], 0.5)
        for kind in ("eval", "follow-up", "odd")
    }
    warm = [mb for t, mb in rec.rss if warmup <= t < warmup + 3] or [rec.rss[0][1]]
    end = [mb for t, mb in rec.rss if t >= seconds - 3] or [rec.rss[-1][1]]
    base_mb, end_mb = statistics.median(warm), statistics.median(end)
    return {
        "users": users,
        "seconds": seconds,
        "requests": len(rec.latencies) + len(rec.errors),
        "answered": len(rec.latencies),
        "errors": len(rec.errors),
        "error_samples": sorted(set(rec.errors))[:5],
        "throughput_per_s": len(rec.latencies) / seconds,
        "p50_ms": percentile(all_ms, 0.5),
        "p95_ms": percentile(all_ms, 0.95),
        "max_ms": max(all_ms, default=float("nan")),
        "p50_after_warmup_ms": percentile(after, 0.5),
        "p95_after_warmup_ms": percentile(after, 0.95),
        "p50_by_kind_ms": by_kind,
        "rss_start_mb": rec.rss[0][1],
        "rss_after_warmup_mb": base_mb,
        "rss_end_mb": end_mb,
        "rss_max_mb": max(mb for _, mb in rec.rss),
        "rss_growth_after_warmup_pct": (end_mb / base_mb - 1) * 100,
        "rss_samples": len(rec.rss),
    }


def table(result: dict[str, Any]) -> str:
    r = result
    rows = [
        ("simulated users", f"{r['users']}"),
        ("duration", f"{r['seconds']:.0f} s (warm-up {r['warmup']:.0f} s)"),
        ("requests / answered / errors", f"{r['requests']} / {r['answered']} / {r['errors']}"),
        ("throughput", f"{r['throughput_per_s']:.1f} answers/s"),
        ("latency p50 / p95 / max",
         f"{r['p50_ms']:.0f} / {r['p95_ms']:.0f} / {r['max_ms']:.0f} ms"),
        ("after warm-up p50 / p95",
         f"{r['p50_after_warmup_ms']:.0f} / {r['p95_after_warmup_ms']:.0f} ms"),
        ("p50 by kind (eval / follow-up / odd)",
         " / ".join(f"{v:.0f}" for v in r["p50_by_kind_ms"].values()) + " ms"),
        ("server RSS start / after warm-up / end / max",
         f"{r['rss_start_mb']:.0f} / {r['rss_after_warmup_mb']:.0f} / {r['rss_end_mb']:.0f} / "
         f"{r['rss_max_mb']:.0f} MB"),
        ("RSS growth after warm-up", f"{r['rss_growth_after_warmup_pct']:+.1f} % (target <= 10 %)"),
    ]  # fmt: skip
    width = max(len(k) for k, _ in rows)
    lines = [f"| {'measure':<{width}} | value |", f"|{'-' * (width + 2)}|-------|"]
    lines += [f"| {k:<{width}} | {v} |" for k, v in rows]
    for sample in r["error_samples"]:
        lines.append(f"error: {sample}")
    return "\n".join(lines)


def run(users: int, seconds: float, warmup: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="load-test-") as tmp:
        log = Path(tmp) / "ui.log"
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        proc = start_app(port, log)
        try:
            startup = wait_serving(url, proc)
            from gradio_client import Client

            Client(url, verbose=False).predict("What is CLAUGTO?", "[]", "", 0, api_name="/ask")
            rec, stop = Recorder(), threading.Event()
            t0 = time.monotonic()
            sampler = threading.Thread(target=sample_rss, args=(proc.pid, stop, t0, rec))
            sampler.start()
            threads = [threading.Thread(target=user, args=(url, n, t0 + seconds, t0, rec))
                       for n in range(users)]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            stop.set()
            sampler.join()
            if proc.poll() is not None:
                rec.errors.append(f"the server exited with code {proc.returncode}")
        except BaseException:
            sys.stderr.write(log.read_text(errors="replace")[-3000:])
            raise
        finally:
            stop_app(proc)
    result = summarise(rec, users, seconds, warmup)
    return {**result, "warmup": warmup, "startup_s": startup}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args()
    result = run(args.users, args.seconds, args.warmup)
    print(table(result))
    if args.json:
        print(json.dumps(result, indent=1))
    ok = result["errors"] == 0 and result["rss_growth_after_warmup_pct"] <= 10
    print("PASS" if ok else "FAIL", "(errors must be 0, RSS growth after warm-up <= 10 %)")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
