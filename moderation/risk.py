"""The only module importing `ml` (STYLE.md sections 2 and 3): score texts, fail closed.

A scoring failure (exception, timeout, missing weights) never publishes anything: the caller
gets `scored=False` and the rule layer's floor, holds the subject and opens an "unscored" flag.

Routing does not wait for the model's occlusion evidence: a scorer that is an
`ml.EvidenceExplainer` scores without it (rule spans only, `evidence_deferred=True`), and
`explain_texts` computes it afterwards for the held subjects (`services.evidence`).
"""

from __future__ import annotations

import concurrent.futures
import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings

from ml import (
    Evidence,
    EvidenceExplainer,
    RiskLevel,
    RiskScore,
    RiskScorer,
    RiskScoringError,
    load_scorer,
)

__all__ = [
    "Evidence",
    "RiskLevel",
    "RiskScore",
    "RiskScoringError",
    "ScoredText",
    "detect_language",
    "explain_texts",
    "model_degraded_in_process",
    "rule_levels",
    "score_texts",
]

logger = logging.getLogger(__name__)
_R = TypeVar("_R")

_RULE_LAYER_VERSION_PREFIX = "rules-only"
_last_load_failure: float | None = None
_last_score_failure: float | None = None
_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class ScoredText:
    """A score and whether the model produced it (False: the rule layer's floor only).

    `evidence_deferred`: the score carries rule spans only; `explain_texts` can add the
    model's occlusion spans later.
    """

    score: RiskScore
    scored: bool
    evidence_deferred: bool = False


@functools.cache
def _scorer() -> RiskScorer:
    return load_scorer(
        settings.RISK_SCORER,
        model_path=settings.RISK_MODEL_PATH,
        num_threads=settings.RISK_TORCH_THREADS,
        precision=settings.RISK_ENCODER_PRECISION,
    )


@functools.cache
def _rule_scorer() -> RiskScorer:
    return load_scorer("lexicon")


def _policy(key: str) -> float:
    return float(settings.MODERATION[key])


def _model_scorer() -> RiskScorer:
    """The configured scorer; after a load failure, wait MODEL_RETRY_SECONDS before retrying."""
    global _last_load_failure
    with _lock:
        if _last_load_failure is not None and time.monotonic() - _last_load_failure < _policy(
            "MODEL_RETRY_SECONDS"
        ):
            raise RiskScoringError("risk model failed to load recently; not retrying yet")
        try:
            scorer = _scorer()
        except RiskScoringError:
            _last_load_failure = time.monotonic()
            raise
        except Exception as exc:  # an unexpected load error is still a scoring failure
            _last_load_failure = time.monotonic()
            raise RiskScoringError("risk model failed to load") from exc
        _last_load_failure = None
        return scorer


def _with_deadline(call: Callable[[list[str]], list[_R]], texts: Sequence[str]) -> list[_R]:
    """Run a model call in a worker thread; past the deadline the batch counts as failed.

    The thread cannot be killed; it finishes in the background and its result is ignored.
    """
    timeout = _policy("SCORE_TIMEOUT_SECONDS")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="risk-score")
    try:
        future = pool.submit(call, list(texts))
        try:
            results = future.result(timeout=timeout)
        except concurrent.futures.TimeoutError as exc:
            raise RiskScoringError("risk scoring timed out") from exc
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    if len(results) != len(texts):
        raise RiskScoringError("scorer returned a different number of results than texts")
    return results


def _score_with_deadline(scorer: RiskScorer, texts: Sequence[str]) -> tuple[list[RiskScore], bool]:
    """Scores within the deadline, and whether their occlusion evidence was deferred."""
    if isinstance(scorer, EvidenceExplainer):
        explainer = scorer

        def route(batch: list[str]) -> list[RiskScore]:
            return explainer.score_batch(batch, occlusion=False)

        return _with_deadline(route, texts), True
    return _with_deadline(scorer.score_batch, texts), False


def _rule_floor(texts: Sequence[str]) -> list[RiskScore]:
    """The lexicon's levels, used when the model is down. It can only raise a level."""
    try:
        return _rule_scorer().score_batch(list(texts))
    except Exception:  # the rule layer failing too still holds everything for a human
        logger.exception("moderation.risk.rule_layer_failed")
        return [
            RiskScore(RiskLevel.NONE, 0.0, (), (), f"{_RULE_LAYER_VERSION_PREFIX}-failed")
            for _ in texts
        ]


def score_texts(texts: Sequence[str]) -> list[ScoredText]:
    """Score texts in one batch. Never raises for a model problem: failures come back unscored."""
    global _last_score_failure
    if not texts:
        return []
    try:
        scores, deferred = _score_with_deadline(_model_scorer(), texts)
    except Exception as exc:  # fail closed on anything: RiskScoringError, timeout, a bug
        _last_score_failure = time.monotonic()
        logger.warning(
            "moderation.risk.scoring_failed",
            extra={"batch_size": len(texts), "error": type(exc).__name__},
        )
        return [ScoredText(score=s, scored=False) for s in _rule_floor(texts)]
    _last_score_failure = None
    return [ScoredText(score=s, scored=True, evidence_deferred=deferred) for s in scores]


def explain_texts(texts: Sequence[str], *, model_version: str) -> list[tuple[Evidence, ...]]:
    """The model's evidence (occlusion and rule spans) for texts scored by `model_version`.

    Same deadline as scoring. Raises `RiskScoringError` for any failure, including a model
    that changed since the texts were scored (its spans would explain another decision); the
    caller keeps the rule spans it already has. Does not mark the model degraded: routing
    never waits on this.
    """
    if not texts:
        return []
    try:
        scorer = _model_scorer()
        if not isinstance(scorer, EvidenceExplainer):
            raise RiskScoringError("the configured scorer cannot explain its scores")
        if scorer.model_version != model_version:
            raise RiskScoringError(
                f"model changed since scoring ({model_version} -> {scorer.model_version})"
            )
        return _with_deadline(scorer.explain_batch, texts)
    except RiskScoringError:
        raise
    except Exception as exc:  # a bug or a torch error: the same outcome for the caller
        raise RiskScoringError(f"explaining failed: {type(exc).__name__}") from exc


def rule_levels(texts: Sequence[str]) -> list[RiskLevel]:
    """The transparent rule layer's level per text: cheap, no model load (the tick uses it)."""
    return [RiskLevel(s.level) for s in _rule_floor(texts)]


def model_degraded_in_process() -> bool:
    """True while this process's last model load or scoring attempt failed."""
    return _last_load_failure is not None or _last_score_failure is not None


def detect_language(text: str) -> str:
    """ "da" or "en" (the model package's detector), for the KPIs' fairness slices."""
    from ml.language import detect_language as _detect

    try:
        return _detect(text)
    except Exception:
        return ""


def reset_for_tests() -> None:
    """Forget cached scorers and failure times (tests swap RISK_SCORER and weights)."""
    global _last_load_failure, _last_score_failure
    for cached in (_scorer, _rule_scorer):
        if hasattr(cached, "cache_clear"):  # a test may have swapped in a plain function
            cached.cache_clear()
    _last_load_failure = None
    _last_score_failure = None
