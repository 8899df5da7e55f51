"""NumpyEmbedder against sentence-transformers on the packaged all-MiniLM-L6-v2 (real model).

Checks the vectors match per text (cosine >= 0.9999), the invariants a query embedder needs
(shape, dtype, unit norm, truncation at 256 tokens, padding does not leak into a batch), that the
exact GELU is exact, and that the torch-free path really never imports torch.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from assistant.store.embed import (
    DIMENSION,
    Embedder,
    SentenceTransformerEmbedder,
    make_embedder,
    packaged_model_dir,
)
from assistant.store.embed_numpy import NumpyEmbedder, _gelu

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[1]

LONG_ES = " ".join(
    f"El clúster aeroespacial de Querétaro suma {n} empresas y exporta a Estados Unidos."
    for n in range(40)
)
LONG_EN = "Guadalajara's IT cluster grew fast because of talent and proximity. " * 30

TEXTS = [
    "",
    "x",
    "Querétaro",
    "Monterrey, Nuevo León",
    "CIUDAD DE MÉXICO",
    "¿Cuántas empresas de tecnologías de la información hay en Jalisco?",
    "How many IT companies are in the Jalisco cluster?",
    "El Bajío concentra la industria automotriz: Guanajuato, Querétaro y Aguascalientes.",
    "In 2021, MXTI reported 1,234 members and 45.6% growth (US$ 2.5 bn).",
    "  leading and trailing whitespace   ",
    "Ñuñoa, São Paulo, Zürich, Montréal — accents and dashes…",
    "Tijuana maquiladoras 🚀 medical devices",
    "CLUTIG; Clúster de Tecnologías de Información de Guanajuato.",
    "a",
    "the the the the the",
    "1 2 3 4 5 6 7 8 9 10",
    "nearshoring",
    LONG_ES,
    LONG_EN,
    LONG_ES[:700] + " " + LONG_EN[:500],
]


@pytest.fixture(scope="module")
def numpy_vectors() -> np.ndarray:
    return NumpyEmbedder().embed(TEXTS)


@pytest.fixture(scope="module")
def torch_vectors() -> np.ndarray:
    return SentenceTransformerEmbedder().embed(TEXTS)


def test_matches_sentence_transformers_text_by_text(
    numpy_vectors: np.ndarray, torch_vectors: np.ndarray
) -> None:
    assert numpy_vectors.shape == torch_vectors.shape == (len(TEXTS), DIMENSION)
    assert numpy_vectors.dtype == torch_vectors.dtype == np.float32
    cosines = (numpy_vectors * torch_vectors).sum(axis=1)
    worst = int(np.argmin(cosines))
    assert cosines.min() >= 0.9999, f"cosine {cosines[worst]:.6f} for {TEXTS[worst][:60]!r}"


def test_vectors_are_unit_length(numpy_vectors: np.ndarray) -> None:
    np.testing.assert_allclose(np.linalg.norm(numpy_vectors, axis=1), 1.0, atol=1e-5)


def test_long_texts_really_exceed_the_256_token_limit() -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(packaged_model_dir() / "tokenizer.json"))
    tokenizer.no_truncation()
    for text in (LONG_ES, LONG_EN):
        assert len(tokenizer.encode(text).ids) > 300


def test_text_after_the_first_256_tokens_is_ignored() -> None:
    embedder = NumpyEmbedder()
    base, extended = embedder.embed([LONG_ES, LONG_ES + " Monterrey tiene acero y vidrio."])
    assert float(base @ extended) > 0.999999


def test_padding_in_a_batch_does_not_change_a_vector(numpy_vectors: np.ndarray) -> None:
    embedder = NumpyEmbedder(batch_size=4)  # other batch composition, other padding lengths
    for row in (1, 5, 9):
        alone = embedder.embed([TEXTS[row]])[0]
        np.testing.assert_allclose(alone, numpy_vectors[row], atol=1e-5)


def test_distinct_texts_get_distinct_vectors(numpy_vectors: np.ndarray) -> None:
    similarity = numpy_vectors @ numpy_vectors.T
    off_diagonal = similarity[~np.eye(len(TEXTS), dtype=bool)]
    assert off_diagonal.max() < 0.9999  # would fail if every text mapped to one vector


def test_empty_list_gives_an_empty_matrix() -> None:
    vectors = NumpyEmbedder().embed([])
    assert vectors.shape == (0, DIMENSION)
    assert vectors.dtype == np.float32


def test_is_the_embedder_the_factory_returns() -> None:
    embedder = make_embedder("numpy")
    assert isinstance(embedder, NumpyEmbedder)
    assert isinstance(embedder, Embedder)
    assert (embedder.model_id, embedder.dimension) == ("all-MiniLM-L6-v2", 384)
    assert embedder.model_id == SentenceTransformerEmbedder.model_id


def test_gelu_is_the_exact_erf_gelu_to_one_ulp() -> None:
    x = np.concatenate([np.linspace(-30, 30, 60_001), np.linspace(-1e-3, 1e-3, 2_001)])
    x = x.astype(np.float32)
    exact = np.array([v * 0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    exact32 = exact.astype(np.float32)
    got = _gelu(x.reshape(1, -1)).ravel()
    assert got.dtype == np.float32
    ulps = np.abs(got.astype(np.float64) - exact32) / np.spacing(np.abs(exact32))
    assert ulps.max() <= 1.0
    assert np.mean(got == exact32) > 0.999


def test_embedding_never_imports_torch() -> None:
    code = (
        "import sys; from assistant.store.embed_numpy import NumpyEmbedder; "
        "NumpyEmbedder().embed(['x']); print('torch' in sys.modules)"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False", result.stdout + result.stderr
