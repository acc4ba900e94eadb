"""Care's use of the access audit, and the recorder it lends toolkit's audit seam."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from accounts.access_audit import access_log_record
from accounts.models import AccessLog, CareLink, User


def audit_view(
    *,
    viewer: User | AnonymousUser,
    youth_id: int,
    what: str,
    object_ref: str = "",
    granted: bool = True,
    reason: str = "",
    break_glass: bool = False,
) -> AccessLog | None:
    """One row for one staff view (or refused attempt). Youths and anonymous users leave none.

    An id that matches no user is logged with an empty youth and the id in `object_ref`, so a
    probe for ids is still visible in the audit.
    """
    if not viewer.is_authenticated or getattr(viewer, "role", None) == "youth":
        return None
    exists = User.objects.filter(pk=youth_id).exists()
    return access_log_record(
        staff=viewer.pk,
        youth=youth_id if exists else None,
        what=what,
        object_ref=object_ref if exists else f"user:{youth_id} {object_ref}".strip(),
        reason=reason,
        break_glass=break_glass,
        granted=granted,
    )


def audit_refused_link(*, viewer: User | AnonymousUser, link_id: int, what: str) -> None:
    """A staff member refused a link-addressed resource (the message socket): one refused row,
    on the link's youth when the link exists, otherwise with the link id in `object_ref`."""
    if not viewer.is_authenticated or getattr(viewer, "role", None) == "youth":
        return
    youth_id = CareLink.objects.filter(pk=link_id).values_list("youth_id", flat=True).first()
    access_log_record(
        staff=viewer.pk,
        youth=youth_id,
        what=what,
        object_ref=f"link:{link_id}",
        granted=False,
    )


def toolkit_access_recorder(
    viewer_id: int, youth_id: int, resource: str, object_id: int | None, granted: bool
) -> None:
    """Filled into `toolkit.access_audit`: toolkit's staff views land in the same audit."""
    exists = User.objects.filter(pk=youth_id).exists()
    access_log_record(
        staff=viewer_id,
        youth=youth_id if exists else None,
        what=resource,
        object_ref="" if object_id is None else f"{resource}:{object_id}",
        granted=granted,
    )
