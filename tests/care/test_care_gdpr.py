"""GDPR: the youth's export holds everything of theirs and nothing of others; deletion erases
and pseudonymises while keeping the audit and moderation records; the outcome dataset is
anonymous."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AccessLog, CareLink, Role, User
from care import services
from care.models import CareMessage, MessageStatus
from toolkit import services as toolkit_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_youths(
    youth: User, other_youth: User, clinician: User, make_link: Any, make_post: Any, make_flag: Any
) -> dict[str, Any]:
    mine = make_link(youth, clinician)
    theirs = make_link(other_youth, clinician)
    for who, link, tag in ((youth, mine, "MIN"), (other_youth, theirs, "DERES")):
        toolkit_services.checkin_save(youth=who, mood=4, note=f"{tag}-note")
        toolkit_services.strategy_create_own(
            youth=who, title=f"{tag}-strategi", steps=["a"], language="da"
        )
        make_post(who, f"{tag}-indlæg")
        message = services.message_send(link=link, sender=who, body=f"{tag}-besked")
        services.message_status_set(message=message, status=MessageStatus.PUBLISHED)
    flagged = make_post(youth, "MIN-flagget-indlæg")
    flag = make_flag(youth, "crisis")
    flag.subject_id = flagged.pk
    flag.save()
    return {"mine": mine, "flagged_post": flagged, "flag": flag}


def test_export_contains_everything_of_the_youth_and_nothing_of_others(
    client: Any, youth: User, other_youth: User, clinician: User, two_youths: dict[str, Any]
) -> None:
    client.force_login(clinician)
    client.get(reverse("care:youth", args=[youth.pk]))
    client.force_login(youth)
    response = client.get(reverse("care:my_data_json"))
    assert response["Content-Disposition"].startswith("attachment")
    text = response.content.decode()
    data = json.loads(text)
    assert data["account"]["username"] == youth.username
    for mine in ("MIN-note", "MIN-strategi", "MIN-indlæg", "MIN-besked", "MIN-flagget-indlæg"):
        assert mine in text
    assert data["care"]["links"][0]["clinician"] == clinician.username
    assert data["care"]["who_has_seen_my_data"][0]["what"] == "profile"
    assert data["moderation"]["flags"][0]["tier"] == "crisis"
    assert "DERES" not in text
    assert other_youth.username not in text
    html = client.get(reverse("care:my_data_html")).content.decode()
    assert "MIN-strategi" in html and "DERES" not in html


def test_wrong_password_deletes_nothing(
    client: Any, youth: User, two_youths: dict[str, Any]
) -> None:
    client.force_login(youth)
    response = client.post(
        reverse("care:account_delete"), {"password": "forkert", "confirm": "SLET"}
    )
    assert response.status_code == 400
    youth.refresh_from_db()
    assert youth.is_active and youth.username == "stille_sol"


def test_deletion_erases_and_pseudonymises_but_keeps_audit_and_moderation(
    client: Any, youth: User, other_youth: User, clinician: User, two_youths: dict[str, Any]
) -> None:
    from community.models import Post
    from moderation.models import Flag
    from toolkit.models import DailyCheckIn, Strategy

    client.force_login(clinician)
    client.get(reverse("care:youth", args=[youth.pk]))
    client.force_login(youth)
    response = client.post(
        reverse("care:account_delete"), {"password": "a-long-care-password-42", "confirm": "slet"}
    )
    assert response.status_code == 200
    youth.refresh_from_db()
    assert youth.username.startswith("slettet-")
    assert (youth.email, youth.birth_year, youth.birth_month, youth.is_active) == (
        "",
        None,
        None,
        False,
    )
    assert not youth.has_usable_password()
    assert not DailyCheckIn.objects.filter(owner=youth).exists()
    assert not Strategy.objects.filter(owner=youth).exists()
    assert not CareMessage.objects.filter(link__youth=youth).exists()
    assert not CareLink.objects.filter(youth=youth, ended_at__isnull=True).exists()
    bodies = dict(Post.objects.filter(author=youth).values_list("pk", "body"))
    assert bodies.pop(two_youths["flagged_post"].pk) == "MIN-flagget-indlæg"  # open flag: kept
    assert set(bodies.values()) == {""}
    assert Flag.objects.filter(author=youth).count() == 1
    assert AccessLog.objects.filter(youth=youth, what="profile").count() == 1
    # the session is gone and the clinician is refused
    assert client.get(reverse("care:my_care")).status_code == 302
    client.force_login(clinician)
    assert client.get(reverse("care:youth", args=[youth.pk])).status_code == 404
    # the other youth is untouched
    assert DailyCheckIn.objects.filter(owner=other_youth).count() == 1
    assert Post.objects.get(author=other_youth).body == "DERES-indlæg"
    assert CareMessage.objects.filter(link__youth=other_youth).count() == 1


def test_outcome_dataset_is_anonymous_and_only_of_the_admins_clinics(
    client: Any, clinic_admin: User, make_user: Any, clinic: Any, other_clinic: Any, make_flag: Any
) -> None:
    youths = [make_user(Role.YOUTH, clinic) for _ in range(5)]
    stranger = make_user(Role.YOUTH, other_clinic, username="fremmed_ung")
    toolkit_services.checkin_save(youth=youths[0], mood=3)
    make_flag(youths[1], "elevated")
    make_flag(stranger, "crisis")
    client.force_login(clinic_admin)
    response = client.get(reverse("care:outcome_export") + "?format=json")
    text = response.content.decode()
    data = json.loads(text)
    assert not data["withheld"] and len(data["rows"]) == 5
    assert sum(row["flags"].get("elevated", 0) for row in data["rows"]) == 1
    assert all("crisis" not in row["flags"] for row in data["rows"])
    assert sum(row["checkins"] for row in data["rows"]) == 1
    for y in youths:
        assert y.username not in text
    assert "fremmed_ung" not in text
    assert set(data["rows"][0]) == {
        "age_band",
        "checkins",
        "mood_first",
        "mood_last",
        "who5_first_pct",
        "who5_last_pct",
        "journeys_in_progress",
        "journeys_completed",
        "flags",
    }


def test_small_outcome_dataset_is_withheld(
    client: Any, clinic_admin: User, make_user: Any, clinic: Any
) -> None:
    make_user(Role.YOUTH, clinic)
    client.force_login(clinic_admin)
    data = client.get(reverse("care:outcome_export") + "?format=json").json()
    assert data == {"withheld": True, "minimum": 5, "rows": []}


def test_readable_export_escapes_markup(client: Any, youth: User, make_post: Any) -> None:
    make_post(youth, "<img src=x onerror=alert(1)>")
    client.force_login(youth)
    page = client.get(reverse("care:my_data_html")).content.decode()
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
