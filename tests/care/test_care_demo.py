"""The demo content is idempotent and links the demo youth to the demo clinician."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from accounts.models import CareLink
from care.models import CareInvitation, CareMessage

pytestmark = pytest.mark.django_db


def test_seed_demo_twice_makes_one_link(
    django_capture_on_commit_callbacks: Any, message_screening_requests: list[int]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo")
        call_command("seed_demo")
    assert message_screening_requests == []  # demo text never waits for the worker
    link = CareLink.objects.get(youth__username="ung_ravn", clinician__username="kliniker_hval")
    assert set(link.scopes) == {"activity", "journeys", "toolkit", "checkins"}
    assert CareMessage.objects.filter(link=link).count() == 2
    assert CareInvitation.objects.filter(youth__username="ung_ugle", status="pending").count() == 1
