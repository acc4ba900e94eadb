"""The access audit: every staff view of a youth's data, written and read here (issue 7, item 6).

It lives in accounts because every app with a staff view of youth data (care, moderation,
toolkit) must call it, and accounts is the one app they all may import.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db.models import QuerySet

from accounts.models import AccessLog, User

logger = logging.getLogger(__name__)


def _pk(user: User | int | None) -> int | None:
    if user is None or isinstance(user, int):
        return user
    return user.pk


def access_log_record(
    *,
    staff: User | int | None,
    youth: User | int | None,
    what: str,
    object_ref: str = "",
    reason: str = "",
    break_glass: bool = False,
    granted: bool = True,
) -> AccessLog:
    """Append one audit row. Call it in the view that shows (or refuses) the data.

    `granted=False` records a refused attempt: the caller serves a 404 and shows nothing.
    `break_glass=True` needs a reason: it marks access outside the youth's consent scopes.
    """
    if break_glass and not reason.strip():
        raise ValueError("break-glass access needs a reason")
    row = AccessLog.objects.create(
        staff_id=_pk(staff),
        youth_id=_pk(youth),
        what=what,
        object_ref=str(object_ref)[:80],
        reason=reason.strip(),
        break_glass=break_glass,
        granted=granted,
    )
    logger.info(
        "accounts.access_log.recorded",
        extra={"access_log_id": row.pk, "what": what, "granted": granted},
    )
    return row


def access_log_record_many(
    *, staff: User | int, youth_ids: Iterable[int], what: str
) -> list[AccessLog]:
    """One row per youth in a single insert (a caseload page shows many youths at once)."""
    staff_id = _pk(staff)
    rows = [AccessLog(staff_id=staff_id, youth_id=youth_id, what=what) for youth_id in youth_ids]
    return AccessLog.objects.bulk_create(rows)


def access_log_for_youth(*, youth: User | int) -> QuerySet[AccessLog]:
    """The youth's own audit, newest first, with the staff member's handle."""
    return AccessLog.objects.filter(youth_id=_pk(youth)).select_related("staff").order_by("-at")
