"""Linking and consent: invitations, the referral-code offer, scopes enforced through guardian,
the safety plan following the toolkit scope, and withdrawal refusing the very next request."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessLog, CareLink, ReferralCode, User
from care import permissions, services
from care.models import CareFileUserObjectPermission, CareInvitation

pytestmark = pytest.mark.django_db


def test_invitation_accept_starts_a_link_with_only_the_ticked_scopes(
    client: Any, youth: User, clinician: User
) -> None:
    invitation = services.invitation_create(clinician=clinician, youth=youth, note="Fra samtalen")
    client.force_login(youth)
    page = client.get(reverse("care:my_care"))
    assert "Fra samtalen" in page.content.decode()
    response = client.post(
        reverse("care:invitation_respond", args=[invitation.pk]),
        {"answer": "accept", "scopes": ["checkins", "journeys"]},
    )
    assert response.status_code == 302
    link = CareLink.objects.get(youth=youth, clinician=clinician)
    assert link.scopes == ["journeys", "checkins"]
    granted = set(
        CareFileUserObjectPermission.objects.filter(user=clinician).values_list(
            "permission__codename", flat=True
        )
    )
    assert granted == {"see_journeys", "see_checkins"}


def test_declined_invitation_shares_nothing(client: Any, youth: User, clinician: User) -> None:
    invitation = services.invitation_create(clinician=clinician, youth=youth)
    client.force_login(youth)
    client.post(reverse("care:invitation_respond", args=[invitation.pk]), {"answer": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == CareInvitation.Status.DECLINED
    assert not CareLink.objects.exists()
    client.force_login(clinician)
    assert client.get(reverse("care:youth", args=[youth.pk])).status_code == 404


def test_only_youths_of_the_clinicians_own_clinic_can_be_invited(
    youth: User, other_clinic_clinician: User, clinician: User, peer: User, make_link: Any
) -> None:
    with pytest.raises(PermissionDenied):
        services.invitation_create(clinician=other_clinic_clinician, youth=youth)
    with pytest.raises(PermissionDenied):
        services.invitation_create(clinician=peer, youth=youth)
    make_link(youth, clinician)
    with pytest.raises(ValidationError):
        services.invitation_create(clinician=clinician, youth=youth)


def test_invite_by_handle_from_the_clinician_page(
    client: Any, youth: User, clinician: User, other_clinic_clinician: User
) -> None:
    client.force_login(other_clinic_clinician)
    response = client.post(reverse("care:invitations"), {"handle": youth.username})
    assert response.status_code == 200  # form error: not in their clinic, nothing revealed
    assert not CareInvitation.objects.exists()
    client.force_login(clinician)
    response = client.post(reverse("care:invitations"), {"handle": youth.username.upper()})
    assert response.status_code == 302
    assert CareInvitation.objects.get().youth == youth


def test_referral_code_clinician_is_offered_when_the_youth_opens_min_behandler(
    client: Any, youth: User, clinician: User, clinic: Any
) -> None:
    ReferralCode.objects.create(
        clinic=clinic,
        created_by=clinician,
        expires_at=timezone.now() + dt.timedelta(days=7),
        used_by=youth,
        used_at=timezone.now(),
    )
    client.force_login(youth)
    client.get(reverse("care:my_care"))
    client.get(reverse("care:my_care"))
    invitation = CareInvitation.objects.get()  # once, however often the page is opened
    assert (invitation.clinician, invitation.origin) == (clinician, "referral")
    assert not CareLink.objects.exists()  # still the youth's choice
    services.invitation_decline(invitation=invitation, youth=youth)
    client.get(reverse("care:my_care"))
    assert CareInvitation.objects.count() == 1  # a "no" is not asked again


def test_consent_withdrawn_while_the_page_is_open_refuses_the_next_request(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    clinician_client = client
    clinician_client.force_login(clinician)
    url = reverse("care:youth_section", args=[youth.pk, "checkins"])
    assert clinician_client.get(url).status_code == 200
    # the youth turns check-ins off from their own session
    from django.test import Client

    youth_client = Client()
    youth_client.force_login(youth)
    youth_client.post(reverse("care:link_scopes", args=[link.pk]), {"scopes": ["journeys"]})
    # the clinician's next request
    assert clinician_client.get(url).status_code == 404
    assert (
        clinician_client.get(reverse("care:youth_section", args=[youth.pk, "journeys"])).status_code
        == 200
    )
    refused = AccessLog.objects.filter(what="checkins", granted=False)
    assert refused.count() == 1


def test_a_stale_guardian_grant_without_consent_is_refused_and_removed(
    youth: User, clinician: User, link: CareLink
) -> None:
    # a scope flag turned off without a sync (e.g. an admin edit): the grant is left behind
    CareLink.objects.filter(pk=link.pk).update(scopes=["journeys"])
    link.refresh_from_db()
    assert not permissions.scope_granted(clinician=clinician, link=link, scope="checkins")
    assert not CareFileUserObjectPermission.objects.filter(
        user=clinician, permission__codename="see_checkins"
    ).exists()


def test_scope_without_guardian_grant_is_refused(
    youth: User, clinician: User, link: CareLink
) -> None:
    # the link says yes, but the grant is missing: guardian is what is checked, not the flag alone
    CareFileUserObjectPermission.objects.filter(user=clinician).delete()
    assert not permissions.scope_granted(clinician=clinician, link=link, scope="checkins")


def test_safety_plan_follows_the_toolkit_scope(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    from toolkit import services as toolkit_services

    toolkit_services.safety_plan_section_save(
        youth=youth, section="warning_signs", items=["Jeg sover dårligt"]
    )
    services.link_scopes_set(link=link, youth=youth, scopes=["toolkit"])
    client.force_login(clinician)
    url = reverse("toolkit:safety_plan_for_clinician", args=[youth.pk])
    assert client.get(url).status_code == 200
    services.link_scopes_set(link=link, youth=youth, scopes=[])
    assert client.get(url).status_code == 404
    rows = list(AccessLog.objects.filter(what="safety_plan").values_list("granted", flat=True))
    assert rows == [True, False]


def test_youth_ends_the_link_and_every_grant_goes(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    client.force_login(youth)
    client.post(reverse("care:link_end", args=[link.pk]))
    link.refresh_from_db()
    assert not link.is_active and link.scopes == []
    assert not CareFileUserObjectPermission.objects.exists()
    client.force_login(clinician)
    assert client.get(reverse("care:youth", args=[youth.pk])).status_code == 404
    assert youth.pk not in [r.youth_id for r in _caseload(client)]


def _caseload(client: Any) -> list[Any]:
    response = client.get(reverse("care:caseload"))
    return list(response.context["page"])


def test_scopes_are_per_clinician(
    youth: User, clinician: User, same_clinic_clinician: User, make_link: Any
) -> None:
    first = make_link(youth, clinician, ["checkins"])
    second = make_link(youth, same_clinic_clinician, ["posts"])
    assert permissions.scope_granted(clinician=clinician, link=first, scope="checkins")
    assert not permissions.scope_granted(clinician=clinician, link=first, scope="posts")
    assert permissions.scope_granted(clinician=same_clinic_clinician, link=second, scope="posts")
    assert not permissions.scope_granted(
        clinician=same_clinic_clinician, link=second, scope="checkins"
    )
