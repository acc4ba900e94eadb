"""Demo content for ung_ravn: created once, unchanged on a second run."""

from __future__ import annotations

import pytest

from accounts.demo import demo_accounts_create
from toolkit.demo import demo_content_create
from toolkit.models import DailyCheckIn, SafetyPlan, Strategy, StrategyUse, Who5Response

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Strategy.objects.count(),
        StrategyUse.objects.count(),
        SafetyPlan.objects.get(owner__username="ung_ravn").version,
        DailyCheckIn.objects.count(),
        Who5Response.objects.count(),
    )


def test_demo_content_is_idempotent(fake_journey_strategy):
    demo_accounts_create()
    demo_content_create()
    first = _counts()
    demo_content_create()
    assert _counts() == first
    assert first[0] == 3  # one from a journey, two of ung_ravn's own
    assert first[2] == 6  # one saved version per safety-plan section
