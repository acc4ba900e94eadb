"""Graduated sanctions and appeals.

Each new restriction of an author lasts longer (SANCTION_LADDER_HOURS). An active sanction of
any kind sends the author's posts to a human before publication (screening's REVIEW tier); a
mute or a suspension also refuses new posts, comments and edits in the community until it ends
(`posting_refusal`, through community's posting seam), and a suspension blocks log-in.
A youth may appeal once; a moderator other than the issuer decides.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from moderation import permissions
from moderation.models import Appeal, Flag, FlagEvent, Sanction
from moderation.permissions import Action

logger = logging.getLogger(__name__)

_ACTION_FOR_KIND: dict[str, Action] = {
    Sanction.Kind.PREMODERATION: Action.RESTRICT_PREMODERATION,
    Sanction.Kind.MUTE: Action.RESTRICT_MUTE,
    Sanction.Kind.SUSPEND: Action.RESTRICT_SUSPEND,
}


def sanction_blocking_writes(user: Any) -> Sanction | None:
    """The user's active mute or suspension that lasts longest, if any (pre-moderation only
    sends their posts to a person first; it never blocks writing)."""
    if user is None or not getattr(user, "pk", None):
        return None
    now = timezone.now()
    return (
        Sanction.objects.filter(
            user_id=user.pk,
            kind__in=(Sanction.Kind.MUTE, Sanction.Kind.SUSPEND),
            starts_at__lte=now,
            ends_at__gt=now,
            lifted_at__isnull=True,
        )
        .order_by("-ends_at")
        .first()
    )


def posting_refusal(user: Any) -> str | None:
    """Registered with community's posting seam: why `user` may not post or comment now, or None.

    Muted: no posts, comments or edits in the community until the pause ends; reading goes on.
    Suspended: the same (and log-in is blocked). Private writing is never blocked: a youth can
    always message their clinician and write reflections, and sees where to get help now.
    """
    sanction = sanction_blocking_writes(user)
    if sanction is None:
        return None
    until = formats.date_format(timezone.localtime(sanction.ends_at), "j. F \\k\\l. H:i")
    line: Any = settings.CRISIS_LINES[0]  # the first crisis line, from the one configurable place
    if sanction.kind == Sanction.Kind.SUSPEND:
        message = _(
            "Din konto er sat på pause til %(until)s, så du kan ikke skrive i fællesskabet lige "
            "nu. Du kan klage over afgørelsen. Har du det svært, kan du altid ringe til "
            "%(line)s på %(number)s."
        )
    else:
        message = _(
            "Du har en pause fra at skrive i fællesskabet til %(until)s. Du kan stadig læse med "
            "og klage over pausen. Har du det svært, kan du altid ringe til %(line)s på "
            "%(number)s."
        )
    return message % {"until": until, "line": line["name"], "number": line["number"]}


def _duration_hours(step: int) -> int:
    ladder = settings.MODERATION["SANCTION_LADDER_HOURS"]
    return int(ladder[min(step, len(ladder)) - 1])


@transaction.atomic
def sanction_impose(
    *,
    user: Any,
    kind: str,
    reason: str,
    actor: Any,
    flag: Flag | None = None,
    hours: int | None = None,
) -> Sanction:
    """Restrict `user`; the duration grows with each earlier sanction unless `hours` is given."""
    if kind not in Sanction.Kind.values:
        raise ValidationError("unknown sanction")
    if not (reason or "").strip():
        raise ValidationError("Skriv en begrundelse.")
    if not permissions.is_moderator(actor) or (
        kind == Sanction.Kind.SUSPEND and not permissions.is_clinical(actor)
    ):
        raise PermissionDenied
    step = Sanction.objects.filter(user=user).count() + 1
    now = timezone.now()
    sanction = Sanction.objects.create(
        user=user,
        kind=kind,
        step=step,
        reason=reason.strip(),
        issued_by=actor,
        flag=flag,
        starts_at=now,
        ends_at=now + dt.timedelta(hours=hours or _duration_hours(step)),
    )
    if kind == Sanction.Kind.SUSPEND and user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    logger.info("moderation.sanction.imposed", extra={"sanction_id": sanction.pk, "kind": kind})
    return sanction


@transaction.atomic
def author_restrict(*, flag: Flag, actor: Any, kind: str, reason: str) -> Sanction:
    """Restrict the author of a flagged subject, recorded on the flag's audit trail."""
    from moderation.services import flags as flag_services

    flag = Flag.objects.select_for_update().get(pk=flag.pk)
    if kind not in _ACTION_FOR_KIND:
        raise ValidationError("unknown sanction")
    permissions.require(actor, flag, _ACTION_FOR_KIND[kind])
    if flag.author is None:
        raise flag_services.FlagConflict("the author no longer exists")
    sanction = sanction_impose(user=flag.author, kind=kind, reason=reason, actor=actor, flag=flag)
    flag_services.flag_record(
        flag,
        FlagEvent.Kind.RESTRICTED,
        actor=actor,
        reason=reason,
        before=flag_services.flag_state(flag),
        extra={
            "sanction_id": sanction.pk,
            "sanction": kind,
            "ends_at": sanction.ends_at.isoformat(),
        },
    )
    return sanction


def sanction_active_for(user_id: int) -> Sanction | None:
    now = timezone.now()
    return (
        Sanction.objects.filter(
            user_id=user_id, starts_at__lte=now, ends_at__gt=now, lifted_at__isnull=True
        )
        .order_by("-ends_at")
        .first()
    )


@transaction.atomic
def _lift(sanction: Sanction, now: dt.datetime) -> None:
    sanction.lifted_at = now
    sanction.save(update_fields=["lifted_at"])
    user = sanction.user
    if sanction.kind == Sanction.Kind.SUSPEND and not user.is_active:
        still_suspended = (
            Sanction.objects.filter(
                user=user, kind=Sanction.Kind.SUSPEND, ends_at__gt=now, lifted_at__isnull=True
            )
            .exclude(pk=sanction.pk)
            .exists()
        )
        if not still_suspended:
            user.is_active = True
            user.save(update_fields=["is_active"])


def sanctions_lift_expired(*, now: dt.datetime | None = None) -> int:
    """Mark ended sanctions lifted and let suspended authors log in again."""
    now = now or timezone.now()
    ended = list(Sanction.objects.filter(ends_at__lte=now, lifted_at__isnull=True))
    for sanction in ended:
        _lift(sanction, now)
    return len(ended)


@transaction.atomic
def appeal_file(*, sanction: Sanction, user: Any, body: str) -> Appeal:
    """The sanctioned youth appeals, once per sanction."""
    if sanction.user_id != user.pk:
        raise PermissionDenied
    if not (body or "").strip():
        raise ValidationError("Skriv, hvorfor du synes, det er forkert.")
    if Appeal.objects.filter(sanction=sanction).exists():
        raise ValidationError("Du har allerede klaget over den her begrænsning.")
    return Appeal.objects.create(sanction=sanction, body=body.strip())


@transaction.atomic
def appeal_decide(*, appeal: Appeal, actor: Any, overturn: bool, answer: str) -> Appeal:
    """A moderator who did not issue the sanction upholds or overturns it, with an answer."""
    appeal = Appeal.objects.select_for_update().select_related("sanction").get(pk=appeal.pk)
    if not permissions.can_decide_appeal(actor, issued_by_id=appeal.sanction.issued_by_id):
        raise PermissionDenied
    if appeal.status != Appeal.Status.OPEN:
        raise ValidationError("Klagen er allerede afgjort.")
    if not (answer or "").strip():
        raise ValidationError("Skriv et svar til den unge.")
    now = timezone.now()
    appeal.status = Appeal.Status.OVERTURNED if overturn else Appeal.Status.UPHELD
    appeal.decided_by = actor
    appeal.decided_at = now
    appeal.answer = answer.strip()
    appeal.save()
    if overturn and appeal.sanction.lifted_at is None:
        _lift(appeal.sanction, now)
    logger.info("moderation.appeal.decided", extra={"appeal_id": appeal.pk, "overturn": overturn})
    return appeal
