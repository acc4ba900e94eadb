"""Demo moderation setup: queue grants, staffed hours and a rota for demo-klinik. Idempotent."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Clinic, Role, User
from moderation import permissions
from moderation.models import RotaShift, StaffedHours

# Weekdays 9-21 and weekend afternoons: outside these, crisis flags go to the on-call clinician.
DEMO_HOURS = [(day, dt.time(9), dt.time(21)) for day in range(5)] + [
    (day, dt.time(12), dt.time(18)) for day in (5, 6)
]


@transaction.atomic
def demo_content_create() -> None:
    clinic = Clinic.objects.filter(slug="demo-klinik").first()
    if clinic is None:
        return
    staff = User.objects.filter(
        clinic_memberships__clinic=clinic, role__in=[Role.PEER_WORKER, Role.CLINICIAN]
    )
    for user in staff:
        permissions.queue_grant(user, clinic)
    for weekday, opens, closes in DEMO_HOURS:
        StaffedHours.objects.get_or_create(
            clinic=clinic, weekday=weekday, defaults={"opens_at": opens, "closes_at": closes}
        )
    clinician = User.objects.filter(username="kliniker_hval").first()
    if clinician is None:
        return
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for offset in range(-1, 14):
        start = today + dt.timedelta(days=offset)
        for duty in (RotaShift.Duty.DUTY, RotaShift.Duty.ON_CALL):
            RotaShift.objects.get_or_create(
                clinic=clinic,
                clinician=clinician,
                duty=duty,
                starts_at=start,
                defaults={"ends_at": start + dt.timedelta(days=1)},
            )
