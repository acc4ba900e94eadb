"""Sammen's bilingual (Danish/English) risk model, behind a small interface.

The whole public surface: ``load_scorer`` returns a ``RiskScorer`` (``ml.types``); both
backends are also ``EvidenceExplainer``s: ``score_batch(texts, occlusion=False)`` routes with
the cheap rule-hit evidence only and ``explain_batch(texts)`` adds the model's occlusion spans
later (exactly the evidence ``score_batch`` returns by default); scoring errors derive from
``RiskScoringError``; ``embed_texts`` and ``Encoder`` expose the e5 sentence encoder for other
features (journey recommendations). torch is imported only when the transformer backend or the
encoder is used, so the rule layer runs without it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ml.errors import BUILD_COMMAND, ModelUnavailable, RiskScoringError
from ml.types import Evidence, EvidenceExplainer, RiskLevel, RiskScore, RiskScorer

if TYPE_CHECKING:
    import numpy as np

    from ml.encoder import Encoder

__all__ = [
    "BUILD_COMMAND",
    "Evidence",
    "EvidenceExplainer",
    "ModelUnavailable",
    "RiskLevel",
    "RiskScore",
    "RiskScorer",
    "RiskScoringError",
    "embed_texts",
    "get_encoder",
    "load_scorer",
]


def load_scorer(
    name: str, *, model_path: str | None = None, num_threads: int = 1, precision: str = "fp32"
) -> RiskScorer:
    """Return the named scorer. Never falls back silently.

    ``"transformer"`` loads the encoder from ``model_path`` (default ``ml/weights``) and the
    committed head, wrapped by the rule layer; it raises ``ModelUnavailable`` naming
    ``python -m ml.build_encoder`` when weights are missing or corrupt. It runs on
    ``num_threads`` torch threads; ``precision="bf16"`` runs its encoder in bf16 where the
    CPU has it natively (elsewhere fp32, with a warning, and the model version says which).
    ``"lexicon"`` is the rule layer alone, the fail-safe the caller chooses when the model is
    down.
    """
    if name == "transformer":  # the only place torch gets imported
        from ml.backends.transformer import TransformerScorer

        return TransformerScorer(
            model_path=model_path, num_threads=num_threads, precision=precision
        )
    if name == "lexicon":
        from ml.backends.lexicon import LexiconScorer

        return LexiconScorer()
    raise ValueError(f"unknown risk scorer {name!r}")


def get_encoder(model_path: str | None = None, *, num_threads: int = 1) -> Encoder:
    """Return a shared ``Encoder`` for ``model_path`` (loaded once per path and thread count)."""
    from ml.encoder import shared_encoder

    return shared_encoder(model_path, num_threads=num_threads)


def embed_texts(texts: Sequence[str], *, model_path: str | None = None) -> np.ndarray:
    """Embed texts as L2-normalised e5 vectors, shape ``(len(texts), 384)``, float32.

    Uses the "query: " prefix and mean pooling; texts longer than one window are embedded
    per window and averaged. Suitable for similarity (dot product) between posts and
    journeys. Raises ``ModelUnavailable`` when the encoder has not been built.
    """
    return get_encoder(model_path).embed(texts)
