"""Authorisation matrix over every care view: six roles plus anonymous, and IDOR over every id.

Roles: the youth, their clinician, another clinician of the same clinic, a clinician of another
clinic, a peer worker and a clinic admin. Staff who may not see a youth get a 404 and leave one
refused audit row; nobody learns whether the id exists.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from accounts.models import AccessLog, CareLink, User
from care.models import CareInvitation, CareMessage

pytestmark = pytest.mark.django_db

ROLES = [
    "youth",
    "clinician",
    "same_clinic_clinician",
    "other_clinic_clinician",
    "peer",
    "clinic_admin",
]

# (url name, needs section kwarg, method)
YOUTH_ID_VIEWS = [
    ("care:youth", None, "get"),
    ("care:youth_flags", None, "get"),
    ("care:clinician_messages", None, "get"),
    ("care:youth_summary", None, "get"),
    ("care:youth_section", "journeys", "get"),
    ("care:youth_section", "reflections", "get"),
    ("care:youth_section", "checkins", "get"),
    ("care:youth_section", "toolkit", "get"),
    ("care:youth_section", "posts", "get"),
    ("care:break_glass", "checkins", "get"),
    ("care:homework_suggest", None, "post"),
    ("care:session_set", None, "post"),
]


@pytest.fixture
def people(
    youth: User,
    clinician: User,
    same_clinic_clinician: User,
    other_clinic_clinician: User,
    peer: User,
    clinic_admin: User,
) -> dict[str, User]:
    return {
        "youth": youth,
        "clinician": clinician,
        "same_clinic_clinician": same_clinic_clinician,
        "other_clinic_clinician": other_clinic_clinician,
        "peer": peer,
        "clinic_admin": clinic_admin,
    }


def _url(name: str, youth_id: int, section: str | None) -> str:
    args: list[Any] = [youth_id] if section is None else [youth_id, section]
    return reverse(name, args=args)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_youth_id_views_only_serve_the_linked_clinician(
    client: Any,
    people: dict[str, User],
    link: CareLink,
    make_flag: Any,
    role: str,
    name: str,
    section: str | None,
    method: str,
) -> None:
    # given an open crisis flag, so break-glass is possible for the linked clinician
    youth = people["youth"]
    make_flag(youth)
    viewer = people[role]
    client.force_login(viewer)
    before = AccessLog.objects.count()
    # when
    url = _url(name, youth.pk, section)
    response = client.get(url) if method == "get" else client.post(url, {})
    # then
    if role == "clinician":
        assert response.status_code in {200, 302}
        return
    assert response.status_code == 404
    rows = AccessLog.objects.order_by("pk")[before:]
    if role == "youth":
        assert list(rows) == []  # the youth is not staff: no audit row for their own probe
    else:
        assert [(r.staff_id, r.youth_id, r.granted) for r in rows] == [(viewer.pk, youth.pk, False)]


@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_unknown_youth_id_is_404_with_an_audit_row(
    client: Any, clinician: User, link: CareLink, name: str, section: str | None, method: str
) -> None:
    client.force_login(clinician)
    url = _url(name, 987_654, section)
    response = client.get(url) if method == "get" else client.post(url, {})
    assert response.status_code == 404
    row = AccessLog.objects.get()
    assert (row.staff_id, row.youth_id, row.granted) == (clinician.pk, None, False)
    assert "user:987654" in row.object_ref


@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_another_youth_of_the_same_clinic_is_404(
    client: Any,
    clinician: User,
    link: CareLink,
    other_youth: User,
    name: str,
    section: str | None,
    method: str,
) -> None:
    client.force_login(clinician)
    url = _url(name, other_youth.pk, section)
    response = client.get(url) if method == "get" else client.post(url, {})
    assert response.status_code == 404
    assert AccessLog.objects.filter(youth=other_youth, granted=False).count() == 1


YOUTH_PAGES = [
    "care:my_care",
    "care:my_audit",
    "care:my_data",
    "care:my_data_json",
    "care:my_data_html",
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", YOUTH_PAGES)
def test_youth_pages_are_the_youths_own(
    client: Any, people: dict[str, User], role: str, name: str
) -> None:
    client.force_login(people[role])
    response = client.get(reverse(name))
    assert response.status_code == (200 if role == "youth" else 404)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["care:caseload", "care:invitations"])
def test_caseload_pages_are_for_clinicians(
    client: Any, people: dict[str, User], role: str, name: str
) -> None:
    client.force_login(people[role])
    response = client.get(reverse(name))
    clinicians = {"clinician", "same_clinic_clinician", "other_clinic_clinician"}
    assert response.status_code == (200 if role in clinicians else 404)


@pytest.mark.parametrize("role", ROLES)
def test_outcome_export_is_for_clinic_admins(
    client: Any, people: dict[str, User], role: str
) -> None:
    client.force_login(people[role])
    response = client.get(reverse("care:outcome_export"))
    assert response.status_code == (200 if role == "clinic_admin" else 404)


@pytest.mark.parametrize(
    "name",
    ["care:link_scopes", "care:link_end", "care:youth_messages"],
)
@pytest.mark.parametrize("role", [*ROLES, "other_youth"])
def test_link_id_views_only_serve_the_youth_of_the_link(
    client: Any, people: dict[str, User], other_youth: User, link: CareLink, role: str, name: str
) -> None:
    viewer = other_youth if role == "other_youth" else people[role]
    client.force_login(viewer)
    method = client.get if name == "care:youth_messages" else client.post
    response = method(reverse(name, args=[link.pk]), {"scopes": []})
    if role == "youth":
        assert response.status_code in {200, 302}
    else:
        assert response.status_code == 404
        link.refresh_from_db()
        assert link.is_active and len(link.scopes) == 6  # nothing changed


@pytest.mark.parametrize("role", [*ROLES, "other_youth"])
def test_invitation_is_answered_only_by_its_youth(
    client: Any, people: dict[str, User], other_youth: User, same_clinic_clinician: User, role: str
) -> None:
    from care import services

    invitation = services.invitation_create(clinician=same_clinic_clinician, youth=people["youth"])
    viewer = other_youth if role == "other_youth" else people[role]
    client.force_login(viewer)
    response = client.post(
        reverse("care:invitation_respond", args=[invitation.pk]), {"answer": "accept"}
    )
    invitation.refresh_from_db()
    if role == "youth":
        assert response.status_code == 302
        assert invitation.status == CareInvitation.Status.ACCEPTED
    else:
        assert response.status_code == 404
        assert invitation.status == CareInvitation.Status.PENDING


@pytest.mark.parametrize(
    "name", ["care:caseload", "care:my_care", "care:youth_messages", "care:youth"]
)
def test_anonymous_is_sent_to_log_in(client: Any, link: CareLink, name: str) -> None:
    args = (
        []
        if name in {"care:caseload", "care:my_care"}
        else [link.pk if "messages" in name else link.youth_id]
    )
    response = client.get(reverse(name, args=args))
    assert response.status_code == 302
    assert "/konto/log-ind/" in response["Location"]
    assert AccessLog.objects.count() == 0


def test_expired_session_is_refused_and_leaves_no_data_view(
    client: Any, clinician: User, link: CareLink
) -> None:
    # given a clinician whose session then expires
    client.force_login(clinician)
    assert client.get(reverse("care:youth", args=[link.youth_id])).status_code == 200
    session = client.session
    session.set_expiry(-1)
    session.save()
    before = AccessLog.objects.count()
    # when
    response = client.get(reverse("care:youth_section", args=[link.youth_id, "checkins"]))
    # then
    assert response.status_code == 302
    assert "/konto/log-ind/" in response["Location"]
    assert AccessLog.objects.count() == before


def test_ended_link_refuses_the_clinician_and_messages_are_not_sent(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    from care import services

    services.link_end(link=link, youth=youth)
    client.force_login(clinician)
    response = client.post(
        reverse("care:clinician_messages", args=[youth.pk]), {"body": "Hej, hvordan går det?"}
    )
    assert response.status_code == 404
    assert CareMessage.objects.count() == 0
