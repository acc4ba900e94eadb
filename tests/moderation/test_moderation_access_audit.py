"""Every moderation view of a youth's data leaves exactly one access-log row per youth shown."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccessLog
from ml import RiskLevel
from moderation.models import Flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_flags(fake_scorer: Any, pending_post: Any, screen: Any, make_user: Any, space: Any) -> Any:
    """Two held posts by two youths, each with an open flag; returns (flags, youths)."""
    from community.models import Post

    youths = [make_user("youth"), make_user("youth")]
    flags = []
    for n, youth in enumerate(youths):
        body = f"jeg skader mig selv {n}"
        fake_scorer.set(body, RiskLevel.ELEVATED, "self_harm")
        post = pending_post(body)
        Post.objects.filter(pk=post.pk).update(author=youth)
        post.refresh_from_db()
        screen(post)
        flags.append(Flag.objects.get(subject_id=post.pk))
    return flags, youths


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_leaves_one_row_per_youth_shown(two_flags: Any, clinician: Any) -> None:
    _flags, youths = two_flags
    response = _client(clinician).get(reverse("moderation:dashboard"))
    assert response.status_code == 200
    rows = list(AccessLog.objects.order_by("youth_id"))
    assert [(r.staff_id, r.youth_id, r.what) for r in rows] == [
        (clinician.pk, y.pk, "flags") for y in sorted(youths, key=lambda u: u.pk)
    ]
    assert all(r.object_ref == "moderation:dashboard" and r.reason for r in rows)  # why
    assert all(r.at is not None and r.granted for r in rows)  # when


@pytest.mark.parametrize(
    ("url_name", "ref_suffix"),
    [("moderation:flag_json", ":json"), ("moderation:flag_history", ":historik")],
)
def test_the_live_card_and_the_history_leave_exactly_one_row(
    two_flags: Any, clinician: Any, url_name: str, ref_suffix: str
) -> None:
    flags, youths = two_flags
    response = _client(clinician).get(reverse(url_name, args=[flags[0].pk]))
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.what, row.object_ref) == (
        clinician.pk,
        youths[0].pk,
        "flags",
        f"flag:{flags[0].pk}{ref_suffix}",
    )
    assert row.reason.startswith("Moderering")


def test_the_flag_page_says_why(two_flags: Any, peer: Any) -> None:
    flags, youths = two_flags
    assert _client(peer).get(reverse("moderation:flag", args=[flags[1].pk])).status_code == 200
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.reason) == (peer.pk, youths[1].pk, "Moderering: sagen")


def test_a_refused_live_card_leaves_a_refused_row_and_shows_nothing(
    two_flags: Any, make_user: Any
) -> None:
    from accounts.models import Clinic

    flags, youths = two_flags
    other = make_user("clinician", grant=False)
    other.clinic_memberships.all().delete()
    elsewhere = Clinic.objects.create(name="Anden", slug="anden")
    from moderation import permissions

    permissions.queue_grant(other, elsewhere)
    response = _client(other).get(reverse("moderation:flag_json", args=[flags[0].pk]))
    assert response.status_code == 404
    row = AccessLog.objects.get()
    assert (row.youth_id, row.granted) == (youths[0].pk, False)


def test_an_empty_queue_leaves_no_row(clinician: Any) -> None:
    assert _client(clinician).get(reverse("moderation:dashboard")).status_code == 200
    assert not AccessLog.objects.exists()
