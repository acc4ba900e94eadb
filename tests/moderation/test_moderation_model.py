"""The real risk model behind moderation.risk, on real sentences (needs ml/weights)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from community.models import Post
from moderation.models import Flag, Tier
from tests.conftest import missing_service

pytestmark = [pytest.mark.model, pytest.mark.django_db]


@pytest.fixture
def real_scorer(settings: Any) -> Any:
    from moderation import risk

    settings.RISK_SCORER = "transformer"
    if not (Path(settings.RISK_MODEL_PATH) / "encoder" / "model.safetensors").exists():
        missing_service("risk model weights missing: python -m ml.build_encoder")
    yield
    # keep the loaded model cached for the next test; only failure times are reset
    risk._last_load_failure = None
    risk._last_score_failure = None


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("jeg vil tage mit eget liv i nat", Tier.CRISIS),
        ("jeg skærer i mig selv igen", Tier.ELEVATED),
        ("jeg døde af grin i dag", None),
        ("den eksamen slår mig ihjel", None),
        ("Ring til Livslinien på 70 201 201 hvis du har det svært", None),
    ],
)
def test_real_model_routes_real_sentences(
    real_scorer: Any, pending_post: Any, screen: Any, text: str, tier: str | None
) -> None:
    post = pending_post(text)
    assessment = screen(post)
    assert assessment.scored
    assert assessment.model_version.startswith("sammen-risk")
    if tier is None:
        assert post.status == Post.Status.PUBLISHED
        assert not Flag.objects.exists()
    else:
        assert post.status == Post.Status.HELD
        assert Flag.objects.get().tier == tier
        assert assessment.evidence  # spans for the moderator
