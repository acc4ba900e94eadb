"""Blended care: a journey or one step as homework, and whether it was done before the session."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from care import services
from journeys import selectors as journey_selectors
from journeys import services as journey_services
from journeys.models import JourneySuggestion

pytestmark = pytest.mark.django_db


def test_homework_is_suggested_and_seen_done_before_the_next_session(
    client: Any, youth: User, clinician: User, link: Any, content: dict[str, Any]
) -> None:
    journey = journey_selectors.journeys_for_user(user=youth)[0]
    step = journey_selectors.steps_active(journey=journey)[0]
    client.force_login(clinician)
    response = client.post(
        reverse("care:homework_suggest", args=[youth.pk]),
        {"journey": journey.slug, "step_key": step.key, "note": "Prøv det før torsdag"},
    )
    assert response.status_code == 302
    suggestion = JourneySuggestion.objects.get()
    assert (suggestion.journey, suggestion.step, suggestion.note) == (
        journey,
        step,
        "Prøv det før torsdag",
    )
    overview = client.get(reverse("care:youth", args=[youth.pk]))
    assert "ikke lavet endnu" in overview.content.decode()
    # the youth does the step; the session is tomorrow
    journey_services.step_complete(youth=youth, step=step)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    client.post(reverse("care:session_set", args=[youth.pk]), {"next_session_on": tomorrow})
    overview = client.get(reverse("care:youth", args=[youth.pk]))
    rows = overview.context["homework"]
    assert rows[0]["item"].done and rows[0]["done_before_session"] is True
    assert "før samtalen" in overview.content.decode()


def test_unknown_journey_or_step_is_refused(
    client: Any, youth: User, clinician: User, link: Any, content: dict[str, Any]
) -> None:
    journey = journey_selectors.journeys_for_user(user=youth)[0]
    client.force_login(clinician)
    client.post(reverse("care:homework_suggest", args=[youth.pk]), {"journey": "findes-ikke"})
    client.post(
        reverse("care:homework_suggest", args=[youth.pk]),
        {"journey": journey.slug, "step_key": "findes-ikke"},
    )
    assert not JourneySuggestion.objects.exists()


def test_homework_status_needs_the_journeys_scope(
    client: Any, youth: User, clinician: User, link: Any
) -> None:
    services.link_scopes_set(link=link, youth=youth, scopes=["checkins"])
    client.force_login(clinician)
    overview = client.get(reverse("care:youth", args=[youth.pk]))
    assert overview.context["homework_hidden"] is True
    assert "deler ikke fremskridt i rejser" in overview.content.decode()
