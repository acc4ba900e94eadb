"""Access audit completeness: each staff data view leaves exactly one row; break-glass needs a
reason and an open flag and is highlighted; the youth sees it all on their own page."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AccessLog, CareLink, User

pytestmark = pytest.mark.django_db

DATA_VIEWS = [
    ("care:youth", [], "profile"),
    ("care:youth_flags", [], "flags"),
    ("care:clinician_messages", [], "messages"),
    ("care:youth_summary", [], "summary"),
    ("care:youth_section", ["journeys"], "journeys"),
    ("care:youth_section", ["reflections"], "reflections"),
    ("care:youth_section", ["checkins"], "checkins"),
    ("care:youth_section", ["toolkit"], "toolkit"),
    ("care:youth_section", ["posts"], "posts"),
]


@pytest.mark.parametrize(("name", "extra", "what"), DATA_VIEWS)
def test_each_data_view_leaves_exactly_one_row(
    client: Any,
    youth: User,
    clinician: User,
    link: CareLink,
    name: str,
    extra: list[str],
    what: str,
) -> None:
    client.force_login(clinician)
    response = client.get(reverse(name, args=[youth.pk, *extra]))
    assert response.status_code == 200
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.what, row.granted, row.break_glass) == (
        clinician.pk,
        youth.pk,
        what,
        True,
        False,
    )


def test_safety_plan_view_is_audited_through_toolkits_seam(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    from toolkit import services as toolkit_services

    plan = toolkit_services.safety_plan_section_save(
        youth=youth, section="warning_signs", items=["x"]
    )
    client.force_login(clinician)
    assert (
        client.get(reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])).status_code == 200
    )
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.what, row.object_ref) == (
        clinician.pk,
        youth.pk,
        "safety_plan",
        f"safety_plan:{plan.pk}",
    )


def test_caseload_leaves_one_row_per_youth_shown(
    client: Any, clinician: User, make_user: Any, make_link: Any, clinic: Any
) -> None:
    youths = [make_user("youth", clinic) for _ in range(30)]
    for y in youths:
        make_link(y, clinician, ["activity"])
    client.force_login(clinician)
    client.get(reverse("care:caseload"))
    rows = AccessLog.objects.filter(what="caseload_row")
    assert rows.count() == 25  # the first page
    assert len(set(rows.values_list("youth_id", flat=True))) == 25
    client.get(reverse("care:caseload") + "?side=2")
    assert AccessLog.objects.filter(what="caseload_row").count() == 30


def test_writes_leave_no_data_view_row(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    client.force_login(clinician)
    client.post(reverse("care:session_set", args=[youth.pk]), {"next_session_on": "2030-01-02"})
    assert AccessLog.objects.count() == 0


def test_break_glass_needs_an_open_flag_and_a_reason_and_is_highlighted(
    client: Any, youth: User, clinician: User, make_link: Any, make_flag: Any
) -> None:
    make_link(youth, clinician, ["journeys"])  # check-ins not shared
    client.force_login(clinician)
    section = reverse("care:youth_section", args=[youth.pk, "checkins"])
    glass = reverse("care:break_glass", args=[youth.pk, "checkins"])
    # without a flag: no break-glass at all
    assert client.get(section).status_code == 404
    assert client.get(glass).status_code == 404
    # with an open crisis flag: the form, and a reason is required
    make_flag(youth, "crisis")
    assert client.get(glass).status_code == 200
    assert client.post(glass, {"reason": "kort"}).status_code == 200  # too short: form again
    assert client.get(section).status_code == 404
    reason = "Krisemarkering i nat; vil se humøret før opkald"
    assert client.post(glass, {"reason": reason}).status_code == 302
    response = client.get(section)
    assert response.status_code == 200
    assert reason in response.content.decode()
    granted = AccessLog.objects.filter(what="checkins", granted=True).get()
    assert granted.break_glass and granted.reason == reason
    # the youth sees it, highlighted, with the reason
    client.force_login(youth)
    page = client.get(reverse("care:my_audit")).content.decode()
    assert "care-break-glass" in page and reason in page


def test_youth_audit_page_lists_who_what_when_and_refusals(
    client: Any, youth: User, clinician: User, other_clinic_clinician: User, link: CareLink
) -> None:
    client.force_login(clinician)
    client.get(reverse("care:youth", args=[youth.pk]))
    client.force_login(other_clinic_clinician)
    client.get(reverse("care:youth", args=[youth.pk]))
    client.force_login(youth)
    page = client.get(reverse("care:my_audit")).content.decode()
    assert clinician.username in page and other_clinic_clinician.username in page
    assert "forsøgte, men fik ikke adgang" in page
    assert "Overblik" in page


def test_youth_never_sees_another_youths_audit(
    client: Any, youth: User, other_youth: User, clinician: User, make_link: Any
) -> None:
    make_link(other_youth, clinician)
    client.force_login(clinician)
    client.get(reverse("care:youth", args=[other_youth.pk]))
    client.force_login(youth)
    page = client.get(reverse("care:my_audit")).content.decode()
    assert clinician.username not in page


def test_break_glass_expires_after_an_hour(
    client: Any, youth: User, clinician: User, make_link: Any, make_flag: Any
) -> None:
    import datetime as dt

    from django.utils import timezone

    from care.models import BreakGlassGrant

    make_link(youth, clinician, [])
    make_flag(youth, "crisis")
    client.force_login(clinician)
    glass = reverse("care:break_glass", args=[youth.pk, "reflections"])
    client.post(glass, {"reason": "Krisemarkering, skal forstå situationen"})
    section = reverse("care:youth_section", args=[youth.pk, "reflections"])
    assert client.get(section).status_code == 200
    BreakGlassGrant.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(section).status_code == 404


def test_break_glass_ends_with_the_link(
    client: Any, youth: User, clinician: User, make_link: Any, make_flag: Any
) -> None:
    from care import services

    link = make_link(youth, clinician, [])
    make_flag(youth, "crisis")
    client.force_login(clinician)
    client.post(
        reverse("care:break_glass", args=[youth.pk, "posts"]),
        {"reason": "Krisemarkering, skal forstå situationen"},
    )
    services.link_end(link=link, youth=youth)
    assert client.get(reverse("care:youth_section", args=[youth.pk, "posts"])).status_code == 404
