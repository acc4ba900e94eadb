"""Demo content for a newcomer's first run. Idempotent: running it twice changes nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.documents import document
from accounts.models import Acknowledgement, Avatar, Clinic, ClinicMembership, Role, User

DEMO_PASSWORD = "sammen-demo-2026"  # noqa: S105 - printed by the run command, embedded default only


@dataclass(frozen=True, slots=True)
class DemoLogin:
    handle: str
    role: str
    password: str


DEMO_USERS = [
    ("ung_ravn", Role.YOUTH, Avatar.FOX, 17),
    ("ung_ugle", Role.YOUTH, Avatar.OWL, 16),
    ("peer_odder", Role.PEER_WORKER, Avatar.OTTER, None),
    ("kliniker_hval", Role.CLINICIAN, Avatar.WHALE, None),
    ("admin_bjorn", Role.CLINIC_ADMIN, Avatar.BEAR, None),
]


def _birth_for_age(age: int, today: dt.date) -> tuple[int, int]:
    """A birth year and month that make someone exactly `age` (birthday month already passed)."""
    if today.month == 1:
        return today.year - age - 1, 12
    return today.year - age, today.month - 1


@transaction.atomic
def demo_accounts_create() -> list[DemoLogin]:
    clinic, _ = Clinic.objects.get_or_create(
        slug="demo-klinik", defaults={"name": "Sammen Demo Klinik"}
    )
    today = timezone.localdate()
    logins = []
    for handle, role, avatar, age in DEMO_USERS:
        user = User.objects.filter(username=handle).first()
        if user is None:
            user = User.objects.create_user(
                username=handle,
                password=DEMO_PASSWORD,
                role=role,
                avatar=avatar,
                birth_year=_birth_for_age(age, today)[0] if age else None,
                birth_month=_birth_for_age(age, today)[1] if age else None,
                is_staff=role == Role.CLINIC_ADMIN,
                is_superuser=role == Role.CLINIC_ADMIN,
            )
            if role == Role.YOUTH:
                for key in ("terms", "privacy", "self_consent", "duty_to_notify"):
                    Acknowledgement.objects.get_or_create(
                        user=user,
                        document=key,
                        version=document(key).version,
                        defaults={"language": "da"},
                    )
        ClinicMembership.objects.get_or_create(clinic=clinic, user=user)
        logins.append(DemoLogin(handle=handle, role=str(Role(role).label), password=DEMO_PASSWORD))
    return logins
