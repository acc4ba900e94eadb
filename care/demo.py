"""Demo content for the clinician workspace: ung_ravn linked to kliniker_hval, a pending
invitation for ung_ugle, a short conversation and a session date. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.models import CareLink, User
from care import permissions, services
from care.models import CareInvitation, CareMessage, MessageStatus

DEMO_SCOPES = ["activity", "journeys", "toolkit", "checkins"]


def demo_content_create() -> None:
    clinician = User.objects.filter(username="kliniker_hval").first()
    ravn = User.objects.filter(username="ung_ravn").first()
    ugle = User.objects.filter(username="ung_ugle").first()
    if clinician is None or ravn is None:
        return
    link = CareLink.objects.filter(clinician=clinician, youth=ravn, ended_at__isnull=True).first()
    if link is None:
        invitation = services.invitation_create(clinician=clinician, youth=ravn)
        link = services.invitation_accept(invitation=invitation, youth=ravn, scopes=DEMO_SCOPES)
    else:
        permissions.care_sync_permissions(youth=ravn)
    if not CareMessage.objects.filter(link=link).exists():
        services.message_send(
            link=link, sender=clinician, body="Hej Ravn. Godt at se dig i går. Skriv, hvis noget."
        )
        # Written straight as published: demo text needs no screening, and seed_demo must not
        # depend on moderation's worker. Real messages go through services.message_send.
        CareMessage.objects.create(
            link=link,
            sender=ravn,
            body="Tak. Jeg prøvede vejrtrækningsøvelsen i aftes.",
            status=MessageStatus.PUBLISHED,
        )
    services.session_plan_set(link=link, day=timezone.localdate() + dt.timedelta(days=5))
    if (
        ugle is not None
        and not CareInvitation.objects.filter(clinician=clinician, youth=ugle).exists()
    ):
        has_link = CareLink.objects.filter(clinician=clinician, youth=ugle).exists()
        if not has_link:
            services.invitation_create(
                clinician=clinician, youth=ugle, note="Vi talte om Sammen på skolen."
            )
