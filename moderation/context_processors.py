"""Template context for youth-facing pages: is a person at the desk right now?

Community's held-post notice and the page banner say "no adult is on duty right now" outside
staffed hours without importing moderation: they read `MODERATION_STAFFED_NOW` from the context.
It is None for a youth with no clinic (nobody's hours apply), and computed only when a template
reads it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from moderation.services.escalation import clinic_is_staffed


def _staffed_now(user: Any) -> bool | None:
    clinic_ids = list(user.clinic_memberships.values_list("clinic_id", flat=True))
    if not clinic_ids:
        return None
    return any(clinic_is_staffed(c) for c in clinic_ids)


def staffing(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated or getattr(user, "role", "") != "youth":
        return {}
    answer: list[bool | None] = []

    def staffed_now() -> bool | None:  # templates call it; computed once, on first use
        if not answer:
            answer.append(_staffed_now(user))
        return answer[0]

    return {"MODERATION_STAFFED_NOW": staffed_now}
