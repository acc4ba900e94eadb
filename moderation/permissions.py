"""Who may see and act on which flag: the tier x role matrix. The only module calling guardian.

Policy (DESIGN.md section 1): peer workers work the low, elevated, unscored, pre-moderation and
report queues, reply, hold and escalate, but never make clinical assessments: they cannot read
clinical notes, suspend anyone, or act on a crisis flag beyond escalating it. Clinicians and
clinic admins may do everything. Everyone is scoped to the clinics whose queue they were granted
(`moderate_queue` on `ClinicQueue`, a guardian object permission).
"""

from __future__ import annotations

import enum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from accounts.models import Clinic, Role
from moderation.models import CLINICAL_TIERS, PRIVATE_SUBJECT_TYPES, ClinicQueue, Flag

QUEUE_PERMISSION = "moderation.moderate_queue"


class Action(enum.StrEnum):
    VIEW = "view"
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    RELEASE = "release"
    HIDE = "hide"
    REMOVE = "remove"
    DISMISS = "dismiss"
    REPLY = "reply"
    MESSAGE = "message"
    ESCALATE = "escalate"
    NOTE = "note"
    CLINICAL_NOTE = "clinical_note"
    RESTRICT_PREMODERATION = "restrict_premoderation"
    RESTRICT_MUTE = "restrict_mute"
    RESTRICT_SUSPEND = "restrict_suspend"
    FEEDBACK = "feedback"
    DECIDE_APPEAL = "decide_appeal"


MODERATOR_ROLES = frozenset({Role.PEER_WORKER, Role.CLINICIAN, Role.CLINIC_ADMIN})
CLINICAL_ROLES = frozenset({Role.CLINICIAN, Role.CLINIC_ADMIN})
# Clinical assessments and the heaviest sanction stay with clinicians.
_CLINICIAN_ONLY = frozenset({Action.CLINICAL_NOTE, Action.RESTRICT_SUSPEND})
# What a peer worker may still do on a crisis flag, or on one already escalated to clinicians.
_PEER_ON_CLINICAL = frozenset({Action.VIEW, Action.ESCALATE, Action.NOTE})


def is_moderator(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in MODERATOR_ROLES)


def is_clinical(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and user.role in CLINICAL_ROLES)


def can_view_clinical_notes(user: Any) -> bool:
    return is_clinical(user)


def audience_for(user: Any) -> str:
    """The live queue audience a moderator belongs to: "clinical" or "peer"."""
    return "clinical" if is_clinical(user) else "peer"


def clinic_ids_for_moderator(user: Any) -> list[int]:
    """Clinics whose queue `user` may work (superusers: all)."""
    if not is_moderator(user):
        return []
    queues = get_objects_for_user(
        user, QUEUE_PERMISSION, klass=ClinicQueue, accept_global_perms=True
    )
    return sorted(queues.values_list("clinic_id", flat=True))


def can_moderate_clinic(user: Any, clinic_id: int | None) -> bool:
    """Clinic-less flags are every moderator's; otherwise the guardian grant decides."""
    if not is_moderator(user):
        return False
    if clinic_id is None:
        return True
    queue = ClinicQueue.objects.filter(clinic_id=clinic_id).first()
    if queue is None:
        return bool(user.is_superuser)
    return bool(user.has_perm(QUEUE_PERMISSION, queue) or user.has_perm(QUEUE_PERMISSION))


def can_act(user: Any, flag: Flag, action: Action) -> bool:
    """The tier x role matrix for one flag."""
    if not can_moderate_clinic(user, flag.clinic_id):
        return False
    if is_clinical(user):
        return True
    if flag.subject_type in PRIVATE_SUBJECT_TYPES:
        return False  # a youth's private writing is for clinicians only
    if action in _CLINICIAN_ONLY:
        return False
    if flag.tier in CLINICAL_TIERS or flag.escalation_level > 0:
        return action in _PEER_ON_CLINICAL
    return True


def require(user: Any, flag: Flag, action: Action) -> None:
    """Raise PermissionDenied unless `user` may do `action` on `flag`."""
    if not can_act(user, flag, action):
        raise PermissionDenied


def access_flag(user: Any, flag_id: int) -> Flag:
    """The flag if `user` may view it; 404 otherwise (no hint that it exists)."""
    flag = Flag.objects.select_related("assessment").filter(pk=flag_id).first()
    if flag is None or not can_act(user, flag, Action.VIEW):
        raise Http404
    return flag


def can_decide_appeal(user: Any, *, issued_by_id: int) -> bool:
    """An appeal is answered by a moderator other than the one who issued the sanction."""
    return is_moderator(user) and user.pk != issued_by_id


def queue_grant(user: Any, clinic: Clinic) -> None:
    """Let `user` work `clinic`'s moderation queue."""
    queue, _ = ClinicQueue.objects.get_or_create(clinic=clinic)
    assign_perm(QUEUE_PERMISSION, user, queue)


def queue_revoke(user: Any, clinic: Clinic) -> None:
    queue = ClinicQueue.objects.filter(clinic=clinic).first()
    if queue is not None:
        remove_perm(QUEUE_PERMISSION, user, queue)
