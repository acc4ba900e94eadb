"""Template context for youth-facing pages: is a person at the desk right now?

Community's held-post notice can say "no adult is on duty right now" outside staffed hours
without importing moderation: it reads `MODERATION_STAFFED_NOW` from the context.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from moderation.services.escalation import clinic_is_staffed


def staffing(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {}
    clinic_ids = list(user.clinic_memberships.values_list("clinic_id", flat=True))
    return {"MODERATION_STAFFED_NOW": any(clinic_is_staffed(c) for c in clinic_ids)}
