"""Who may read, write in and moderate a space. The only module calling django-guardian.

Per-space object permissions: `view_space`, `post_in_space`, `moderate_space`.
- Youths hold `view_space` and `post_in_space` on every space of their age band. The band is
  derived from birth year and month (`accounts.enrolment.age_in_years`), and is checked again on
  every access, so a birthday that moves a youth up a band closes the old band at once;
  `space_membership_sync` then grants the new band's spaces.
- Staff (peer workers, clinicians) hold all three on the spaces they are assigned to.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from accounts.enrolment import age_in_years
from accounts.models import Role
from community.models import AgeBand, Space

VIEW = "view_space"
POST = "post_in_space"
MODERATE = "moderate_space"
STAFF_ROLES = {Role.PEER_WORKER, Role.CLINICIAN, Role.CLINIC_ADMIN}


def age_band_for(user: Any, *, today: dt.date | None = None) -> str | None:
    """The age band a youth belongs to, or None (no birth data, or outside 12-25)."""
    if user.birth_year is None or user.birth_month is None:
        return None
    age = age_in_years(
        birth_year=user.birth_year,
        birth_month=user.birth_month,
        today=today or timezone.localdate(),
    )
    if 12 <= age <= 14:
        return AgeBand.YOUNG
    if 15 <= age <= 17:
        return AgeBand.MIDDLE
    if 18 <= age <= 25:
        return AgeBand.OLDER
    return None


def is_staff_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.role in STAFF_ROLES)


@transaction.atomic
def space_membership_sync(*, user: Any, today: dt.date | None = None) -> None:
    """Grant a youth their band's spaces and revoke every other band's. Idempotent.

    Writes guardian rows only when something changed; call it when a youth opens the community.
    """
    if not user.is_authenticated or user.role != Role.YOUTH:
        return
    band = age_band_for(user, today=today)
    held = set(
        get_objects_for_user(user, f"community.{VIEW}", klass=Space, accept_global_perms=False)
    )
    wanted = set(Space.objects.filter(age_band=band)) if band else set()
    for space in wanted - held:
        assign_perm(VIEW, user, space)
        assign_perm(POST, user, space)
    for space in held - wanted:
        remove_perm(VIEW, user, space)
        remove_perm(POST, user, space)


@transaction.atomic
def space_staff_assign(*, space: Space, user: Any) -> None:
    """Let a peer worker or clinician read, write in and moderate `space`."""
    if user.role not in STAFF_ROLES:
        raise ValueError("only staff can be assigned to moderate a space")
    for perm in (VIEW, POST, MODERATE):
        assign_perm(perm, user, space)


def space_assign_clinic_staff(*, space: Space) -> int:
    """Assign every peer worker and clinician of the space's clinic to it. Returns how many."""
    if space.clinic_id is None:
        return 0
    from accounts.models import User

    staff = User.objects.filter(
        clinic_memberships__clinic_id=space.clinic_id,
        role__in=[Role.PEER_WORKER, Role.CLINICIAN],
        is_active=True,
    ).distinct()
    count = 0
    for user in staff:
        space_staff_assign(space=space, user=user)
        count += 1
    return count


def _band_allows(user: Any, space: Space) -> bool:
    if user.role != Role.YOUTH:
        return True
    return age_band_for(user) == space.age_band


def _has(user: Any, perm: str, space: Space) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not _band_allows(user, space):
        return False
    return bool(ObjectPermissionChecker(user).has_perm(perm, space))


def can_read_space(user: Any, space: Space) -> bool:
    return _has(user, VIEW, space)


def can_post_in_space(user: Any, space: Space) -> bool:
    return _has(user, VIEW, space) and _has(user, POST, space)


def can_moderate_space(user: Any, space: Space) -> bool:
    return _has(user, MODERATE, space)


def readable_spaces(user: Any) -> QuerySet[Space]:
    """Every space `user` may read, with the band rule applied to youths."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Space.objects.none()
    spaces = get_objects_for_user(user, f"community.{VIEW}", klass=Space, accept_global_perms=False)
    if user.role == Role.YOUTH:
        band = age_band_for(user)
        return spaces.filter(age_band=band) if band else Space.objects.none()
    return spaces
