"""Pooled layers (the head reads layers 6 and 12) and the training helpers of sammen-risk-3."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.errors import ModelUnavailable
from ml.train import rmhd_author_split, rmhd_training_levels, rmhd_training_rows, train_head

MODEL_DIR = Path(__file__).resolve().parents[2] / "ml" / "model"


def test_rmhd_split_is_by_author_seeded_and_about_half() -> None:
    posts = [{"author": f"a{i % 50}", "post": f"post {i}"} for i in range(200)]
    first = rmhd_author_split(posts, seed=13)
    assert np.array_equal(first, rmhd_author_split(posts, seed=13))
    training_authors = {p["author"] for p, t in zip(posts, first, strict=True) if t}
    held_authors = {p["author"] for p, t in zip(posts, first, strict=True) if not t}
    assert not training_authors & held_authors  # no author straddles the halves
    assert len(training_authors) == 25


def test_rmhd_levels_map_subreddits_and_minus_one_leaves_them_out() -> None:
    subreddits = ["suicidewatch", "depression", "personalfinance", "lonely", "teaching"]
    assert rmhd_training_levels(subreddits, 2, 1).tolist() == [2, 1, 0, 1, 0]
    # ordinary text only: SuicideWatch and the mental-health subreddits are never trained on
    assert rmhd_training_levels(subreddits, -1, -1).tolist() == [-1, -1, 0, -1, 0]


def test_rmhd_rows_weigh_each_level_evenly_over_posts_and_windows() -> None:
    windows = [np.ones((2, 3)), np.ones((1, 3)), np.ones((1, 3)), np.ones((4, 3))]
    levels = np.array([0, 0, 1, -1])
    train = np.array([True, True, True, False])
    features, row_levels, categories, weights = rmhd_training_rows(
        windows, levels, train, weight=2.0, total=10.0
    )
    assert features.shape == (4, 3)  # the untrained post adds no rows
    assert row_levels.tolist() == [0, 0, 0, 1]
    assert not categories.any()
    # level none: two posts share 2 * 10; the first post's two windows share its half
    assert weights.tolist() == pytest.approx([5.0, 5.0, 10.0, 20.0])
    assert rmhd_training_rows(windows, levels, np.zeros(4, dtype=bool), 2.0, 10.0) == ()


def test_category_mask_keeps_unlabelled_rows_out_of_the_category_head() -> None:
    rng = np.random.default_rng(0)
    features = rng.normal(size=(80, 6)).astype(np.float32)
    levels = (features[:, 0] > 0).astype(np.int64)
    categories = np.zeros((80, 2), dtype=np.float32)
    categories[:40, 0] = features[:40, 1] > 0
    weights = np.ones(80)
    mask = np.r_[np.ones(40), np.zeros(40)]
    masked = train_head(
        features, levels, categories, weights, weight_decay=1e-3, seed=1, category_mask=mask
    )
    labelled_only = train_head(
        features[:40], levels[:40], categories[:40], weights[:40], weight_decay=1e-3, seed=1
    )
    # The level head differs (it saw 80 rows) but the category head equals one fitted on the
    # 40 labelled rows, up to the loss normalisation (sum of weights), so compare directions.
    a = masked["category_weight"][:, 0]
    b = labelled_only["category_weight"][:, 0]
    assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.99


@pytest.mark.model
def test_encoder_pools_the_requested_layers_side_by_side() -> None:
    from ml.encoder import Encoder

    try:
        full = Encoder(num_threads=1)
    except ModelUnavailable as error:
        pytest.skip(f"encoder unavailable: {error}")
    pooled = Encoder(num_threads=1, pool_layers=(6, 12))
    shallow = Encoder(num_threads=1, pool_layers=(6,))
    assert (full.num_layers, pooled.num_layers, shallow.num_layers) == (12, 12, 6)
    assert pooled.dim == 768
    ids = [full.tokenizer.encode("jeg har det svært i dag", add_special_tokens=False).ids]
    a, b, c = full.embed_ids(ids), pooled.embed_ids(ids), shallow.embed_ids(ids)
    assert b.shape == (1, 768)
    assert np.allclose(b[:, 384:], a, atol=1e-5)  # the layer-12 half is the usual embedding
    assert np.allclose(b[:, :384], c, atol=1e-5)  # the layer-6 half needs only six layers
    assert np.allclose(np.linalg.norm(b[:, :384], axis=1), 1.0, atol=1e-5)
    with pytest.raises(ModelUnavailable, match="layers"):
        Encoder(num_threads=1, num_layers=13)


@pytest.mark.model
def test_scorer_reads_the_layers_its_head_was_trained_on(risk_scorer) -> None:
    labels = json.loads((MODEL_DIR / "labels.json").read_text(encoding="utf-8"))
    assert list(risk_scorer.encoder.pool_layers or ()) == labels["pool_layers"]
    assert risk_scorer.head.level_weight.shape[0] == risk_scorer.encoder.dim


@pytest.mark.model
def test_occlusion_evidence_is_the_same_batched_or_alone(risk_scorer) -> None:
    """Occlusion variants of all held posts share one forward pass; spans must not change."""
    texts = [
        "jeg har skrevet et brev til min mor og gemt pillerne. i nat er det slut",
        "we won the football match today, best day ever",
        "my friend just texted me that she is going to kill herself tonight",
        "jeg skærer i mig selv igen, ved ikke hvordan jeg skal stoppe",
    ]
    batched = risk_scorer.score_batch(texts)
    alone = [risk_scorer.score_batch([t])[0] for t in texts]
    held = [s for s in batched if s.level >= 2]
    assert len(held) >= 3
    for b, a in zip(batched, alone, strict=True):
        assert [(e.start, e.end) for e in b.evidence] == [(e.start, e.end) for e in a.evidence]
