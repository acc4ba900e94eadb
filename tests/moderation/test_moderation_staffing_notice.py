"""Outside staffed hours a youth is told that no adult is on duty; inside them nothing is said."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from moderation.models import StaffedHours

pytestmark = pytest.mark.django_db
NOTICE = "ingen voksne på vagt"


def _page_for(user: Any) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_youth_sees_the_notice_outside_staffed_hours(youth: Any, clinic: Any) -> None:
    assert NOTICE in _page_for(youth)  # no hours entered: unstaffed


def test_no_notice_inside_staffed_hours(youth: Any, clinic: Any) -> None:
    now = timezone.localtime()
    StaffedHours.objects.create(
        clinic=clinic,
        weekday=now.weekday(),
        opens_at=dt.time(0, 0),
        closes_at=dt.time(23, 59, 59),
    )
    assert NOTICE not in _page_for(youth)


def test_staff_never_see_the_youth_notice(clinician: Any) -> None:
    assert NOTICE not in _page_for(clinician)
