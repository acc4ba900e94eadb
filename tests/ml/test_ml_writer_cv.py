"""``ml.writer_cv``: held-out writer sets and the figures it reports."""

from __future__ import annotations

import numpy as np
import pytest

from ml.train import CORPUS_FILES
from ml.writer_cv import WRITER_SETS, Recipe, evaluate_recipe, layer_columns, summarise


def test_every_writer_set_is_training_data_in_both_languages() -> None:
    files = [file for _, pair in WRITER_SETS for file in pair]
    assert len(files) == len(set(files))
    assert set(files) <= set(CORPUS_FILES)
    for _, pair in WRITER_SETS:
        assert sorted(name[:3] for name in pair) == ["da_", "en_"]


def test_summary_counts_crisis_misses_and_false_alarms_per_language() -> None:
    truth = np.array([3, 3, 3, 3, 2, 2, 0, 0, 0, 0])
    predicted = np.array([3, 2, 3, 3, 3, 2, 0, 2, 0, 1])
    langs = np.array(["da", "da", "en", "en", "da", "en", "da", "da", "en", "en"])
    figures = summarise(truth, predicted, langs)
    assert figures["crisis_da"] == 0.5  # one of two Danish crisis posts called elevated
    assert figures["crisis_en"] == 1.0
    assert figures["none_flagged_da"] == 0.5
    assert figures["none_flagged_en"] == 0.0  # "low" is not flagged
    assert figures["none_flagged"] == 0.25
    assert figures["elevated_plus"] == 1.0
    assert figures["elevated_called_crisis"] == 0.5
    assert figures["crisis_unseen"] == 0.0  # the missed one is still elevated, so held
    assert summarise(truth, np.where(truth == 3, 1, predicted), langs)["crisis_unseen"] == 1.0


def test_layer_columns_pick_each_layers_block_in_the_recipes_order() -> None:
    columns = layer_columns((2, 4, 6), (6, 2), width=3)
    assert columns.tolist() == [6, 7, 8, 0, 1, 2]


def test_an_unknown_writer_set_is_refused_before_any_embedding() -> None:
    with pytest.raises(ValueError, match="unknown writer sets"):
        evaluate_recipe(Recipe("typo", untrained_sets=("blind99",)))
    with pytest.raises(ValueError, match="unknown writer sets"):
        evaluate_recipe(Recipe("typo"), pool_excluding=("w10c",))
