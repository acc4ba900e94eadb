"""Fixtures for the risk model tests: the real encoder and head, loaded once per session.

No Django here: ``ml`` is a plain package. A missing model skips locally and fails in CI,
like every other real dependency (see tests/conftest.py).
"""

from __future__ import annotations

import os

import pytest

from ml.errors import ModelUnavailable

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def risk_scorer():
    """The production scorer (encoder + committed head + rule floor), one torch thread."""
    from ml.backends.transformer import TransformerScorer

    try:
        return TransformerScorer(num_threads=1)
    except ModelUnavailable as error:
        if IN_CI:
            pytest.fail(f"risk model unavailable in CI: {error}")
        pytest.skip(f"risk model unavailable: {error}")
