"""Low-rank (LoRA) adaptation of the encoder's attention, trained on the project's corpus.

A frozen e5 embedding separates harmless posts that *mention* suicide (supportive replies,
idioms, news) poorly from posts that express risk. Adapting the query and value
projections with rank-r updates fixes much of that at a tiny cost: the update is a few
hundred kilobytes of plain arrays (``ml/model/lora.npz``, committed) merged into the
weights at load time, so inference is exactly as fast as the base encoder.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

logger = logging.getLogger("ml.finetune")

TARGETS = ("query", "value")  # attention projections that receive a low-rank update
_BOS_ID, _EOS_ID, _PAD_ID = 0, 2, 1


class LoRALinear(torch.nn.Module):
    """``base(x) + scale * x A^T B^T`` with A, B trainable and the base frozen."""

    def __init__(self, base: torch.nn.Linear, rank: int, alpha: float, seed: int) -> None:
        super().__init__()
        self.base = base
        generator = torch.Generator().manual_seed(seed)
        self.lora_a = torch.nn.Parameter(
            torch.randn(rank, base.in_features, generator=generator) / base.in_features**0.5
        )
        self.lora_b = torch.nn.Parameter(torch.zeros(base.out_features, rank))
        self.scale = alpha / rank

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Base projection plus the low-rank update."""
        return self.base(x) + (x @ self.lora_a.T @ self.lora_b.T) * self.scale


def lora_hash(path: Path) -> str:
    """Short content hash of a LoRA file, part of embedding cache keys."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def merge_lora(model: torch.nn.Module, arrays: dict[str, np.ndarray]) -> None:
    """Add the low-rank deltas into the model's Linear weights in place (inference only)."""
    scale = float(arrays["scale"])
    with torch.no_grad():
        for index, layer in enumerate(model.encoder.layer):  # type: ignore[union-attr]
            for target in TARGETS:
                linear = getattr(layer.attention.self, target)
                a = torch.from_numpy(arrays[f"layer{index}.{target}.a"])
                b = torch.from_numpy(arrays[f"layer{index}.{target}.b"])
                linear.weight += (b @ a) * scale


def load_lora(path: Path) -> dict[str, np.ndarray]:
    """Read a LoRA npz (no pickles)."""
    with np.load(path, allow_pickle=False) as data:
        return {key: np.asarray(data[key]) for key in data.files}


def train_lora(
    model: torch.nn.Module,
    sequences: Sequence[Sequence[int]],
    labels: Sequence[int],
    weights: Sequence[float],
    *,
    prefix_ids: Sequence[int],
    rank: int = 8,
    alpha: float = 16.0,
    epochs: int = 2,
    batch_size: int = 16,
    learning_rate: float = 5e-4,
    seed: int = 13,
    n_levels: int = 4,
) -> dict[str, np.ndarray]:
    """Train LoRA updates plus a throw-away linear level head; return the LoRA arrays.

    The model is modified during training and restored afterwards (wrappers removed).
    """
    torch.manual_seed(seed)
    rng = random.Random(seed)  # noqa: S311 - reproducible shuffling, not security
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    wrapped: list[tuple[torch.nn.Module, str, LoRALinear]] = []
    for index, layer in enumerate(model.encoder.layer):  # type: ignore[union-attr]
        for offset, target in enumerate(TARGETS):
            base = getattr(layer.attention.self, target)
            module = LoRALinear(base, rank, alpha, seed + 2 * index + offset)
            setattr(layer.attention.self, target, module)
            wrapped.append((layer.attention.self, target, module))
    hidden = int(model.config.hidden_size)  # type: ignore[union-attr]
    head = torch.nn.Linear(hidden, n_levels)
    logit_scale = torch.nn.Parameter(torch.tensor(20.0))
    parameters = [p for _, _, m in wrapped for p in (m.lora_a, m.lora_b)]
    optimiser = torch.optim.AdamW(
        [
            {"params": parameters, "weight_decay": 0.0},
            {"params": [*head.parameters(), logit_scale], "weight_decay": 1e-4},
        ],
        lr=learning_rate,
    )
    order = list(range(len(sequences)))
    model.train()
    try:
        for epoch in range(epochs):
            rng.shuffle(order)
            progress = tqdm(range(0, len(order), batch_size), desc=f"lora epoch {epoch + 1}")
            running = 0.0
            for step, start in enumerate(progress):
                batch = order[start : start + batch_size]
                rows = [[_BOS_ID, *prefix_ids, *sequences[i], _EOS_ID] for i in batch]
                width = max(len(r) for r in rows)
                ids = torch.full((len(rows), width), _PAD_ID, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, row in enumerate(rows):
                    ids[r, : len(row)] = torch.tensor(row, dtype=torch.long)
                    mask[r, : len(row)] = 1
                states = model(input_ids=ids, attention_mask=mask).last_hidden_state
                m = mask.unsqueeze(-1).to(states.dtype)
                pooled = torch.nn.functional.normalize((states * m).sum(1) / m.sum(1), dim=-1)
                logits = head(pooled) * logit_scale
                target = torch.tensor([labels[i] for i in batch], dtype=torch.long)
                weight = torch.tensor([weights[i] for i in batch], dtype=torch.float32)
                loss = (
                    torch.nn.functional.cross_entropy(logits, target, reduction="none") * weight
                ).sum() / weight.sum()
                optimiser.zero_grad()
                loss.backward()
                optimiser.step()
                running = 0.9 * running + 0.1 * float(loss) if step else float(loss)
                progress.set_postfix(loss=f"{running:.3f}")
    finally:
        model.eval()
        for parent, target, module in wrapped:
            setattr(parent, target, module.base)
    arrays: dict[str, np.ndarray] = {"scale": np.array(alpha / rank, dtype=np.float32)}
    for index in range(len(model.encoder.layer)):  # type: ignore[union-attr, arg-type]
        for target in TARGETS:
            module = next(
                m for parent, t, m in wrapped if t == target and parent is _attention(model, index)
            )
            arrays[f"layer{index}.{target}.a"] = module.lora_a.detach().numpy().astype(np.float32)
            arrays[f"layer{index}.{target}.b"] = module.lora_b.detach().numpy().astype(np.float32)
    return arrays


def _attention(model: torch.nn.Module, index: int) -> torch.nn.Module:
    return model.encoder.layer[index].attention.self  # type: ignore[union-attr, index, no-any-return]
