"""SLA timers and the escalation ladder: peer worker -> duty clinician -> on-call clinician.

`moderation_tick` calls `claims_expire` and `flags_escalate_overdue` every TICK_SECONDS. Each
step writes a FlagEvent, pushes a live alert to the rung's people and sends them an e-mail
(console backend in the embedded default), all on commit.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from moderation import events
from moderation.models import Flag, FlagEvent, RotaShift, StaffedHours
from moderation.services import flags as flag_services

logger = logging.getLogger(__name__)

TOP_RUNG = 2
# Within one screening batch the rota is read once per clinic and rung (see `rota_cached`).
_rota_cache: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "moderation_rota_cache", default=None
)


@contextlib.contextmanager
def rota_cached() -> Iterator[None]:
    """Read each clinic's rota once for the block (a screening batch lasts well under a second)."""
    token = _rota_cache.set({})
    try:
        yield
    finally:
        _rota_cache.reset(token)


def _memo(key: tuple[Any, ...], compute: Any) -> Any:
    cache = _rota_cache.get()
    if cache is None:
        return compute()
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def _ladder() -> tuple[str, ...]:
    return tuple(settings.MODERATION["LADDER"])


def clinic_is_staffed(clinic_id: int | None, at: dt.datetime | None = None) -> bool:
    """True inside the clinic's staffed hours; a clinic with no hours entered is unstaffed."""
    if clinic_id is None:
        return False
    local = timezone.localtime(at or timezone.now())
    return StaffedHours.objects.filter(
        clinic_id=clinic_id,
        weekday=local.weekday(),
        opens_at__lte=local.time(),
        closes_at__gt=local.time(),
    ).exists()


def rung_recipients(clinic_id: int | None, rung: int, at: dt.datetime | None = None) -> list[Any]:
    """Who a rung reaches now: the rota's duty or on-call clinician, else the clinic's clinicians.

    Rung 0 is the peer-worker queue itself: nobody is paged.
    """
    if rung <= 0:
        return []
    if at is None:
        return list(_memo(("people", clinic_id, rung), lambda: _rung_people(clinic_id, rung, None)))
    return _rung_people(clinic_id, rung, at)


def _rung_people(clinic_id: int | None, rung: int, at: dt.datetime | None) -> list[Any]:
    now = at or timezone.now()
    duty = RotaShift.Duty.DUTY if rung == 1 else RotaShift.Duty.ON_CALL
    people: list[Any] = []
    if clinic_id is not None:
        shifts = RotaShift.objects.filter(
            clinic_id=clinic_id, duty=duty, starts_at__lte=now, ends_at__gt=now
        ).select_related("clinician")
        people = [s.clinician for s in shifts]
    if people:
        return people
    user_model = get_user_model()
    clinicians = user_model.objects.filter(role=Role.CLINICIAN, is_active=True)
    if clinic_id is not None:
        clinicians = clinicians.filter(clinic_memberships__clinic_id=clinic_id)
    return list(clinicians.order_by("id"))


def _emails(clinic_id: int | None, rung: int, people: list[Any], now: dt.datetime) -> list[str]:
    addresses = {p.email for p in people if p.email}
    duty = RotaShift.Duty.DUTY if rung == 1 else RotaShift.Duty.ON_CALL
    if clinic_id is not None:
        addresses |= _memo(
            ("emails", clinic_id, duty),
            lambda: set(
                RotaShift.objects.filter(
                    clinic_id=clinic_id, duty=duty, starts_at__lte=now, ends_at__gt=now
                )
                .exclude(contact_email="")
                .values_list("contact_email", flat=True)
            ),
        )
    fallback = settings.MODERATION["ON_CALL_FALLBACK_EMAIL"]
    if not addresses and fallback and rung >= TOP_RUNG:
        addresses.add(fallback)
    return sorted(addresses)


def page_rung(flag: Flag, *, rung: int, reason: str) -> list[int]:
    """Alert and e-mail the people of `rung` about `flag` (on commit). Returns their user ids.

    The e-mail names no youth and quotes no text: it says a flag waits and where to look.
    """
    now = timezone.now()
    people = rung_recipients(flag.clinic_id, rung)
    rung_name = _ladder()[min(rung, TOP_RUNG)]
    for person in people:
        events.alert_send(person.pk, flag, rung_name)
    addresses = _emails(flag.clinic_id, rung, people, now)
    if addresses:
        subject = f"Sammen: {flag.get_tier_display()} venter på en voksen (sag {flag.pk})"
        body = (
            f"En sag i moderationskøen venter ({flag.get_tier_display()}, "
            f"trin: {rung_name}).\nÅbn moderationen: /moderation/sager/{flag.pk}/\n"
        )

        def _send() -> None:
            try:
                send_mail(subject, body, None, addresses)
            except Exception:  # the live alert and the dashboard still show it
                logger.exception("moderation.page.mail_failed", extra={"flag_id": flag.pk})

        transaction.on_commit(_send)
    FlagEvent.objects.create(
        flag=flag,
        kind=FlagEvent.Kind.PAGED,
        reason=reason,
        before={},
        after={"rung": rung_name, "user_ids": [p.pk for p in people], "emails": len(addresses)},
    )
    logger.info(
        "moderation.page.sent", extra={"flag_id": flag.pk, "rung": rung_name, "n": len(people)}
    )
    return [p.pk for p in people]


def escalate_in_lock(flag: Flag, *, actor: Any, reason: str) -> None:
    """Move a locked, unresolved flag one rung up (capped at on-call), restart its clock, page."""
    if flag.status == Flag.Status.RESOLVED:
        raise flag_services.FlagConflict("the flag is already resolved")
    before = flag_services.flag_state(flag)
    if flag.status != Flag.Status.ESCALATED:
        flag_services.flag_set_status(flag, Flag.Status.ESCALATED)
    flag.escalation_level = min(flag.escalation_level + 1, TOP_RUNG)
    flag.claimed_by = None
    flag.claimed_until = None
    flag.due_at = timezone.now() + dt.timedelta(
        seconds=settings.MODERATION["ESCALATION_STEP_SECONDS"]
    )
    flag.save()
    flag_services.flag_record(
        flag, FlagEvent.Kind.ESCALATED, actor=actor, reason=reason, before=before
    )
    page_rung(flag, rung=flag.escalation_level, reason=reason)


def flags_escalate_overdue(*, now: dt.datetime | None = None) -> int:
    """Escalate every unresolved flag past its due time. Returns how many moved."""
    now = now or timezone.now()
    overdue = list(
        Flag.objects.exclude(status=Flag.Status.RESOLVED)
        .filter(due_at__lte=now)
        .values_list("pk", flat=True)
    )
    moved = 0
    for flag_id in overdue:
        with transaction.atomic():
            flag = Flag.objects.select_for_update().get(pk=flag_id)
            if flag.status == Flag.Status.RESOLVED or flag.due_at > now:
                continue  # resolved or escalated by someone else meanwhile
            if flag.escalation_level >= TOP_RUNG and flag.status == Flag.Status.ESCALATED:
                # Already with on-call and still waiting: page again and restart the clock.
                flag.due_at = now + dt.timedelta(
                    seconds=settings.MODERATION["ESCALATION_STEP_SECONDS"]
                )
                flag.save(update_fields=["due_at"])
                page_rung(flag, rung=TOP_RUNG, reason="sla_breached_again")
            else:
                escalate_in_lock(flag, actor=None, reason="sla_breached")
            moved += 1
    return moved


def claims_expire(*, now: dt.datetime | None = None) -> int:
    """Return lapsed claims to the queue, so a closed laptop never hides a flag."""
    now = now or timezone.now()
    lapsed = list(
        Flag.objects.filter(status=Flag.Status.CLAIMED, claimed_until__lte=now).values_list(
            "pk", flat=True
        )
    )
    for flag_id in lapsed:
        with transaction.atomic():
            flag = Flag.objects.select_for_update().get(pk=flag_id)
            if flag.status != Flag.Status.CLAIMED or (
                flag.claimed_until and flag.claimed_until > now
            ):
                continue
            before = flag_services.flag_state(flag)
            flag_services.flag_set_status(
                flag, Flag.Status.ESCALATED if flag.escalation_level > 0 else Flag.Status.OPEN
            )
            flag.claimed_by = None
            flag.claimed_until = None
            flag.save()
            flag_services.flag_record(flag, FlagEvent.Kind.CLAIM_EXPIRED, actor=None, before=before)
    return len(lapsed)
