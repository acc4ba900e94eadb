"""Toolkit fixtures: youths, clinicians with and without consent, and a stand-in journey step."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from accounts.models import CareLink, Clinic, ClinicMembership, Role, User

PASSWORD = "a-long-test-password-42"

FAKE_STRATEGY = {
    "journey_slug": "her-og-nu",
    "journey_version": 3,
    "step_key": "hverdags-mindfulness",
    "title": {"da": "5-4-3-2-1 jordforbindelse", "en": "5-4-3-2-1 grounding"},
    "steps": [
        {"da": "Sæt fødderne i gulvet.", "en": "Put your feet on the floor."},
        {"da": "5 ting, du kan se.", "en": "5 things you can see."},
    ],
    "action": {"da": "Prøv det hver dag.", "en": "Try it every day."},
}


@pytest.fixture
def fake_journey_strategy(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Replace journeys.selectors.try_it_strategy with the documented shape; records calls."""
    calls: list[tuple[str, str]] = []

    def try_it_strategy(journey_slug: str, step_key: str) -> dict[str, Any] | None:
        calls.append((journey_slug, step_key))
        if (journey_slug, step_key) == ("her-og-nu", "hverdags-mindfulness"):
            return FAKE_STRATEGY
        return None

    monkeypatch.setattr("journeys.selectors.try_it_strategy", try_it_strategy)
    return calls


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(username: str, role: str = Role.YOUTH, clinic: Clinic | None = None) -> User:
        user = User.objects.create_user(
            username=username, password=PASSWORD, role=role, birth_year=2008, birth_month=1
        )
        if clinic is not None:
            ClinicMembership.objects.create(clinic=clinic, user=user)
        return user

    return make


@pytest.fixture
def clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Klinik A", slug="klinik-a")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Klinik B", slug="klinik-b")


@pytest.fixture
def youth(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user("ung_test", clinic=clinic)


@pytest.fixture
def clinician(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user("kliniker_a", Role.CLINICIAN, clinic)


@pytest.fixture
def link(youth: User, clinician: User, clinic: Clinic) -> CareLink:
    """An active care link with the toolkit scope on."""
    return CareLink.objects.create(
        youth=youth, clinician=clinician, clinic=clinic, scopes=[CareLink.Scope.TOOLKIT]
    )


@pytest.fixture(autouse=True)
def access_audit_rows(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int, str, Any, bool]]:
    """A test double for the access-audit recorder issue 7's workspace registers."""
    rows: list[tuple[int, int, str, Any, bool]] = []
    monkeypatch.setattr("toolkit.access_audit._recorder", lambda *args: rows.append(tuple(args)))
    return rows
