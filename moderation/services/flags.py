"""Flag lifecycle: open, claim, act, resolve. Every change writes a FlagEvent and a queue event.

Each public service locks the flag row, checks the tier x role matrix (`permissions.require`)
and the status allow-list (`Flag.TRANSITIONS`), then writes. Broadcasts go out on commit only.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from moderation import events, permissions
from moderation.models import CLINICAL_TIERS, Flag, FlagEvent, PrivateMessage, RiskAssessment, Tier
from moderation.permissions import Action
from moderation.subjects import Subject, adapter_for
from realtime import groups
from realtime.publish import publish_on_commit

logger = logging.getLogger(__name__)


class FlagConflict(Exception):
    """The flag is claimed by someone else, or the change is not allowed from its status."""


def sla_seconds(tier: str) -> int:
    return int(settings.MODERATION["SLA_SECONDS"][tier])


def flag_state(flag: Flag) -> dict[str, Any]:
    return {
        "status": flag.status,
        "escalation_level": flag.escalation_level,
        "claimed_by": flag.claimed_by_id,
        "resolution": flag.resolution,
    }


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Skriv en begrundelse.")
    return reason


def flag_record(
    flag: Flag,
    kind: str,
    *,
    actor: Any,
    reason: str = "",
    before: dict[str, Any] | None = None,
    clinical: bool = False,
    extra: dict[str, Any] | None = None,
) -> FlagEvent:
    after = {**flag_state(flag), **(extra or {})}
    event = FlagEvent.objects.create(
        flag=flag,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        reason=reason,
        before=before if before is not None else {},
        after=after,
        clinical=clinical,
    )
    events.flag_event_record(flag, kind)
    return event


def flag_set_status(flag: Flag, to_status: str) -> None:
    if to_status not in Flag.TRANSITIONS[flag.status]:
        raise FlagConflict(f"flag {flag.pk}: {flag.status} -> {to_status} is not allowed")
    flag.status = to_status


def _locked(flag: Flag) -> Flag:
    return Flag.objects.select_for_update().get(pk=flag.pk)


def _subject(flag: Flag) -> Subject | None:
    return adapter_for(flag.subject_type).lock(flag.subject_id)


# --- Opening -------------------------------------------------------------------------------------
def flag_open(
    *,
    subject: Subject,
    tier: str,
    assessment: RiskAssessment | None = None,
    report_id: int | None = None,
    category: str = "",
) -> Flag:
    """Open a flag for `subject` in the caller's transaction; crisis flags page on-call at once.

    Crisis flags start on the ladder's clinician rung (1): they never wait for a peer worker.
    """
    now = timezone.now()
    flag = Flag.objects.create(
        subject_type=subject.subject_type,
        subject_id=subject.subject_id,
        revision=subject.revision,
        tier=tier,
        category=category,
        assessment=assessment,
        report_id=report_id,
        author_id=subject.author_id,
        clinic_id=subject.clinic_id,
        escalation_level=1 if tier in CLINICAL_TIERS else 0,
        opened_at=now,
        due_at=now + dt.timedelta(seconds=sla_seconds(tier)),
    )
    flag_record(flag, FlagEvent.Kind.OPENED, actor=None, reason=category)
    logger.info("moderation.flag.opened", extra={"flag_id": flag.pk, "tier": tier})
    if tier == Tier.CRISIS:
        from moderation.services import escalation

        escalation.page_rung(flag, rung=2, reason="crisis")
    return flag


def flags_supersede(*, subject: Subject, assessment: RiskAssessment) -> list[Flag]:
    """The author's edit was screened: close the open flags of the subject's older revisions.

    Runs in screening's transaction, before the new revision is routed (its own flag, if any,
    opens after). A screening flag is about text that is gone: it is resolved as SUPERSEDED
    with an event naming the new revision. A user report is about the author's conduct, and an
    edit must not make it disappear: it stays open, moves to the new revision, and the edit is
    recorded on it ("revised").
    """
    older = (
        Flag.objects.select_for_update()
        .filter(
            subject_type=subject.subject_type,
            subject_id=subject.subject_id,
            revision__lt=subject.revision,
        )
        .exclude(status=Flag.Status.RESOLVED)
        .order_by("id")
    )
    changed = []
    for flag in older:
        before = {**flag_state(flag), "revision": flag.revision}
        note = {"revision": subject.revision, "assessment_id": assessment.pk}
        if flag.report_id is not None:
            flag.revision = subject.revision
            flag.save(update_fields=["revision"])
            flag_record(
                flag,
                FlagEvent.Kind.REVISED,
                actor=None,
                reason=f"version {subject.revision}",
                before=before,
                extra=note,
            )
        else:
            flag_set_status(flag, Flag.Status.RESOLVED)
            flag.resolution = Flag.Resolution.SUPERSEDED
            flag.resolved_at = timezone.now()
            flag.claimed_by = None
            flag.claimed_until = None
            flag.save()
            flag_record(
                flag,
                FlagEvent.Kind.SUPERSEDED,
                actor=None,
                reason=f"version {subject.revision}",
                before=before,
                extra={**note, "superseded_by_revision": subject.revision},
            )
        changed.append(flag)
        logger.info(
            "moderation.flag.superseded",
            extra={"flag_id": flag.pk, "revision": subject.revision, "report": flag.report_id},
        )
    return changed


# --- Claims --------------------------------------------------------------------------------------
def _claim_in_lock(flag: Flag, actor: Any, now: dt.datetime) -> None:
    if flag.status == Flag.Status.CLAIMED:
        if flag.claimed_by_id == actor.pk:
            flag.claimed_until = now + dt.timedelta(seconds=settings.MODERATION["CLAIM_SECONDS"])
            flag.save(update_fields=["claimed_until"])
            return
        raise FlagConflict(f"flag {flag.pk} is claimed by someone else")
    before = flag_state(flag)
    flag_set_status(flag, Flag.Status.CLAIMED)
    flag.claimed_by = actor
    flag.claimed_until = now + dt.timedelta(seconds=settings.MODERATION["CLAIM_SECONDS"])
    if flag.first_looked_at is None:
        flag.first_looked_at = now
    flag.save()
    flag_record(flag, FlagEvent.Kind.CLAIMED, actor=actor, before=before)


@transaction.atomic
def flag_claim(*, flag: Flag, actor: Any) -> Flag:
    """Take the flag for CLAIM_SECONDS; claiming it again extends the claim."""
    flag = _locked(flag)
    permissions.require(actor, flag, Action.CLAIM)
    _claim_in_lock(flag, actor, timezone.now())
    return flag


@transaction.atomic
def flag_unclaim(*, flag: Flag, actor: Any) -> Flag:
    """Put the flag back in the queue (to ESCALATED if it had climbed the ladder)."""
    flag = _locked(flag)
    permissions.require(actor, flag, Action.UNCLAIM)
    if flag.status != Flag.Status.CLAIMED or flag.claimed_by_id != actor.pk:
        raise FlagConflict("only the moderator holding the claim can put it back")
    before = flag_state(flag)
    flag_set_status(flag, Flag.Status.ESCALATED if flag.escalation_level > 0 else Flag.Status.OPEN)
    flag.claimed_by = None
    flag.claimed_until = None
    flag.save()
    flag_record(flag, FlagEvent.Kind.UNCLAIMED, actor=actor, before=before)
    return flag


def _claimed_by_actor(flag: Flag, actor: Any) -> None:
    """Acting on an unclaimed flag claims it first, so the audit shows who looked."""
    if flag.status == Flag.Status.RESOLVED:
        raise FlagConflict("the flag is already resolved")
    _claim_in_lock(flag, actor, timezone.now())


# --- Resolving actions ---------------------------------------------------------------------------
_RESOLUTION_FOR = {
    Action.RELEASE: (Flag.Resolution.RELEASED, FlagEvent.Kind.RELEASED, "kept"),
    Action.DISMISS: (Flag.Resolution.DISMISSED, FlagEvent.Kind.DISMISSED, "kept"),
    Action.HIDE: (Flag.Resolution.HIDDEN, FlagEvent.Kind.HIDDEN, "removed"),
    Action.REMOVE: (Flag.Resolution.REMOVED, FlagEvent.Kind.REMOVED, "removed"),
}


@transaction.atomic
def flag_resolve(*, flag: Flag, actor: Any, action: Action, reason: str) -> Flag:
    """Release, dismiss, hide or remove the subject and close the flag, with a reason.

    Releasing publishes a held subject; dismissing (a report) leaves it as it is.
    """
    if action not in _RESOLUTION_FOR:
        raise ValueError(f"{action} does not resolve a flag")
    reason = _require_reason(reason)
    flag = _locked(flag)
    permissions.require(actor, flag, action)
    _claimed_by_actor(flag, actor)
    resolution, kind, report_outcome = _RESOLUTION_FOR[action]
    adapter = adapter_for(flag.subject_type)
    subject = adapter.lock(flag.subject_id)
    if subject is not None:
        if action == Action.RELEASE and subject.status == "held":
            adapter.release(subject, actor=actor)
        elif action == Action.HIDE and subject.status != "removed":
            adapter.hide(subject, actor=actor, reason=reason)
        elif action == Action.REMOVE and subject.status != "removed":
            adapter.remove(subject, actor=actor, reason=reason)
    if flag.report_id is not None:
        adapter.report_resolve(flag.report_id, outcome=report_outcome, note=reason, actor=actor)
    before = flag_state(flag)
    flag_set_status(flag, Flag.Status.RESOLVED)
    flag.resolution = resolution
    flag.resolved_at = timezone.now()
    flag.claimed_until = None
    flag.save()
    flag_record(flag, kind, actor=actor, reason=reason, before=before)
    logger.info("moderation.flag.resolved", extra={"flag_id": flag.pk, "resolution": resolution})
    return flag


# --- Non-resolving actions -----------------------------------------------------------------------
@transaction.atomic
def flag_reply(*, flag: Flag, actor: Any, body: str) -> Flag:
    """Reply publicly under the subject as staff (the reply itself is marked as staff)."""
    body = _require_reason(body)
    flag = _locked(flag)
    permissions.require(actor, flag, Action.REPLY)
    _claimed_by_actor(flag, actor)
    subject = _subject(flag)
    if subject is None:
        raise FlagConflict("the post no longer exists")
    adapter_for(flag.subject_type).reply(subject, author=actor, body=body)
    flag_record(flag, FlagEvent.Kind.REPLIED, actor=actor, reason=body, before=flag_state(flag))
    return flag


@transaction.atomic
def flag_message_author(*, flag: Flag, actor: Any, body: str) -> PrivateMessage:
    """Send the author a private message and nudge their open pages."""
    body = _require_reason(body)
    flag = _locked(flag)
    permissions.require(actor, flag, Action.MESSAGE)
    if flag.author_id is None:
        raise FlagConflict("the author no longer exists")
    _claimed_by_actor(flag, actor)
    message = PrivateMessage.objects.create(
        sender=actor, recipient_id=flag.author_id, flag=flag, body=body
    )
    flag_record(flag, FlagEvent.Kind.MESSAGED, actor=actor, reason=body, before=flag_state(flag))
    publish_on_commit(
        groups.user(flag.author_id), {"type": "user.notice", "kind": "moderation.message"}
    )
    return message


@transaction.atomic
def flag_note(*, flag: Flag, actor: Any, body: str, clinical: bool = False) -> FlagEvent:
    """Add a private note; clinical notes are never shown to peer workers."""
    body = _require_reason(body)
    flag = _locked(flag)
    permissions.require(actor, flag, Action.CLINICAL_NOTE if clinical else Action.NOTE)
    return flag_record(
        flag,
        FlagEvent.Kind.NOTE,
        actor=actor,
        reason=body,
        before=flag_state(flag),
        clinical=clinical,
    )


@transaction.atomic
def flag_feedback(*, flag: Flag, actor: Any, agrees: bool, reason: str = "") -> Flag:
    """Agree or disagree with the model's level (for evaluation and the KPIs' agreement rate)."""
    flag = _locked(flag)
    permissions.require(actor, flag, Action.FEEDBACK)
    before = flag_state(flag)
    flag.model_agreed = agrees
    flag.save(update_fields=["model_agreed"])
    flag_record(
        flag,
        FlagEvent.Kind.FEEDBACK,
        actor=actor,
        reason=reason,
        before=before,
        extra={"model_agreed": agrees},
    )
    return flag


@transaction.atomic
def flag_escalate(*, flag: Flag, actor: Any, reason: str) -> Flag:
    """A moderator hands the flag up the ladder (peer worker -> duty -> on-call clinician)."""
    reason = _require_reason(reason)
    flag = _locked(flag)
    permissions.require(actor, flag, Action.ESCALATE)
    from moderation.services import escalation

    escalation.escalate_in_lock(flag, actor=actor, reason=reason)
    return flag


# --- User reports --------------------------------------------------------------------------------
# Report categories that say a person may be at risk (community's "Jeg er bekymret for personen";
# the others are listed for subject types whose reports name the risk). DOMAIN.md table B: any
# self-harm or suicide signal goes to a human at once, not within a day.
RISK_REPORT_CATEGORIES = frozenset({"worried", "self_harm", "suicide", "eating", "abuse"})


def report_tier(*, category: str, note: str, subject: Subject) -> str:
    """The tier (and so the SLA) of a user report: a day, unless it signals risk.

    A risk category is ELEVATED (30 minutes, peer workers and clinicians). The rule layer reads
    the reporter's note and the reported text and can only raise: crisis language in either, or
    a crisis assessment of the subject, makes it CRISIS (5 minutes, clinicians, on-call paged).
    """
    from moderation import risk

    levels = risk.rule_levels([note or "", subject.text or ""])
    assessed = (
        RiskAssessment.objects.filter(
            subject_type=subject.subject_type,
            subject_id=subject.subject_id,
            revision=subject.revision,
        )
        .values_list("level", flat=True)
        .first()
    )
    top = max([*levels, risk.RiskLevel(assessed or 0)])
    if top >= risk.RiskLevel.CRISIS:
        return Tier.CRISIS
    if category in RISK_REPORT_CATEGORIES or top >= risk.RiskLevel.ELEVATED:
        return Tier.ELEVATED
    return Tier.REPORT


def reports_ingest() -> int:
    """Open a flag for every open user report that has none yet (idempotent); tier by risk.

    Community keeps reports; the tick brings them into the same queue. Returns flags opened.
    """
    from moderation.subjects import ADAPTERS

    opened = 0
    for adapter in ADAPTERS.values():
        for report_id, subject_id, category, _note in adapter.open_reports():
            if Flag.objects.filter(report_id=report_id).exists():
                continue
            subject = adapter.get(subject_id)
            if subject is None:
                continue
            tier = report_tier(category=category, note=_note, subject=subject)
            with transaction.atomic():
                if Flag.objects.select_for_update().filter(report_id=report_id).exists():
                    continue
                flag_open(subject=subject, tier=tier, report_id=report_id, category=category)
            opened += 1
    return opened
