"""The reader as a torch module: what ``train.py`` trains and the tests compare numpy against.

Job: build the encoder (the first ``layers`` layers of the packaged all-MiniLM-L6-v2) with its
two heads (sentence: [mean of the span's token states ; CLS] -> 1 logit; span: token -> start,
end), load an exported model back as float32, and turn encoded inputs into tensors.

Non-job: training (``train.py``), inference in the app (``model.py``, numpy only).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..store.embed import packaged_model_dir
from .inputs import Encoded, pad, pool_matrix


def build_model(layers: int, base: Path | None = None) -> Any:
    import torch
    from transformers import BertModel

    class Reader(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = BertModel.from_pretrained(
                str(base or packaged_model_dir()), num_hidden_layers=layers,
                add_pooling_layer=False,
            )  # fmt: skip
            hidden = self.bert.config.hidden_size
            self.sentence = torch.nn.Linear(2 * hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def forward(self, ids: Any, types: Any, mask: Any, pool: Any) -> tuple[Any, Any]:
            states = self.bert(input_ids=ids, token_type_ids=types, attention_mask=mask)[0]
            pooled = torch.bmm(pool, states)  # (batch, spans, hidden)
            cls = states[:, :1].expand(-1, pooled.shape[1], -1)
            sentence = self.sentence(torch.cat([pooled, cls], dim=-1)).squeeze(-1)
            span = self.span(states)  # (batch, seq, 2)
            return sentence, span

    return Reader()


def load_trained(model_dir: Path) -> Any:
    """The exported reader as a torch module (float32), for checking the numpy forward pass."""
    import torch
    from safetensors.torch import load_file

    meta = json.loads((model_dir / "reader.json").read_text())
    model = build_model(int(meta["layers"]), base=model_dir).float()
    state = load_file(str(model_dir / "model.safetensors"))
    heads = {k: v.float() for k, v in state.items() if k.startswith(("sentence.", "span."))}
    model.load_state_dict(heads, strict=False)
    model.eval()
    with torch.no_grad():
        for name, value in state.items():
            if not name.startswith(("sentence.", "span.")):
                assert model.bert.state_dict()[name].shape == value.shape, name
    return model


def tensors(batch: list[Encoded]) -> dict[str, Any]:
    import torch

    ids, types, mask = pad(batch)
    pool = pool_matrix(batch, ids.shape[1])
    return {
        "ids": torch.from_numpy(ids),
        "types": torch.from_numpy(types),
        "mask": torch.from_numpy(mask),
        "pool": torch.from_numpy(pool),
    }
