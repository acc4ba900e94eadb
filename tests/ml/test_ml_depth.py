"""Pooled layers (the head reads layers 6 and 12) and the training helpers of sammen-risk-3."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ml.errors import ModelUnavailable
from ml.train import rmhd_author_split, train_head

MODEL_DIR = Path(__file__).resolve().parents[2] / "ml" / "model"


def test_rmhd_split_is_by_author_seeded_and_about_half() -> None:
    posts = [{"author": f"a{i % 50}", "post": f"post {i}"} for i in range(200)]
    first = rmhd_author_split(posts, seed=13)
    assert np.array_equal(first, rmhd_author_split(posts, seed=13))
    training_authors = {p["author"] for p, t in zip(posts, first, strict=True) if t}
    held_authors = {p["author"] for p, t in zip(posts, first, strict=True) if not t}
    assert not training_authors & held_authors  # no author straddles the halves
    assert len(training_authors) == 25


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


def test_crisis_head_learns_crisis_against_elevated_only_from_high_rows() -> None:
    rng = np.random.default_rng(3)
    features = rng.normal(size=(400, 6)).astype(np.float32)
    # Feature 0 tells risk from no risk; feature 1 tells crisis from elevated among risk rows,
    # and is noise elsewhere.
    high = features[:, 0] > 0
    levels = np.where(high, np.where(features[:, 1] > 0, 3, 2), 0).astype(np.int64)
    arrays = train_head(
        features, levels, np.zeros((400, 1), np.float32), np.ones(400),
        weight_decay=1e-4, seed=1, crisis_head=True,
    )  # fmt: skip
    weight = arrays["crisis_weight"]
    assert weight.shape == (6,) and arrays["crisis_bias"].shape == (1,)
    assert abs(weight[1]) > 3 * np.abs(np.delete(weight, 1)).max()  # it found feature 1
    assert "crisis_weight" not in train_head(
        features, levels, np.zeros((400, 1), np.float32), np.ones(400), weight_decay=1e-4, seed=1
    )


def test_crisis_head_scores_crisis_as_elevated_times_crisis_given_elevated() -> None:
    from ml.backends.transformer import Head

    rng = np.random.default_rng(4)
    embeddings = rng.normal(size=(5, 6)).astype(np.float32)
    plain = Head(
        rng.normal(size=(6, 4)).astype(np.float32), np.zeros(4, np.float32),
        np.zeros((6, 0), np.float32), np.zeros(0, np.float32), (), {}, {}, "v", "",
    )  # fmt: skip
    crisis_weight = rng.normal(size=6).astype(np.float32)
    with_head = Head(
        plain.level_weight, plain.level_bias, plain.category_weight, plain.category_bias,
        (), {}, {}, "v", "", crisis_weight=crisis_weight, crisis_bias=np.array([0.5], np.float32),
    )  # fmt: skip
    before, after = plain.level_scores(embeddings), with_head.level_scores(embeddings)
    assert np.allclose(before[:, :2], after[:, :2])  # low and elevated+ unchanged
    given = 1 / (1 + np.exp(-(embeddings @ crisis_weight + 0.5)))
    assert np.allclose(after[:, 2], before[:, 1] * given)
    assert (after[:, 2] <= after[:, 1]).all()  # crisis never outranks elevated+


@pytest.mark.model
def test_crisis_head_of_the_wrong_width_is_refused(tmp_path: Path) -> None:
    import shutil

    from ml.backends.transformer import TransformerScorer

    head = tmp_path / "model"
    shutil.copytree(MODEL_DIR, head)
    with np.load(head / "head.npz") as stored:
        arrays = dict(stored)
    arrays["crisis_weight"] = np.zeros(5, np.float32)
    arrays["crisis_bias"] = np.zeros(1, np.float32)
    np.savez(head / "head.npz", **arrays)
    with pytest.raises(ModelUnavailable, match="crisis head"):
        TransformerScorer(head_dir=head)
