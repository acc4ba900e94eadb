"""Metric helpers used by training and ``python -m ml evaluate``."""

from __future__ import annotations

import numpy as np
import pytest

from ml.evaluation import auroc, bootstrap_ci, compute_report
from ml.language import detect_language


def test_report_counts_recall_per_language_and_flags_on_harmless_posts() -> None:
    truth = [0, 0, 3, 3, 2, 1]
    predicted = [0, 2, 3, 2, 2, 1]
    langs = ["da", "da", "da", "en", "en", "en"]
    report = compute_report(truth, predicted, langs)
    assert report.per_language["da"]["crisis_recall"] == 1.0
    assert report.per_language["en"]["crisis_recall"] == 0.0
    assert report.per_language["en"]["crisis_caught_elevated_plus"] == 1.0
    assert report.none_flagged_elevated == 0.5
    assert report.confusion[0] == [1, 0, 1, 0]


def test_auroc_matches_hand_computed_values() -> None:
    assert auroc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auroc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)


def test_bootstrap_interval_contains_the_point_estimate() -> None:
    values = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1], dtype=float)
    low, high = bootstrap_ci(lambda rows: float(values[rows].mean()), [str(i) for i in range(10)])
    assert low <= values.mean() <= high


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("jeg har det ikke godt", "da"),
        ("i really don't feel okay", "en"),
        ("hjælp", "da"),
        ("", "da"),
    ],
)
def test_language_detection(text: str, lang: str) -> None:
    assert detect_language(text) == lang
