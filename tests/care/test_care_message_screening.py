"""Care messages through moderation's real screening pipeline (the "message" adapter)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from accounts.models import CareLink, User
from care import services
from care.models import MessageStatus
from ml import RiskLevel, RiskScore

pytestmark = pytest.mark.django_db

CRISIS_TEXT = "jeg har skrevet farvel til alle"


class _Scorer:
    model_version = "care-fake-1"

    def score_batch(self, texts: Sequence[str]) -> list[RiskScore]:
        return [
            RiskScore(
                RiskLevel.CRISIS if t == CRISIS_TEXT else RiskLevel.NONE,
                0.9 if t == CRISIS_TEXT else 0.05,
                ("suicide",) if t == CRISIS_TEXT else (),
                (),
                self.model_version,
            )
            for t in texts
        ]


@pytest.fixture
def scorer(install_scorer: Any) -> _Scorer:
    fake: _Scorer = install_scorer(_Scorer())
    return fake


def _screen(message_id: int) -> Any:
    from moderation.services.screening import screening_run

    return screening_run(subject_type="message", subject_id=message_id)


def test_harmless_message_is_published(youth: User, link: CareLink, scorer: Any) -> None:
    message = services.message_send(link=link, sender=youth, body="Tak for i dag")
    _screen(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.PUBLISHED


def test_crisis_message_is_held_and_opens_a_crisis_flag(
    youth: User, link: CareLink, scorer: Any
) -> None:
    from moderation.models import Flag

    message = services.message_send(link=link, sender=youth, body=CRISIS_TEXT)
    _screen(message.pk)
    message.refresh_from_db()
    assert message.status == MessageStatus.HELD
    flag = Flag.objects.get(subject_type="message", subject_id=message.pk)
    assert (flag.tier, flag.author_id, flag.clinic_id) == ("crisis", youth.pk, link.clinic_id)
    assert _screen(message.pk) is None  # idempotent


def test_moderation_registers_itself_for_care_messages(message_screening_requests: Any) -> None:
    from django.apps import apps

    from care import screening

    screening.register_requester(None)
    apps.get_app_config("moderation").ready()
    assert screening._requester is not None
