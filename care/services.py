"""Writes for the clinician workspace: linking, consent, sessions, homework, messages, break-glass.

Every consent change syncs guardian's grants (care.permissions) in the same transaction, so a
withdrawn scope refuses the clinician's next request.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CareLink, ClinicMembership, ReferralCode, Role, User
from care import events, permissions, screening
from care.models import BreakGlassGrant, CareInvitation, CareMessage, MessageStatus, SessionPlan
from journeys import selectors as journey_selectors
from journeys import services as journey_services
from moderation import selectors as moderation_selectors

logger = logging.getLogger(__name__)

MESSAGE_MAX = 4000


def _shared_clinic_id(clinician: User, youth: User) -> int | None:
    clinic_ids = ClinicMembership.objects.filter(user=clinician).values("clinic_id")
    membership = (
        ClinicMembership.objects.filter(user=youth, clinic_id__in=clinic_ids)
        .order_by("joined_at")
        .first()
    )
    return membership.clinic_id if membership else None


# --- Linking ------------------------------------------------------------------------------------
def invitation_create(
    *, clinician: User, youth: User, note: str = "", origin: str = CareInvitation.Origin.INVITED
) -> CareInvitation:
    """A clinician invites a youth of their own clinic. Returns the pending one if it exists."""
    if clinician.role != Role.CLINICIAN or youth.role != Role.YOUTH or not youth.is_active:
        raise PermissionDenied("only a clinician invites, only a youth is invited")
    clinic_id = _shared_clinic_id(clinician, youth)
    if clinic_id is None:
        raise PermissionDenied("the youth is not enrolled at the clinician's clinic")
    if CareLink.objects.filter(clinician=clinician, youth=youth, ended_at__isnull=True).exists():
        raise ValidationError(_("I er allerede forbundet."))
    existing = CareInvitation.objects.filter(
        clinician=clinician, youth=youth, status=CareInvitation.Status.PENDING
    ).first()
    if existing is not None:
        return existing
    invitation = CareInvitation.objects.create(
        clinician=clinician,
        youth=youth,
        clinic_id=clinic_id,
        note=note.strip()[:300],
        origin=origin,
    )
    logger.info("care.invitation.created", extra={"invitation_id": invitation.pk})
    return invitation


def invitation_from_referral_ensure(*, youth: User) -> CareInvitation | None:
    """Offer the link to the clinician whose referral code the youth signed up with.

    Called when the youth first opens "Min behandler": accounts stays unaware of care, and the
    youth still decides (the invitation is the only way a link starts). Created once; a declined
    or ended one is not offered again.
    """
    code = ReferralCode.objects.filter(used_by=youth).select_related("created_by").first()
    if code is None or code.created_by.role != Role.CLINICIAN:
        return None
    clinician = code.created_by
    if CareInvitation.objects.filter(clinician=clinician, youth=youth).exists():
        return None
    if CareLink.objects.filter(clinician=clinician, youth=youth).exists():
        return None
    try:
        return invitation_create(
            clinician=clinician, youth=youth, origin=CareInvitation.Origin.REFERRAL
        )
    except (PermissionDenied, ValidationError):
        return None


def _clean_scopes(scopes: Iterable[str]) -> list[str]:
    return [s for s in permissions.SCOPES if s in set(scopes)]


@transaction.atomic
def invitation_accept(
    *, invitation: CareInvitation, youth: User, scopes: Iterable[str] = ()
) -> CareLink:
    """The youth accepts: the link starts with exactly the scopes they ticked."""
    invitation = CareInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.youth_id != youth.pk or invitation.status != CareInvitation.Status.PENDING:
        raise PermissionDenied("not a pending invitation for this youth")
    invitation.status = CareInvitation.Status.ACCEPTED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    link = CareLink.objects.create(
        youth=youth,
        clinician_id=invitation.clinician_id,
        clinic_id=invitation.clinic_id,
        scopes=_clean_scopes(scopes),
    )
    permissions.care_sync_permissions(youth=youth)
    logger.info("care.link.started", extra={"link_id": link.pk})
    return link


def invitation_decline(*, invitation: CareInvitation, youth: User) -> CareInvitation:
    if invitation.youth_id != youth.pk or invitation.status != CareInvitation.Status.PENDING:
        raise PermissionDenied("not a pending invitation for this youth")
    invitation.status = CareInvitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    logger.info("care.invitation.declined", extra={"invitation_id": invitation.pk})
    return invitation


@transaction.atomic
def link_scopes_set(*, link: CareLink, youth: User, scopes: Iterable[str]) -> CareLink:
    """The youth turns scopes on or off. Takes effect on the clinician's next request."""
    link = CareLink.objects.select_for_update().get(pk=link.pk)
    if link.youth_id != youth.pk or not link.is_active:
        raise PermissionDenied("not this youth's active link")
    link.scopes = _clean_scopes(scopes)
    link.save(update_fields=["scopes"])
    permissions.care_sync_permissions(youth=youth)
    logger.info("care.link.scopes_changed", extra={"link_id": link.pk})
    return link


@transaction.atomic
def link_end(*, link: CareLink, youth: User) -> CareLink:
    """The youth ends the link: every grant goes at once; messages stay in both exports."""
    link = CareLink.objects.select_for_update().get(pk=link.pk)
    if link.youth_id != youth.pk or not link.is_active:
        raise PermissionDenied("not this youth's active link")
    link.ended_at = timezone.now()
    link.scopes = []
    link.save(update_fields=["ended_at", "scopes"])
    BreakGlassGrant.objects.filter(clinician_id=link.clinician_id, youth=youth).delete()
    permissions.care_sync_permissions(youth=youth)
    ended: events.LinkEndedFrame = {"type": "care.link_ended"}
    events.publish(link_id=link.pk, user_ids=[link.youth_id, link.clinician_id], frame=ended)
    logger.info("care.link.ended", extra={"link_id": link.pk})
    return link


# --- Blended care -------------------------------------------------------------------------------
def session_plan_set(*, link: CareLink, day: dt.date) -> SessionPlan:
    plan, _created = SessionPlan.objects.update_or_create(
        clinician_id=link.clinician_id,
        youth_id=link.youth_id,
        defaults={"next_session_on": day, "updated_at": timezone.now()},
    )
    return plan


def homework_suggest(
    *, link: CareLink, journey_slug: str, step_key: str = "", note: str = ""
) -> Any:
    """Suggest a journey, or one step of it, as homework (journeys owns the suggestion)."""
    journey = journey_selectors.journey_get_published(slug=journey_slug)
    if journey is None:
        raise ValidationError(_("Den rejse findes ikke."))
    step = None
    if step_key:
        step = next(
            (s for s in journey_selectors.steps_active(journey=journey) if s.key == step_key), None
        )
        if step is None:
            raise ValidationError(_("Det trin findes ikke i rejsen."))
    return journey_services.journey_suggest(
        clinician=link.clinician, youth=link.youth, journey=journey, step=step, note=note
    )


# --- Messages -----------------------------------------------------------------------------------
def message_send(*, link: CareLink, sender: User, body: str) -> CareMessage:
    """Send a message on an active link. A youth's message is screened before the clinician
    sees it; a clinician's is published at once (staff text is not screened, as in community).
    """
    if not link.is_active or sender.pk not in {link.youth_id, link.clinician_id}:
        raise PermissionDenied("not a party to an active link")
    body = body.strip()
    if not body:
        raise ValidationError(_("Skriv en besked først."))
    if len(body) > MESSAGE_MAX:
        raise ValidationError(_("Beskeden er for lang (højst 4000 tegn)."))
    from_youth = sender.pk == link.youth_id
    message = CareMessage.objects.create(
        link=link,
        sender=sender,
        body=body,
        status=MessageStatus.PENDING if from_youth else MessageStatus.PUBLISHED,
    )
    if from_youth:
        message_id = message.pk
        transaction.on_commit(lambda: screening.request_screening(message_id=message_id))
    # An unscreened message is framed to its author's own sockets only.
    recipients = [link.youth_id] if from_youth else [link.youth_id, link.clinician_id]
    events.publish(link_id=link.pk, user_ids=recipients, frame=events.message_frame(message))
    logger.info("care.message.sent", extra={"message_id": message.pk, "from_youth": from_youth})
    return message


def messages_mark_read(*, link: CareLink, reader: User) -> int:
    """Mark the messages `reader` can see and did not send as read; the other party's open
    pages get the receipt. Only published messages reach the other party, so only they are read.
    """
    rows = CareMessage.objects.filter(
        link=link, read_at__isnull=True, status=MessageStatus.PUBLISHED
    ).exclude(sender=reader)
    ids = list(rows.values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    now = timezone.now()
    count = CareMessage.objects.filter(pk__in=ids).update(read_at=now)
    other = link.clinician_id if reader.pk == link.youth_id else link.youth_id
    frame: events.ReadFrame = {"type": "care.read", "ids": ids, "read_at": now.isoformat()}
    events.publish(link_id=link.pk, user_ids=[other], frame=frame)
    return count


def message_status_set(*, message: CareMessage, status: str) -> CareMessage:
    """Moderation's adapter moves a message between states (publish, hold, remove).

    Only a published message is framed to the clinician: a held one reaches them when a
    moderator releases it (moderation calls this again with PUBLISHED), never before.
    """
    message.status = status
    message.save(update_fields=["status"])
    link = message.link
    if status == MessageStatus.PUBLISHED:
        recipients = [link.youth_id, link.clinician_id]
        events.publish(link_id=link.pk, user_ids=recipients, frame=events.message_frame(message))
    elif status == MessageStatus.REMOVED:
        removed: events.RemovedFrame = {"type": "care.message_removed", "id": message.pk}
        events.publish(link_id=link.pk, user_ids=[link.youth_id, link.clinician_id], frame=removed)
    else:
        events.publish(
            link_id=link.pk, user_ids=[link.youth_id], frame=events.message_frame(message)
        )
    logger.info("care.message.status", extra={"message_id": message.pk, "status": status})
    return message


# --- Break-glass --------------------------------------------------------------------------------
def break_glass_open(*, link: CareLink, scope: str, reason: str) -> BreakGlassGrant:
    """Open one scope the youth has not shared, for an hour, while a risk flag is open.

    The reason is required and shown to the youth on their audit page.
    """
    reason = reason.strip()
    if len(reason) < 10:
        raise ValidationError(_("Skriv en begrundelse (mindst 10 tegn)."))
    if scope not in permissions.SCOPES:
        raise ValidationError(_("Ukendt område."))
    if not moderation_selectors.open_risk_flag_exists(youth_id=link.youth_id):
        raise PermissionDenied("break-glass needs an open risk flag")
    grant = BreakGlassGrant.objects.create(
        clinician_id=link.clinician_id,
        youth_id=link.youth_id,
        scope=scope,
        reason=reason[:1000],
        expires_at=permissions.break_glass_expiry(),
    )
    logger.warning("care.break_glass.opened", extra={"grant_id": grant.pk, "scope": scope})
    return grant
