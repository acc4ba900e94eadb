"""Access for care pages: the role decorators, the link check and the scope check.

Pages parse, check access here (care.permissions underneath), make one service or selector
call and render.

Staff pages take a youth id. Each one either shows data and leaves exactly one audit row, or
serves a 404 and leaves one refused row; it never tells a stranger whether the youth exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

from accounts.models import AccessLog, CareLink, User
from care import permissions
from care.audit import audit_view

View = TypeVar("View", bound=Callable[..., HttpResponse])

CASELOAD_PAGE_SIZE = 25

# Sections of a youth's data, each behind one consent scope.
SECTIONS: dict[str, str] = {
    "journeys": CareLink.Scope.JOURNEYS,
    "reflections": CareLink.Scope.REFLECTIONS,
    "checkins": CareLink.Scope.CHECKINS,
    "toolkit": CareLink.Scope.TOOLKIT,
    "posts": CareLink.Scope.POSTS,
}


# What a refused request to each youth-id view would have shown (for the audit row).
VIEW_WHAT: dict[str, str] = {
    "youth_overview": AccessLog.What.PROFILE,
    "youth_flags": AccessLog.What.FLAGS,
    "clinician_messages": AccessLog.What.MESSAGES,
    "youth_summary": AccessLog.What.SUMMARY,
    "homework_suggest": AccessLog.What.HOMEWORK,
    "session_set": AccessLog.What.SESSION,
}


def clinician_required(view: View) -> View:
    """Logged in and a clinician; a youth id in the URL is checked by the view itself."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        youth_id = kwargs.get("youth_id")
        if not permissions.is_clinician(request.user):
            if youth_id is not None:
                what = kwargs.get("section") or VIEW_WHAT.get(view.__name__, "profile")
                audit_view(viewer=request.user, youth_id=youth_id, what=what, granted=False)
            raise Http404
        return view(request, *args, **kwargs)

    return cast(View, wrapper)


def _link_or_404(request: HttpRequest, youth_id: int, what: str) -> CareLink:
    """The clinician's active link to the youth; otherwise one refused audit row and a 404."""
    link = permissions.active_link(clinician=request.user, youth_id=youth_id)
    if link is None:
        audit_view(viewer=request.user, youth_id=youth_id, what=what, granted=False)
        raise Http404
    return link


def _scope_access(request: HttpRequest, link: CareLink, scope: str) -> tuple[bool, str]:
    """(allowed, break-glass reason). Consent first; otherwise an unexpired break-glass grant."""
    clinician = cast(User, request.user)
    if permissions.scope_granted(clinician=clinician, link=link, scope=scope):
        return True, ""
    grant = permissions.break_glass_grant(clinician=clinician, youth_id=link.youth_id, scope=scope)
    if grant is not None:
        return True, grant.reason
    return False, ""
