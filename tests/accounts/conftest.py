from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from accounts.enrolment import SignupRequest
from accounts.models import Clinic, ClinicMembership, ReferralCode, Role, User

STRONG_PASSWORD = "Korrekt-Hest-Batteri-42"


@pytest.fixture
def clinic() -> Clinic:
    return Clinic.objects.create(name="Ungdomsklinikken Aarhus", slug="uk-aarhus")


@pytest.fixture
def clinician(clinic: Clinic) -> User:
    user = User.objects.create_user(
        username="kliniker_test", password=STRONG_PASSWORD, role=Role.CLINICIAN
    )
    ClinicMembership.objects.create(clinic=clinic, user=user)
    return user


@pytest.fixture
def referral(clinic: Clinic, clinician: User) -> ReferralCode:
    now = timezone.now()
    return ReferralCode.objects.create(
        clinic=clinic, created_by=clinician, expires_at=now + dt.timedelta(days=14)
    )


def birth_for_age(age: int, today: dt.date | None = None) -> tuple[int, int]:
    """A birth year and month that make someone `age` today, unambiguously (month before now)."""
    today = today or timezone.localdate()
    if today.month == 1:  # a month strictly before January does not exist: go one year earlier
        return today.year - age - 1, 12
    return today.year - age, today.month - 1


@pytest.fixture
def signup_request() -> Callable[..., SignupRequest]:
    def make(age: int = 17, **overrides: Any) -> SignupRequest:
        year, month = birth_for_age(age)
        fields: dict[str, Any] = {
            "handle": "stille_sol",
            "password": STRONG_PASSWORD,
            "birth_year": year,
            "birth_month": month,
            "accepts_terms": True,
            "self_consent": age >= 15,
            "acknowledges_duty_to_notify": age < 18,
        }
        fields.update(overrides)
        return SignupRequest(**fields)

    return make
