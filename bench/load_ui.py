"""Bounded load test of the chat UI: N simultaneous users against `python ui.py` on 127.0.0.1.

Starts ui.py on a free port (``ASSISTANT_PORT``) over a workspace with a built index; asks as one
user alone (the baseline, same server), then runs ``users`` threads, each with its own
gradio_client ``Client``, each asking ``per_user`` first-turn eval questions in turn through the
app's named ``/ask`` endpoint (``gr.api(..., api_name="ask")`` in ui.py, queued with
``settings.concurrency`` workers). Records every request's latency and every error, the wall
time, and the server's peak RSS (VmHWM from /proc). Stops the server it started (by its pid).
A fixed number of requests: it ends by itself.

    python bench/load_ui.py [--users 8] [--per-user 10]
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from common import (
    PYTHON,
    ROOT,
    Workspace,
    env,
    free_port,
    index_env,
    p50_p95,
    questions,
    stop_app,
    table,
    wait_serving,
)


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _user(url: str, asked: list[str], latencies: list[float], errors: list[str]) -> None:
    from gradio_client import Client

    try:
        client = Client(url, verbose=False)
    except Exception as exc:
        errors.append(f"connect: {exc}")
        return
    for question in asked:
        started = time.perf_counter()
        try:
            answer = client.predict(question, "[]", "", 0, api_name="/ask")
            if not isinstance(answer, dict) or "answer" not in answer:
                errors.append(f"malformed answer: {str(answer)[:100]}")
                continue
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            continue
        latencies.append((time.perf_counter() - started) * 1000)


def _load(url: str, users: int, per_user: int, offset: int = 0) -> dict[str, Any]:
    """``users`` threads asking ``per_user`` questions each; latencies, errors, wall time."""
    pool = questions()
    latencies: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=_user, args=(url, [pool[(offset + u * per_user + i) % len(pool)]
                         for i in range(per_user)], latencies, errors))
        for u in range(users)
    ]  # fmt: skip
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    p50, p95 = p50_p95(latencies) if latencies else (float("nan"), float("nan"))
    return {"users": users, "requests": users * per_user, "ok": len(latencies),
            "errors": errors, "p50_ms": p50, "p95_ms": p95, "max_ms": max(latencies, default=0.0),
            "wall_s": wall, "throughput": len(latencies) / wall}  # fmt: skip


def run(work: Path, users: int = 8, per_user: int = 10) -> dict[str, Any]:
    """Start ui.py on ``work`` (corpus/ and a built index/); one user alone (the baseline),
    then ``users`` at once, against the same server; stop it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    child_env = env(**index_env(work), ASSISTANT_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False")
    proc = subprocess.Popen([PYTHON, str(ROOT / "ui.py")], cwd=ROOT, env=child_env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        wait_serving(url, proc, timeout=300, poll=0.2)
        idle_mb = _peak_rss_mb(proc.pid)
        alone = _load(url, 1, per_user, offset=users * per_user)
        loaded = _load(url, users, per_user)
        peak_mb = _peak_rss_mb(proc.pid)
    finally:
        stop_app(proc)
    return {"alone": alone, "loaded": loaded, "idle_rss_mb": idle_mb, "peak_rss_mb": peak_mb}


def tables(result: dict[str, Any]) -> str:
    rows = [
        (r["users"], r["requests"], r["ok"], len(r["errors"]), r["p50_ms"], r["p95_ms"],
         r["max_ms"], r["throughput"])
        for r in (result["alone"], result["loaded"])
    ]  # fmt: skip
    headers = ["users", "requests", "answered", "errors", "p50 ms", "p95 ms", "max ms",
               "answers/s"]  # fmt: skip
    loaded, alone = result["loaded"], result["alone"]
    errors = "".join(f"\n- {e}" for e in sorted(set(loaded["errors"] + alone["errors"]))[:5])
    return (
        table(headers, rows, 1) + f"\n\np95 under {loaded['users']} users / one user alone: "
        f"{loaded['p95_ms'] / alone['p95_ms']:.1f}x; throughput "
        f"{loaded['throughput'] / alone['throughput']:.1f}x. Server RSS: "
        f"{result['idle_rss_mb']:.0f} MB idle, {result['peak_rss_mb']:.0f} MB peak."
        + (f"\n\nErrors:{errors}" if errors else "")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--per-user", type=int, default=10)
    args = parser.parse_args()
    from bench_index import run as build_once

    with Workspace("load") as ws:
        ws.copy_corpus()
        build_once(ws.path, noop_runs=0, changed_runs=0)
        print(tables(run(ws.path, args.users, args.per_user)))


if __name__ == "__main__":
    main()
