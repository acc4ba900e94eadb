"""Encoder speed and batch-independence at lower precision.

Run: ``python bench/encoder_precision_bench.py``.

The encoder is about all of routing's cost (bench/README.md), and at fp32 one core is close to
its arithmetic limit, so the remaining lever for 150 short posts/s is lower precision. A
precision is only usable if a post's embedding does not depend on the other posts in its
screening batch (the scorer's contract, ``tests/ml/test_ml_scorer.py``): otherwise the same
post could be held in one batch and published in another. For each variant this measures
short posts per second through the encoder at batch 32 (routing's pass, no head), the
largest change of any coordinate of a post's embedding between scoring it alone and in a
batch, and how far the embeddings move from fp32 (lowest cosine).

Variants: ``fp32`` (production); ``int8``, dynamic int8 on the Linear layers
(``torch.ao.quantization.quantize_dynamic``, activation scales per tensor, so per batch);
``bf16``, ``torch.autocast("cpu", torch.bfloat16)`` around the encoder.

Not a test: numbers depend on the machine. Pins itself to one CPU and one torch thread.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ml_bench import HELD_POSTS, HUNDRED_WORDS, SHORT_POSTS
from ml.encoder import Encoder
from ml.train import POOL_LAYERS

VARIANTS = ("fp32", "int8", "bf16")


def embed(encoder: Encoder, texts: list[str], variant: str) -> np.ndarray:
    """The window embeddings routing computes, under the variant's precision."""
    import torch

    guard = (
        torch.autocast("cpu", dtype=torch.bfloat16)
        if variant == "bf16"
        else contextlib.nullcontext()
    )
    with guard:
        vectors, _ = encoder.embed_windows(texts, batch_size=32)
    return vectors


@dataclass(frozen=True)
class Measurement:
    short_per_s: float
    batch_dependence: float  # largest coordinate change, alone against in a batch
    vectors: np.ndarray  # the probe posts' embeddings, to compare with fp32


def measure(variant: str, repeats: int) -> Measurement:
    encoder = Encoder(num_threads=1, quantize_int8=variant == "int8", pool_layers=POOL_LAYERS)
    batch = (SHORT_POSTS * 4)[:32]
    embed(encoder, batch, variant)  # warm-up
    rates = []
    for _ in range(repeats):
        start = time.perf_counter()
        embed(encoder, batch, variant)
        rates.append(len(batch) / (time.perf_counter() - start))
    probes = [*SHORT_POSTS[:4], *HELD_POSTS[:4], HUNDRED_WORDS]
    alone = np.concatenate([embed(encoder, [text], variant) for text in probes])
    together = embed(encoder, probes, variant)
    return Measurement(statistics.median(rates), float(np.abs(alone - together).max()), together)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    print(f"machine: {platform.processor() or platform.machine()}; load {os.getloadavg()}")
    results = {variant: measure(variant, args.repeats) for variant in VARIANTS}
    base = results["fp32"].vectors
    width = base.shape[1] // len(POOL_LAYERS)
    print(
        "| variant | short posts/s, batch 32 (encoder) | ratio to fp32 | batch dependence "
        "(max abs) | lowest cosine to fp32 (per layer pool) |"
    )
    print("|---|---|---|---|---|")
    for variant, row in results.items():
        vectors = row.vectors
        cosines = [
            float(np.min(np.sum(vectors[:, k * width : (k + 1) * width]
                                * base[:, k * width : (k + 1) * width], axis=1)))
            for k in range(len(POOL_LAYERS))
        ]  # fmt: skip
        print(
            f"| {variant} | {row.short_per_s:.1f} | "
            f"{row.short_per_s / results['fp32'].short_per_s:.2f} | "
            f"{row.batch_dependence:.2e} | {min(cosines):.4f} |"
        )
    print(f"load after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
