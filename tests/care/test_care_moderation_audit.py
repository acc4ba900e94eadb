"""Moderation's flag page is a staff view of a youth's data: it leaves one access-log row."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AccessLog, Clinic, User

pytestmark = pytest.mark.django_db


def test_opening_a_flag_about_a_youth_leaves_one_row(
    client: Any, youth: User, clinician: User, clinic: Clinic, make_flag: Any
) -> None:
    from moderation import permissions

    permissions.queue_grant(clinician, clinic)
    flag = make_flag(youth, "elevated")
    flag.clinic = clinic
    flag.save()
    client.force_login(clinician)
    assert client.get(reverse("moderation:flag", args=[flag.pk])).status_code == 200
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.what, row.object_ref) == (
        clinician.pk,
        youth.pk,
        "flags",
        f"flag:{flag.pk}",
    )
    client.force_login(youth)
    assert "Bekymringsmarkeringer" in client.get(reverse("care:my_audit")).content.decode()


def test_a_refused_flag_page_leaves_a_refused_row(
    client: Any, youth: User, other_clinic_clinician: User, clinic: Clinic, make_flag: Any
) -> None:
    flag = make_flag(youth, "elevated")
    flag.clinic = clinic
    flag.save()
    client.force_login(other_clinic_clinician)
    assert client.get(reverse("moderation:flag", args=[flag.pk])).status_code == 404
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.granted) == (other_clinic_clinician.pk, youth.pk, False)
