"""'Du kan også lide': journey recommendations. The only module in journeys that imports `ml`.

Order: journeys a linked clinician suggested come first; then journeys ranked by cosine
similarity between each journey's text (title, summary, about in the youth's language) and the
youth's recent activity (their last journeys and, if any, their recent reflections).

Privacy: reflection texts are embedded in memory only. Their vectors are never stored, and
neither texts nor vectors are logged. Journey vectors are cached in `JourneyEmbedding`, keyed by
slug, version and language, so a content change re-embeds only what changed.

When the encoder is unavailable (`ml.ModelUnavailable`), the ranking falls back to the topics of
the youth's recent journeys, then the rest by slug; the fallback is logged, never an error page.
Loading the encoder takes 5-20 s on these machines, so a page never waits for it: the first
request in a process starts loading it in the background (`encoder_warm_in_background`, also
called when a youth starts a journey) and uses the topic order until it is ready.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import ml
from journeys import selectors
from journeys.models import Journey, JourneyEmbedding, JourneyProgress
from ml.errors import ModelUnavailable

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 384
_encoder_ready = threading.Event()
_warm_lock = threading.Lock()
_warm_started = False


def _warm() -> None:
    try:
        ml.get_encoder()
    except ModelUnavailable:
        logger.warning("journeys.similarity.model_unavailable", extra={"fallback": "no_warmup"})
        return
    _encoder_ready.set()


def encoder_warm_in_background() -> None:
    """Start loading the encoder in a daemon thread, once per process."""
    global _warm_started
    with _warm_lock:
        if _warm_started:
            return
        _warm_started = True
    threading.Thread(target=_warm, name="journeys-encoder-warmup", daemon=True).start()


def encoder_is_ready() -> bool:
    return _encoder_ready.is_set()


@dataclass(frozen=True, slots=True)
class Recommendation:
    journey: Journey
    reason: str  # "suggested" | "similar" | "topic"
    suggestion: selectors.SuggestionView | None = None
    score: float | None = None


def journey_text(journey: Journey, language: str) -> str:
    return "\n".join(
        (journey.title_in(language), journey.summary_in(language), journey.about_in(language))
    )


def _embed(texts: Sequence[str]) -> np.ndarray:
    vectors = np.asarray(ml.embed_texts(list(texts)), dtype=np.float32)
    _encoder_ready.set()  # loaded in this process now, whoever loaded it
    return vectors.reshape(len(texts), -1)


def journey_vectors(journeys: Sequence[Journey], language: str) -> np.ndarray:
    """One L2-normalised vector per journey, from the cache or the encoder (misses batched)."""
    cached = {
        (row.slug, row.version): np.frombuffer(bytes(row.vector), dtype=np.float32)
        for row in JourneyEmbedding.objects.filter(
            language=language, slug__in=[journey.slug for journey in journeys]
        )
    }
    missing = [j for j in journeys if (j.slug, j.version) not in cached]
    if missing:
        vectors = _embed([journey_text(journey, language) for journey in missing])
        for journey, vector in zip(missing, vectors, strict=True):
            JourneyEmbedding.objects.update_or_create(
                slug=journey.slug,
                version=journey.version,
                language=language,
                defaults={"vector": vector.astype(np.float32).tobytes()},
            )
            cached[(journey.slug, journey.version)] = vector
    return np.stack([cached[(j.slug, j.version)] for j in journeys])


def journey_vectors_warm(*, languages: Sequence[str] = ("da", "en")) -> int | None:
    """Embed every published journey in each language ahead of the first request.

    Returns the number of journey-language pairs now cached, or None (logged) when the encoder
    is unavailable; `load_journeys --embed` reports either.
    """
    journeys = list(Journey.objects.filter(is_published=True).order_by("slug"))
    try:
        for language in languages:
            if journeys:
                journey_vectors(journeys, language)
    except ModelUnavailable:
        logger.warning("journeys.similarity.model_unavailable", extra={"fallback": "no_warmup"})
        return None
    return len(journeys) * len(languages)


def _activity_vector(*, youth: Any, language: str) -> np.ndarray | None:
    """The mean of the youth's recent journey and reflection embeddings, or None if no activity."""
    recent = selectors.recent_journeys_for_youth(youth=youth, limit=3)
    reflections = selectors.recent_reflection_bodies(youth=youth, limit=5)
    if not recent and not reflections:
        return None
    parts = []
    if recent:
        parts.append(journey_vectors(recent, language))
    if reflections:
        parts.append(_embed(reflections))  # in memory only: never cached, never logged
    stacked = np.concatenate(parts, axis=0)
    mean = stacked.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else None


def rank_by_similarity(
    *, youth: Any, candidates: Sequence[Journey], language: str
) -> list[tuple[Journey, float]]:
    """Candidates with cosine similarity to the youth's activity, best first.

    Raises ModelUnavailable when the encoder is missing; the caller falls back.
    """
    if not candidates:
        return []
    activity = _activity_vector(youth=youth, language=language)
    if activity is None:
        return [(journey, 0.0) for journey in candidates]
    scores = journey_vectors(candidates, language) @ activity
    ranked = sorted(
        zip(candidates, (float(s) for s in scores), strict=True),
        key=lambda pair: (-pair[1], pair[0].slug),
    )
    return ranked


def rank_by_topic(*, youth: Any, candidates: Sequence[Journey]) -> list[Journey]:
    """Fallback: journeys sharing a topic with the youth's recent journeys first, then by slug."""
    topics = {journey.topic for journey in selectors.recent_journeys_for_youth(youth=youth)}
    return sorted(candidates, key=lambda journey: (journey.topic not in topics, journey.slug))


def recommendations_for(
    *, youth: Any, language: str, exclude: Sequence[Journey] = (), limit: int = 3
) -> list[Recommendation]:
    """Clinician suggestions first, then similar journeys for the youth's age band.

    Leaves out `exclude` (usually the journey just finished) and journeys already completed.
    Never raises for a missing model: falls back to topic order and logs it.
    """
    excluded = {journey.pk for journey in exclude}
    completed = set(
        JourneyProgress.objects.filter(youth=youth, completed_at__isnull=False).values_list(
            "journey_id", flat=True
        )
    )
    results: list[Recommendation] = []
    seen: set[int] = set()
    for item in selectors.suggestions_for_youth(youth=youth):
        if item.journey.pk in excluded or item.journey.pk in seen:
            continue
        results.append(Recommendation(item.journey, "suggested", suggestion=item))
        seen.add(item.journey.pk)
    candidates = [
        journey
        for journey in selectors.journeys_for_user(user=youth)
        if journey.pk not in excluded | completed | seen
    ]
    try:
        if not encoder_is_ready():
            encoder_warm_in_background()
            raise ModelUnavailable("the encoder is still loading in this process")
        ranked = rank_by_similarity(youth=youth, candidates=candidates, language=language)
        results.extend(Recommendation(j, "similar", score=s) for j, s in ranked)
    except ModelUnavailable:
        logger.warning("journeys.similarity.model_unavailable", extra={"fallback": "topic"})
        results.extend(
            Recommendation(j, "topic") for j in rank_by_topic(youth=youth, candidates=candidates)
        )
    return results[: max(limit, len([r for r in results if r.reason == "suggested"]))]
