"""Private journey reflections are screened like posts, and their flags reach clinicians only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from journeys import services as journey_services
from journeys.models import Reflection, ScreeningStatus, Step
from ml import RiskLevel
from moderation import permissions, selectors
from moderation.models import Flag, RiskAssessment, Tier
from moderation.permissions import Action
from moderation.reconcile import violations_find

CONTENT = Path(__file__).resolve().parents[2] / "journeys" / "content"
pytestmark = pytest.mark.django_db


def django_capture_on_commit() -> Any:
    """Run on_commit callbacks (the screening request) inside a test transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def reflection_step(db: None) -> Step:
    journey_services.journeys_load(directory=CONTENT)
    step = Step.objects.filter(kind=Step.Kind.REFLECTION).order_by("journey__slug", "order").first()
    assert step is not None
    return step


@pytest.fixture
def write(reflection_step: Step, youth: Any) -> Callable[[str], Reflection]:
    """Save a reflection through journeys' service: the seam moderation fills screens it."""

    def save(text: str) -> Reflection:
        with django_capture_on_commit():
            reflection = journey_services.reflection_save(
                youth=youth, step=reflection_step, body=text
            )
        reflection.refresh_from_db()
        return reflection

    return save


def test_harmless_reflection_is_screened_without_a_flag(fake_scorer: Any, write: Any) -> None:
    reflection = write("Jeg lagde mærke til fuglene i dag.")
    assert reflection.screening_status == ScreeningStatus.SCREENED
    assert not reflection.crisis_support_shown
    assert (
        RiskAssessment.objects.filter(subject_type="reflection", subject_id=reflection.pk).count()
        == 1
    )
    assert not Flag.objects.exists()


def test_crisis_reflection_shows_crisis_lines_and_flags_clinicians_only(
    fake_scorer: Any, write: Any, peer: Any, clinician: Any
) -> None:
    text = "Jeg har skrevet breve til alle og i nat gør jeg det."
    fake_scorer.set(text, RiskLevel.CRISIS, "suicide")
    reflection = write(text)
    assert reflection.screening_status == ScreeningStatus.SCREENED
    assert reflection.crisis_support_shown
    flag = Flag.objects.get(subject_type="reflection", subject_id=reflection.pk)
    assert flag.tier == Tier.CRISIS
    assert permissions.can_act(clinician, flag, Action.VIEW)
    assert not permissions.can_act(peer, flag, Action.VIEW)
    assert flag not in selectors.flag_queue_for(peer)
    assert flag in selectors.flag_queue_for(clinician)


def test_elevated_reflection_is_kept_from_peer_workers(
    fake_scorer: Any, write: Any, peer: Any, clinician: Any
) -> None:
    text = "Nogle gange ville jeg ønske, at jeg ikke vågnede."
    fake_scorer.set(text, RiskLevel.ELEVATED, "suicide")
    reflection = write(text)
    flag = Flag.objects.get(subject_type="reflection", subject_id=reflection.pk)
    assert flag.tier == Tier.ELEVATED
    assert not reflection.crisis_support_shown
    assert not permissions.can_act(peer, flag, Action.VIEW)
    assert permissions.can_act(clinician, flag, Action.CLAIM)
    peer_client = Client()
    peer_client.force_login(peer)
    response = peer_client.get(reverse("moderation:flag", args=[flag.pk]))
    assert response.status_code == 404
    assert text not in peer_client.get(reverse("moderation:dashboard")).content.decode()


def test_model_failure_holds_reflection_as_unscored(fake_scorer: Any, write: Any) -> None:
    fake_scorer.fail = True
    reflection = write("En helt almindelig tanke.")
    flag = Flag.objects.get(subject_type="reflection", subject_id=reflection.pk)
    assert flag.tier == Tier.UNSCORED
    assert reflection.screening_status == ScreeningStatus.SCREENED


def test_edited_reflection_is_screened_again_and_reconcile_is_clean(
    fake_scorer: Any, write: Any
) -> None:
    first = write("Første version.")
    second = write("Anden version.")
    assert second.pk == first.pk and second.revision == 2
    revisions = set(
        RiskAssessment.objects.filter(subject_type="reflection", subject_id=first.pk).values_list(
            "revision", flat=True
        )
    )
    assert revisions == {1, 2}
    assert violations_find() == []


def test_an_edit_supersedes_the_old_revisions_flag_and_routes_the_new_one(
    fake_scorer: Any, write: Any
) -> None:
    from moderation.models import FlagEvent

    # given: a reflection held for a clinician at revision 1
    fake_scorer.set("Jeg skærer i mig selv.", RiskLevel.ELEVATED, "self_harm")
    first = write("Jeg skærer i mig selv.")
    old = Flag.objects.get(subject_type="reflection", subject_id=first.pk)
    assert (old.revision, old.status) == (1, Flag.Status.OPEN)

    # when: the youth rewrites it into something harmless
    second = write("I dag gik jeg en tur med min hund.")

    # then: the old flag is closed as superseded, naming the new revision in its audit
    old.refresh_from_db()
    assert (old.status, old.resolution) == (Flag.Status.RESOLVED, Flag.Resolution.SUPERSEDED)
    event = old.events.get(kind=FlagEvent.Kind.SUPERSEDED)
    assert event.actor is None and event.after["superseded_by_revision"] == second.revision == 2
    assert event.before["status"] == Flag.Status.OPEN and event.before["revision"] == 1
    # and the new revision's routing applies: harmless, so no open flag is left
    assert not Flag.objects.filter(subject_id=first.pk).exclude(status="resolved").exists()

    # when: it is edited again into crisis language, the new revision gets its own crisis flag
    fake_scorer.set("Jeg har skrevet et afskedsbrev.", RiskLevel.CRISIS, "suicide")
    third = write("Jeg har skrevet et afskedsbrev.")
    current = Flag.objects.get(subject_id=first.pk, status=Flag.Status.OPEN)
    assert (current.revision, current.tier) == (third.revision, Tier.CRISIS)
    assert violations_find() == []
