"""Exceptions raised by the risk model; callers catch RiskScoringError and fail closed."""

from __future__ import annotations

BUILD_COMMAND = "python -m ml.build_encoder"


class RiskScoringError(RuntimeError):
    """Scoring failed; the caller must treat the text as unscored and route it to a human."""


class ModelUnavailable(RiskScoringError):
    """Weights are missing or corrupt. The message names the command that rebuilds them."""
