"""A build killed with SIGKILL at any step leaves a usable index: the old one or the new one,
complete, never a mix; the next plain build then finishes the job.

The build runs in a real subprocess (a small script in tmp_path) with the fake embedder; the script
prints a marker before each step of the save (every file write, fsync, rename and the manifest
switch) and before each embedding call, and pauses briefly there, so the test can kill it at each
step in turn.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from assistant.store.build import build_index
from assistant.store.embed import HashEmbedder
from assistant.store.index import MANIFEST, index_views, load_index

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = textwrap.dedent(
    """
    import os, re, shutil, sys, time
    from pathlib import Path

    import assistant.store.index as index_module
    from assistant.store.build import build_index
    from assistant.store.embed import HashEmbedder

    def mark(text):
        print(text, flush=True)
        time.sleep(float(os.environ.get("PAUSE", "0.05")))

    class SlowEmbedder(HashEmbedder):
        def embed(self, texts):
            mark("embed")
            return super().embed(texts)

    def announce(owner, name, arg=0):
        original = getattr(owner, name)
        def wrapper(*args, **kwargs):
            # random folder names and pids vary between runs: the markers must not
            target = re.sub(r"data-[0-9a-f]+", "data-X", Path(str(args[arg])).name)
            target = re.sub(r"\\.\\d+\\.tmp$", ".PID.tmp", target)
            mark(f"{name} {target}")
            result = original(*args, **kwargs)
            mark(f"done {name} {target}")
            return result
        setattr(owner, name, wrapper)

    for name in ("_write_bytes", "_fsync_dir", "atomic_write_json"):
        announce(index_module, name)
    announce(os, "replace", arg=1)  # named by its destination
    announce(shutil, "rmtree")
    corpus, index_dir, rebuild = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "1"
    report = build_index(corpus, index_dir, SlowEmbedder(), rebuild=rebuild)
    print("finished", report.chunks, flush=True)
    """
)


def write_corpus(folder: Path, version: str) -> None:
    """Version "A": 24 documents. Version "B": 8 of them changed, 3 removed, 3 added."""
    if folder.exists():
        for path in folder.iterdir():
            path.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    names = list(range(24)) if version == "A" else [*range(3, 24), 30, 31, 32]
    for n in names:
        edition = "second" if version == "B" and n % 3 == 0 else "first"
        paragraphs = [
            f"Cluster {n} Report\n",
            f"The cluster number {n} has {n * 7 + 3} members in its {edition} edition. "
            f"It was founded in {1990 + n} and works on aerospace, software and energy.",
            f"Its committees are Human Capital, Supply Chain and Innovation {n}. "
            f"The {edition} survey counted {n * 11} companies and {n + 4} universities.",
        ]
        (folder / f"doc{n:02d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")


def chunk_ids(index_dir: Path) -> set[str]:
    return {c.id for c in load_index(index_dir).chunks}


def assert_consistent(index_dir: Path) -> None:
    """Every stored vector is the embedding of one of its chunk's views (no mixed-up rows)."""
    index = load_index(index_dir)
    embedder = HashEmbedder()
    for row, chunk_index in enumerate(index.view_chunk.tolist()):
        chunk = index.chunks[chunk_index]
        views = embedder.embed(index_views(chunk, index.docs[chunk.doc_id]))
        assert any(np.allclose(index.vectors[row], v, atol=1e-6) for v in views)
    assert {c.doc_id for c in index.chunks} == set(index.docs)


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    """Chunk ids of an index of version A and of version B, each built from scratch."""
    base = tmp_path_factory.mktemp("states")
    out = {}
    for version in ("A", "B"):
        write_corpus(base / version, version)
        build_index(base / version, base / f"index-{version}", HashEmbedder())
        out[version] = chunk_ids(base / f"index-{version}")
    assert out["A"] != out["B"]
    return out


def start(script: Path, corpus: Path, index_dir: Path, rebuild: bool) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PAUSE": "0.05"}
    return subprocess.Popen(
        [sys.executable, str(script), str(corpus), str(index_dir), "1" if rebuild else "0"],
        stdout=subprocess.PIPE,
        stderr=open(index_dir.parent / "stderr.txt", "w"),
        text=True,
        env=env,
    )


def markers(tmp_path: Path, rebuild: bool) -> list[str]:
    """The full sequence of step markers of an uninterrupted build from A to B."""
    script = tmp_path / "build_script.py"
    script.write_text(SCRIPT)
    corpus, index_dir = tmp_path / "probe" / "corpus", tmp_path / "probe" / "index"
    write_corpus(corpus, "A")
    build_index(corpus, index_dir, HashEmbedder())
    write_corpus(corpus, "B")
    process = start(script, corpus, index_dir, rebuild)
    out, _ = process.communicate(timeout=300)
    assert process.returncode == 0, (tmp_path / "probe" / "stderr.txt").read_text()
    lines = out.splitlines()
    assert lines[-1].startswith("finished")
    return lines[:-1]


def kill_points(lines: list[str]) -> list[tuple[str, int]]:
    """(marker, occurrence) for every save step and for a few embedding calls."""
    seen: dict[str, int] = {}
    points = []
    for line in lines:
        seen[line] = seen.get(line, 0) + 1
        if line != "embed" or seen[line] in (1, 4):
            points.append((line, seen[line]))
    return points


def kill_at(process: subprocess.Popen[str], marker: str, occurrence: int) -> bool:
    """Read markers until the wanted one, then SIGKILL. False if the build finished first."""
    assert process.stdout is not None
    count = 0
    for line in process.stdout:
        if line.startswith("finished"):
            break
        if line.rstrip("\n") == marker:
            count += 1
            if count == occurrence:
                os.kill(process.pid, signal.SIGKILL)
                process.wait(timeout=60)
                return True
    process.wait(timeout=60)
    return False


@pytest.mark.parametrize("rebuild", [False, True], ids=["incremental", "rebuild"])
def test_killed_build_leaves_old_or_new_index(
    tmp_path: Path, states: dict[str, set[str]], rebuild: bool
) -> None:
    lines = markers(tmp_path, rebuild)
    points = kill_points(lines)
    if rebuild:  # the save steps are the same code as above: kill at the decisive ones only
        decisive = ("embed", "replace data-X", f"replace {MANIFEST}", f"done replace {MANIFEST}")
        points = [p for p in points if p[0] in (*decisive, "rmtree data-X")]
    # every kind of step is among the kill points: embedding, file writes, renames, the switch
    kinds = {line.split(" ")[0] for line, _ in points}
    assert {"embed", "replace", "rmtree"} <= kinds
    assert rebuild or {"_write_bytes", "_fsync_dir", "atomic_write_json"} <= kinds
    script = tmp_path / "build_script.py"
    outcomes = []
    for i, (marker, occurrence) in enumerate(points):
        # the same folder names in every run: the markers name them
        corpus, index_dir = tmp_path / f"run{i}" / "corpus", tmp_path / f"run{i}" / "index"
        write_corpus(corpus, "A")
        build_index(corpus, index_dir, HashEmbedder())
        write_corpus(corpus, "B")
        process = start(script, corpus, index_dir, rebuild)
        killed = kill_at(process, marker, occurrence)
        assert killed, f"ended before {marker}: {(index_dir.parent / 'stderr.txt').read_text()}"
        assert process.returncode == -signal.SIGKILL
        ids = chunk_ids(index_dir)  # loads: never IndexMismatchError
        assert ids in (states["A"], states["B"]), f"a mix after a kill at {marker} #{occurrence}"
        assert_consistent(index_dir)
        outcomes.append("A" if ids == states["A"] else "B")
        # a plain build afterwards completes the update
        report = build_index(corpus, index_dir, HashEmbedder())
        assert chunk_ids(index_dir) == states["B"]
        assert report.skipped == []
        assert_consistent(index_dir)
        data = [p.name for p in index_dir.iterdir() if p.is_dir()]
        assert len(data) == 1 and data[0].startswith("data-")  # stale folders were tidied away
        assert not [p.name for p in index_dir.iterdir() if p.name.endswith(".tmp")]
    # kills before the manifest switch keep A, kills after it give B: both were exercised
    assert outcomes[0] == "A" and outcomes[-1] == "B"
    switch = next(i for i, (m, _) in enumerate(points) if m == f"done replace {MANIFEST}")
    assert set(outcomes[:switch]) == {"A"} and set(outcomes[switch:]) == {"B"}
