"""Fixtures for journeys tests: users, loaded content, and a screening test double."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import CareLink, Clinic, Role, User
from journeys import screening, services
from journeys.models import Journey

CONTENT = Path(__file__).resolve().parents[2] / "journeys" / "content"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def reflection_screening_requests() -> Iterator[list[int]]:
    """A test double for moderation: collects the reflection ids screening was requested for."""
    requested: list[int] = []
    previous = screening._requester
    screening.register_requester(requested.append)
    yield requested
    screening.register_requester(previous)


def birth_for_age(age: int) -> tuple[int, int]:
    """Birth year and month for someone exactly `age` (a birthday month well past)."""
    today = timezone.localdate()
    month = 1 if today.month > 1 else 2
    year = today.year - age if today.month > month else today.year - age - 1
    return year, month


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(role: str = Role.YOUTH, *, age: int | None = 17, **extra: Any) -> User:
        fields: dict[str, Any] = {"role": role}
        if role == Role.YOUTH and age is not None:
            year, month = birth_for_age(age)
            fields.update(birth_year=year, birth_month=month)
        fields.update(extra)
        username = fields.pop("username", f"jt{next(_counter)}")
        return User.objects.create_user(username=username, password="x-pass-123456", **fields)

    return make


@pytest.fixture
def youth(make_user: Callable[..., User]) -> User:
    return make_user(age=17)


@pytest.fixture
def other_youth(make_user: Callable[..., User]) -> User:
    return make_user(age=19)


@pytest.fixture
def clinician(make_user: Callable[..., User]) -> User:
    return make_user(Role.CLINICIAN, age=None)


@pytest.fixture
def care_link(db: Any, youth: User, clinician: User) -> CareLink:
    clinic = Clinic.objects.create(name="Test", slug="test-klinik")
    return CareLink.objects.create(youth=youth, clinician=clinician, clinic=clinic)


@pytest.fixture
def content(db: Any) -> dict[str, Journey]:
    """All real journey content, loaded through the loader service."""
    services.journeys_load(directory=CONTENT)
    return {journey.slug: journey for journey in Journey.objects.all()}


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the content directory."""
    target = tmp_path / "content"
    target.mkdir()
    for path in CONTENT.glob("*.yaml"):
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture
def youth_client(client: Any, youth: User) -> Any:
    client.force_login(youth)
    return client
