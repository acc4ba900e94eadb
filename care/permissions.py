"""Who may see which part of a youth's data. The only module in care that calls django-guardian.

The youth's consent (the scopes on their active `CareLink`) is the source of truth. Guardian
permissions on the youth's `CareFile` are granted and revoked from it by `care_sync_permissions`,
and every check reads the link again, so a scope turned off while a clinician's page is open
refuses the very next request even if a sync was missed (a stale grant is removed on the spot).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import CareLink, Role, User
from care.models import SCOPE_PERMISSIONS, BreakGlassGrant, CareFile, CareFileUserObjectPermission
from toolkit.permissions import safety_plan_sync_permissions

logger = logging.getLogger(__name__)

# Clinical policy CP-7 (issue 7): break-glass access lasts one hour, then needs a new reason.
BREAK_GLASS_MINUTES = 60

SCOPES = tuple(scope.value for scope in CareLink.Scope)


def care_file_for(*, youth: User) -> CareFile:
    care_file, _created = CareFile.objects.get_or_create(youth=youth)
    return care_file


@transaction.atomic
def care_sync_permissions(*, youth: User) -> None:
    """Make guardian's grants on the youth's care file match their active links' scopes.

    Call after a link starts or ends or its scopes change. Also syncs toolkit's safety-plan
    grants, which follow the toolkit scope.
    """
    care_file = care_file_for(youth=youth)
    wanted: set[tuple[int, str]] = set()
    for link in CareLink.objects.filter(youth=youth, ended_at__isnull=True):
        for scope in link.scopes:
            if scope in SCOPE_PERMISSIONS:
                wanted.add((link.clinician_id, SCOPE_PERMISSIONS[scope]))
    held = {
        (row.user_id, row.permission.codename): row
        for row in CareFileUserObjectPermission.objects.filter(
            content_object=care_file
        ).select_related("permission")
    }
    for key, row in held.items():
        if key not in wanted:
            row.delete()
    missing = wanted - set(held)
    users = {u.pk: u for u in User.objects.filter(pk__in={user_id for user_id, _ in missing})}
    for user_id, codename in missing:
        assign_perm(f"care.{codename}", users[user_id], care_file)
    logger.info("care.permissions.synced", extra={"care_file_id": care_file.pk})
    safety_plan_sync_permissions(youth=youth)


def is_clinician(user: User | AnonymousUser) -> bool:
    return user.is_authenticated and getattr(user, "role", None) == Role.CLINICIAN


def active_link(*, clinician: User | AnonymousUser, youth_id: int) -> CareLink | None:
    if not is_clinician(clinician):
        return None
    return (
        CareLink.objects.filter(clinician_id=clinician.pk, youth_id=youth_id, ended_at__isnull=True)
        .select_related("youth", "clinic")
        .first()
    )


def access_link(*, clinician: User | AnonymousUser, youth_id: int) -> CareLink:
    """The clinician's active link to the youth, or Http404 (never a hint the youth exists)."""
    link = active_link(clinician=clinician, youth_id=youth_id)
    if link is None:
        raise Http404
    return link


def scope_granted(*, clinician: User, link: CareLink, scope: str) -> bool:
    """True when the youth shares `scope`: guardian's grant and, checked again, the link's flag."""
    care_file = CareFile.objects.filter(youth_id=link.youth_id).first()
    if care_file is None or scope not in SCOPE_PERMISSIONS:
        return False
    perm = f"care.{SCOPE_PERMISSIONS[scope]}"
    if not clinician.has_perm(perm, care_file):
        return False
    if not link.allows(scope):
        remove_perm(perm, clinician, care_file)
        logger.warning("care.permissions.stale_removed", extra={"care_file_id": care_file.pk})
        return False
    return True


def break_glass_grant(*, clinician: User, youth_id: int, scope: str) -> BreakGlassGrant | None:
    """The clinician's unexpired break-glass grant for this scope, if any."""
    return (
        BreakGlassGrant.objects.filter(
            clinician=clinician, youth_id=youth_id, scope=scope, expires_at__gt=timezone.now()
        )
        .order_by("-granted_at")
        .first()
    )


def break_glass_expiry(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) + dt.timedelta(minutes=BREAK_GLASS_MINUTES)


def scopes_for_caseload(
    *, clinician: User, link_scopes: dict[int, list[str]], youth_ids: Any
) -> dict[int, set[str]]:
    """Scopes each linked youth shares with `clinician`, in one query over guardian's grants.

    `link_scopes` maps youth id to the scopes on the active link; `youth_ids` is the same set
    as a subquery. A scope counts only when both the grant and the link's own flag say so.
    """
    by_codename = {codename: scope for scope, codename in SCOPE_PERMISSIONS.items()}
    grants: dict[int, set[str]] = {}
    rows: Any = CareFileUserObjectPermission.objects.filter(
        user=clinician, content_object__youth_id__in=youth_ids
    ).values_list("content_object__youth_id", "permission__codename")
    for youth_id, codename in rows:
        if codename in by_codename:
            grants.setdefault(youth_id, set()).add(by_codename[codename])
    return {
        youth_id: grants.get(youth_id, set()) & set(scopes)
        for youth_id, scopes in link_scopes.items()
    }
