"""Who may see a youth's safety plan. The only module in toolkit that calls django-guardian.

A clinician sees a youth's safety plan only while an active care link carries the toolkit scope.
The youth's consent is the source of truth: the guardian permission is granted and revoked from
it by `safety_plan_sync_permissions`, and every access checks the link again, so a scope turned
off while a clinician's page is open refuses the very next request even if a sync was missed.
"""

from __future__ import annotations

import logging

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.http import Http404
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from accounts.models import CareLink, Role, User
from toolkit.models import SafetyPlan

logger = logging.getLogger(__name__)

VIEW_SAFETY_PLAN = "view_safetyplan"


def _clinician_ids_with_toolkit_scope(*, youth_id: int) -> set[int]:
    # Scopes are a JSON list; filter in Python because SQLite has no JSON `contains` lookup.
    links = CareLink.objects.filter(youth_id=youth_id, ended_at__isnull=True)
    return {link.clinician_id for link in links if link.allows(CareLink.Scope.TOOLKIT)}


@transaction.atomic
def safety_plan_sync_permissions(*, youth: User) -> None:
    """Make guardian's `view_safetyplan` grants match the youth's active toolkit consents.

    Call after a youth turns the toolkit scope on or off, or a care link starts or ends. Grants
    the permission to each clinician with an active link carrying Scope.TOOLKIT and removes it
    from everyone else. Does nothing when the youth has no safety plan yet; creating the plan
    calls this.
    """
    plan = SafetyPlan.objects.filter(owner=youth).first()
    if plan is None:
        return
    allowed = _clinician_ids_with_toolkit_scope(youth_id=youth.pk)
    holders = _holders(plan)
    for holder in holders:
        if holder.pk not in allowed:
            remove_perm(VIEW_SAFETY_PLAN, holder, plan)
            logger.info("toolkit.safety_plan.unshared", extra={"plan_id": plan.pk})
    holder_ids = {holder.pk for holder in holders}
    for clinician in User.objects.filter(pk__in=allowed - holder_ids):
        assign_perm(VIEW_SAFETY_PLAN, clinician, plan)
        logger.info("toolkit.safety_plan.shared", extra={"plan_id": plan.pk})


def access_safety_plan_for_clinician(user: User | AnonymousUser, youth_id: int) -> SafetyPlan:
    """The youth's safety plan if `user` may see it; Http404 otherwise (never a hint it exists).

    Requires the guardian permission on the plan and, checked again here, an active care link
    with the toolkit scope. A stale permission without consent is removed on the spot.
    """
    if not user.is_authenticated or getattr(user, "role", None) != Role.CLINICIAN:
        raise Http404
    plan = SafetyPlan.objects.filter(owner_id=youth_id).select_related("owner").first()
    if plan is None or not user.has_perm(f"toolkit.{VIEW_SAFETY_PLAN}", plan):
        raise Http404
    if user.pk not in _clinician_ids_with_toolkit_scope(youth_id=youth_id):
        remove_perm(VIEW_SAFETY_PLAN, user, plan)
        logger.warning("toolkit.safety_plan.stale_permission_removed", extra={"plan_id": plan.pk})
        raise Http404
    return plan


def youth_shares_scope(*, clinician: User | AnonymousUser, youth_id: int, scope: str) -> bool:
    """True while `clinician` has an active care link with `youth_id` that carries `scope`.

    For reads other apps make through `toolkit.selectors` (check-ins: Scope.CHECKINS; toolkit
    use: Scope.TOOLKIT). Checked on every request, so a scope turned off refuses the next one.
    """
    if not clinician.is_authenticated or getattr(clinician, "role", None) != Role.CLINICIAN:
        return False
    links = CareLink.objects.filter(youth_id=youth_id, clinician_id=clinician.pk, ended_at=None)
    return any(link.allows(scope) for link in links)


def safety_plan_clinician_ids(*, plan: SafetyPlan) -> list[int]:
    """Ids of the clinicians who currently hold the view permission (shown to the youth)."""
    return sorted(holder.pk for holder in _holders(plan))


def _holders(plan: SafetyPlan) -> list[User]:
    found = get_users_with_perms(
        plan, only_with_perms_in=[VIEW_SAFETY_PLAN], with_group_users=False, with_superusers=False
    )
    return [user for user in found if isinstance(user, User)]
