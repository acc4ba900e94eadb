"""GDPR rights: a youth's full export, account deletion, and the anonymised outcome dataset.

Community, journeys and toolkit each own the export and the erasure of their own data
(`<app>.erasure`) and the bulk reads of the outcome dataset (`<app>.selectors`); care only
orders the calls. Moderation's records are read through the care section of
`moderation.selectors`.
"""

from __future__ import annotations

import logging
import random
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import AccessLog, CareLink, ClinicMembership, Role, User
from care import events, permissions
from care.models import CareFile, CareInvitation, CareMessage, SessionPlan
from community import erasure as community_erasure
from journeys import erasure as journey_erasure
from journeys import selectors as journey_selectors
from journeys.selectors import age_band_for
from moderation import selectors as moderation_selectors
from toolkit import erasure as toolkit_erasure
from toolkit import selectors as toolkit_selectors

logger = logging.getLogger(__name__)

# Privacy policy PP-2: an outcome dataset with fewer youths than this is withheld (small cells
# make a row recognisable to anyone who knows the clinic).
MIN_YOUTHS_FOR_DATASET = 5


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def gdpr_export_for_youth(*, youth: User) -> dict[str, Any]:
    """Everything Sammen holds about the youth, JSON-ready. Nothing of other users but the
    handles of staff who saw their data or wrote to them."""
    links = CareLink.objects.filter(youth=youth).select_related("clinician").order_by("started_at")
    return {
        "generated_at": timezone.now().isoformat(),
        "account": {
            "username": youth.username,
            "email": youth.email,
            "role": youth.role,
            "birth_year": youth.birth_year,
            "birth_month": youth.birth_month,
            "preferred_language": youth.preferred_language,
            "avatar": youth.avatar,
            "date_joined": _iso(youth.date_joined),
            "last_login": _iso(youth.last_login),
            "clinics": [
                m.clinic.name
                for m in ClinicMembership.objects.filter(user=youth).select_related("clinic")
            ],
            "acknowledgements": [
                {"document": a.document, "version": a.version, "at": _iso(a.acknowledged_at)}
                for a in youth.acknowledgements.order_by("acknowledged_at")
            ],
        },
        "care": {
            "links": [
                {
                    "clinician": link.clinician.username,
                    "scopes": link.scopes,
                    "started_at": _iso(link.started_at),
                    "ended_at": _iso(link.ended_at),
                }
                for link in links
            ],
            "invitations": [
                {"clinician": i.clinician.username, "status": i.status, "at": _iso(i.created_at)}
                for i in CareInvitation.objects.filter(youth=youth).select_related("clinician")
            ],
            "messages": [
                {
                    "from": m.sender.username,
                    "body": m.body,
                    "status": m.status,
                    "sent_at": _iso(m.created_at),
                    "read_at": _iso(m.read_at),
                }
                for m in CareMessage.objects.filter(link__youth=youth)
                .select_related("sender")
                .order_by("created_at")
            ],
            "sessions": [
                {"next_session_on": s.next_session_on.isoformat()}
                for s in SessionPlan.objects.filter(youth=youth)
            ],
            "who_has_seen_my_data": [
                {
                    "staff": row.staff.username if row.staff else None,
                    "what": row.what,
                    "at": _iso(row.at),
                    "reason": row.reason,
                    "break_glass": row.break_glass,
                    "granted": row.granted,
                }
                for row in AccessLog.objects.filter(youth=youth).select_related("staff")
            ],
        },
        "journeys": journey_erasure.export_user_data(user=youth),
        "toolkit": toolkit_erasure.export_user_data(user=youth),
        "community": community_erasure.export_user_data(user=youth),
        "moderation": moderation_selectors.moderation_records_for_youth(youth_id=youth.pk),
    }


@transaction.atomic
def account_delete(*, youth: User) -> str:
    """Erase the youth's personal data and leave a pseudonymous tombstone. Returns its handle.

    Removed: identity (handle, e-mail, birth month and year, custody holder's name), password,
    clinic memberships, everything written or logged in journeys, toolkit, community (post text
    emptied) and care (messages, invitations, sessions, care file and its grants). Care links
    are ended. Kept, under the tombstone: the access audit (the clinic's record of who saw
    what), moderation's flags, assessments, events and sanctions, and text of posts still
    under an open flag (see the Data section of README.md).
    """
    if youth.role != Role.YOUTH:
        raise ValueError("only a youth's account is deleted here")
    for link in CareLink.objects.filter(youth=youth, ended_at__isnull=True):
        link.ended_at = timezone.now()
        link.scopes = []
        link.save(update_fields=["ended_at", "scopes"])
        ended: events.LinkEndedFrame = {"type": "care.link_ended"}
        events.publish(link_id=link.pk, user_ids=[link.youth_id, link.clinician_id], frame=ended)
    permissions.care_sync_permissions(youth=youth)
    counts = {
        **community_erasure.erase_user_data(
            user=youth, keep_text_of=moderation_selectors.open_flagged_post_ids()
        ),
        **journey_erasure.erase_user_data(user=youth),
        **toolkit_erasure.erase_user_data(user=youth),
    }
    CareMessage.objects.filter(link__youth=youth).delete()
    CareInvitation.objects.filter(youth=youth).delete()
    SessionPlan.objects.filter(youth=youth).delete()
    CareFile.objects.filter(youth=youth).delete()
    ClinicMembership.objects.filter(user=youth).delete()
    if hasattr(youth, "custody_consent"):
        youth.custody_consent.delete()
    tombstone = f"slettet-{secrets.token_hex(4)}"
    youth.username = tombstone
    youth.email = ""
    youth.birth_year = None
    youth.birth_month = None
    youth.last_login = None
    youth.is_active = False
    youth.set_unusable_password()
    youth.save()
    logger.info("care.gdpr.account_deleted", extra={"user_id": youth.pk, **counts})
    return tombstone


def outcome_dataset_for_admin(*, admin: User) -> dict[str, Any]:
    """An anonymised row per youth of the admin's clinics: age band, check-ins, WHO-5, journeys,
    flags per tier. No ids, handles or dates; rows shuffled; withheld below the minimum size."""
    clinic_ids = ClinicMembership.objects.filter(user=admin).values("clinic_id")
    youths = User.objects.filter(
        role=Role.YOUTH, is_active=True, clinic_memberships__clinic_id__in=clinic_ids
    ).distinct()
    youth_ids = youths.values("pk")
    checkins = toolkit_selectors.checkin_outcomes_for_youths(youth_ids=youth_ids)
    who5 = toolkit_selectors.who5_outcomes_for_youths(youth_ids=youth_ids)
    journeys = journey_selectors.journey_counts_for_youths(youth_ids=youth_ids)
    flags = moderation_selectors.flag_tier_counts_for(youth_ids=youth_ids)
    rows = []
    for youth in youths.only("pk", "birth_year", "birth_month", "role"):
        c = checkins.get(youth.pk, {})
        w = who5.get(youth.pk, {})
        j = journeys.get(youth.pk, {"in_progress": 0, "completed": 0})
        rows.append(
            {
                "age_band": age_band_for(user=youth) or "",
                "checkins": c.get("count", 0),
                "mood_first": c.get("first"),
                "mood_last": c.get("last"),
                "who5_first_pct": w.get("first"),
                "who5_last_pct": w.get("last"),
                "journeys_in_progress": j["in_progress"],
                "journeys_completed": j["completed"],
                "flags": dict(sorted(flags.get(youth.pk, {}).items())),
            }
        )
    random.SystemRandom().shuffle(rows)
    if len(rows) < MIN_YOUTHS_FOR_DATASET:
        return {"withheld": True, "minimum": MIN_YOUTHS_FOR_DATASET, "rows": []}
    return {"withheld": False, "minimum": MIN_YOUTHS_FOR_DATASET, "rows": rows}
