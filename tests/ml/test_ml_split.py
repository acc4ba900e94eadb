"""The frozen corpus split and the per-language crisis gate of ``ml.train``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from ml.backends.transformer import platt_map
from ml.evaluation import LabelledText
from ml.train import (
    choose_crisis_gate,
    choose_operating_point,
    corpus_split,
    load_corpus,
    load_frozen_split,
    split_by_group,
    threshold_for_recall,
    write_frozen_split,
)
from ml.types import RiskLevel


def _rows(groups: range, level: RiskLevel = RiskLevel.NONE) -> list[LabelledText]:
    return [LabelledText(f"text {g}", "da", level, (), f"g{g}", "plain") for g in groups]


def test_recorded_groups_keep_their_split_when_groups_are_added(tmp_path: Path) -> None:
    before = _rows(range(200))
    drawn = split_by_group(before, seed=13)
    path = tmp_path / "split.tsv"
    write_frozen_split(before, drawn, path)

    after = _rows(range(300))  # a hundred new groups
    frozen = load_frozen_split(path)
    placed = split_by_group(after, seed=13, frozen=frozen)
    assert placed[:200] == drawn  # no recorded group moves
    redrawn = split_by_group(after, seed=13)  # what the old code did: reshuffle everything
    assert redrawn[:200] != drawn
    # New groups are placed by hash: stable, independent of the other rows, roughly 60/20/20.
    assert placed[200:] == split_by_group(after[200:], seed=13, frozen={"unrelated": "test"})
    assert set(Counter(placed[200:])) == {"train", "calibration", "test"}


def test_the_committed_split_covers_the_corpus() -> None:
    rows = load_corpus()
    frozen = load_frozen_split()
    recorded = [row for row in rows if row.group in frozen]
    assert len(recorded) >= 4654  # the corpus of 2026-11-22, when the split was frozen
    splits = corpus_split(rows, seed=13)
    assert [s for r, s in zip(rows, splits, strict=True) if r.group in frozen] == [
        frozen[r.group] for r in recorded
    ]


def test_crisis_gate_is_the_largest_share_within_the_none_cap() -> None:
    truth = np.array([3] * 100 + [0] * 100)
    # Crisis posts score 0.5..0.99; the 20 best-scoring none posts overlap the weakest crisis.
    scores = np.r_[np.linspace(0.5, 0.99, 100), np.linspace(0.0, 0.6, 100)]
    gate = choose_crisis_gate(scores, truth, 1.0, grid=[0.9, 0.95, 0.99], none_flagged_cap=0.12)
    # Passing 99% of crisis posts needs a threshold near 0.505: ~16% of none posts flagged;
    # 95% needs ~0.525 (~13%); 90% ~0.545 (~9%).
    assert gate == 0.9
    assert choose_crisis_gate(scores, truth, 1.0, grid=[0.9, 0.99], none_flagged_cap=0.2) == 0.99
    # No share fits the cap: the smallest one, never no gate at all.
    assert choose_crisis_gate(scores, truth, 1.0, grid=[0.95, 0.99], none_flagged_cap=0.0) == 0.95
    assert choose_crisis_gate(scores, truth, 1.0, grid=[], none_flagged_cap=0.1) is None


def test_rebuilding_on_fewer_files_keeps_the_other_recorded_groups(tmp_path: Path) -> None:
    rows = _rows(range(50))
    path = tmp_path / "split.tsv"
    splits = split_by_group(rows, seed=13)
    write_frozen_split(rows, splits, path)
    write_frozen_split(rows[:10], splits[:10], path)  # e.g. --corpus-files for an old release
    assert load_frozen_split(path) == {row.group: s for row, s in zip(rows, splits, strict=True)}


def test_operating_point_reaches_the_crisis_target_out_of_fold_in_each_language() -> None:
    rng = np.random.default_rng(5)
    truth = np.repeat([0, 1, 2, 3], 200)
    langs = np.tile(["da", "en"], 400)
    # Uncalibrated P(level >= k): higher levels score higher, with overlap; Danish lower.
    base = truth / 3 + rng.normal(0, 0.15, len(truth)) - np.where(langs == "da", 0.1, 0.0)
    raw = np.clip(np.stack([base + 0.2, base, base - 0.2], axis=1), 0.001, 0.999)
    calibration, thresholds, gates = choose_operating_point(
        raw, truth, langs, gate_grid=[0.97, 0.99], none_flagged_cap=0.2, crisis_target=0.96
    )
    for lang in ("da", "en"):
        m = langs == lang
        calibrated = platt_map(raw[m], calibration[lang])
        limits = thresholds[lang]
        crisis = truth[m] == 3
        passes = (calibrated[:, 1] >= limits["elevated"]) & (calibrated[:, 2] >= limits["crisis"])
        assert passes[crisis].mean() >= 0.96  # chained: both thresholds, as Head.levels does
        assert (calibrated[crisis, 1] >= limits["elevated"]).mean() >= gates[lang]
        assert gates[lang] in (0.97, 0.99)
    # Danish scores run lower, so its thresholds sit lower: calibrated per language.
    assert calibration["da"] != calibration["en"]


def test_posts_the_rule_floor_raises_do_not_pull_the_threshold_down() -> None:
    scores = np.linspace(0.01, 1.0, 100)
    positive = np.ones(100, dtype=bool)
    plain = threshold_for_recall(scores, positive, 0.95)
    # The five lowest-scoring positives are raised by the rules anyway: the model's threshold
    # only has to find 90 of the other 95.
    caught = np.zeros(100, dtype=bool)
    caught[:5] = True
    aware = threshold_for_recall(scores, positive, 0.95, caught)
    assert aware > plain
    assert ((scores >= aware) | caught).mean() >= 0.95  # the production path reaches the target
    assert threshold_for_recall(scores, positive, 0.95, np.zeros(100, dtype=bool)) == plain


def test_floor_aware_operating_point_keeps_the_target_for_model_and_rules_together() -> None:
    rng = np.random.default_rng(6)
    truth = np.repeat([0, 1, 2, 3], 200)
    langs = np.tile(["da", "en"], 400)
    base = truth / 3 + rng.normal(0, 0.2, len(truth))
    raw = np.clip(np.stack([base + 0.2, base, base - 0.2], axis=1), 0.001, 0.999)
    # The rules catch the crisis posts the model scores lowest (explicit phrases, say).
    floors = np.zeros(len(truth), dtype=np.int64)
    crisis_order = np.flatnonzero(truth == 3)[np.argsort(raw[truth == 3, 2])]
    floors[crisis_order[:10]] = 3
    options = {"gate_grid": [0.97], "none_flagged_cap": 0.3, "crisis_target": 0.96}
    _, plain, _ = choose_operating_point(raw, truth, langs, **options)  # type: ignore[arg-type]
    calibration, aware, _ = choose_operating_point(raw, truth, langs, floors=floors, **options)  # type: ignore[arg-type]
    for lang in ("da", "en"):
        m = langs == lang
        assert aware[lang]["crisis"] > plain[lang]["crisis"]
        calibrated = platt_map(raw[m], calibration[lang])
        limits = aware[lang]
        model_crisis = (calibrated[:, 1] >= limits["elevated"]) & (
            calibrated[:, 2] >= limits["crisis"]
        )
        production = model_crisis | (floors[m] == 3)
        assert production[truth[m] == 3].mean() >= 0.96


def test_the_rebuild_command_pins_the_corpus_files_and_drops_run_local_options() -> None:
    from ml.train import _rebuild_command

    argv = ["--skip-sealed", "--release", "10", "--out", "out", "--eval-dir=spent",
            "--corpus-files", "3", "--pool-layers", "4,8,12"]  # fmt: skip
    assert _rebuild_command(argv, 35) == (
        "python -m ml.train --corpus-files 35 --release 10 --pool-layers 4,8,12"
    )
