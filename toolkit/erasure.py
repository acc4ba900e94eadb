"""The toolkit's part of a youth's GDPR rights: its own export and its own erasure.

Care's account deletion calls `erase_user_data` and the export calls `export_user_data`; the
toolkit alone knows which of its tables hold a youth's data.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from accounts.models import User
from toolkit.models import DailyCheckIn, SafetyPlan, Strategy, Who5Response
from toolkit.selectors import toolkit_export_for_youth


def export_user_data(*, user: User) -> dict[str, Any]:
    """Strategies and their uses, the safety plan with its versions, check-ins and WHO-5."""
    return toolkit_export_for_youth(youth=user)


@transaction.atomic
def erase_user_data(*, user: User) -> dict[str, int]:
    """Delete everything the youth wrote or logged in the toolkit. Returns rows deleted per kind.

    Strategy uses, safety-plan versions and the plan's permission grants go with their parents.
    """
    counts: dict[str, int] = {}
    for label, queryset in (
        ("strategies", Strategy.objects.filter(owner=user)),
        ("safety_plan", SafetyPlan.objects.filter(owner=user)),
        ("checkins", DailyCheckIn.objects.filter(owner=user)),
        ("who5", Who5Response.objects.filter(owner=user)),
    ):
        counts[label] = queryset.delete()[0]
    return counts
