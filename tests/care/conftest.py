"""Care fixtures: the six roles of the matrix, a linked pair, flags, a screening double."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import CareLink, Clinic, ClinicMembership, Role, User
from care import screening, services

PASSWORD = "a-long-care-password-42"
CONTENT = Path(__file__).resolve().parents[2] / "journeys" / "content"
ALL_SCOPES = [scope.value for scope in CareLink.Scope]
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def message_screening_requests() -> Iterator[list[int]]:
    """A test double for moderation: collects the message ids screening was requested for."""
    requested: list[int] = []
    previous = screening._requester
    screening.register_requester(requested.append)
    yield requested
    screening.register_requester(previous)


@pytest.fixture
def clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Klinik Nord", slug="klinik-nord")


@pytest.fixture
def other_clinic(db: None) -> Clinic:
    return Clinic.objects.create(name="Klinik Syd", slug="klinik-syd")


@pytest.fixture
def make_user(db: None) -> Callable[..., User]:
    def make(role: str = Role.YOUTH, clinic: Clinic | None = None, **extra: Any) -> User:
        today = timezone.localdate()
        fields: dict[str, Any] = {"role": role}
        if role == Role.YOUTH:
            fields.update(birth_year=today.year - 18, birth_month=1)
        fields.update(extra)
        username = fields.pop("username", f"{role[:5]}{next(_counter)}")
        user = User.objects.create_user(username=username, password=PASSWORD, **fields)
        if clinic is not None:
            ClinicMembership.objects.create(clinic=clinic, user=user)
        return user

    return make


@pytest.fixture
def youth(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.YOUTH, clinic, username="stille_sol")


@pytest.fixture
def other_youth(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.YOUTH, clinic, username="glad_grib")


@pytest.fixture
def clinician(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.CLINICIAN, clinic, username="kliniker_nord")


@pytest.fixture
def same_clinic_clinician(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.CLINICIAN, clinic, username="kollega_nord")


@pytest.fixture
def other_clinic_clinician(make_user: Callable[..., User], other_clinic: Clinic) -> User:
    return make_user(Role.CLINICIAN, other_clinic, username="kliniker_syd")


@pytest.fixture
def peer(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.PEER_WORKER, clinic, username="peer_nord")


@pytest.fixture
def clinic_admin(make_user: Callable[..., User], clinic: Clinic) -> User:
    return make_user(Role.CLINIC_ADMIN, clinic, username="admin_nord")


def link_with(youth: User, clinician: User, scopes: list[str] | None = None) -> CareLink:
    """A link made the real way: an invitation the youth accepts with the given scopes."""
    invitation = services.invitation_create(clinician=clinician, youth=youth)
    return services.invitation_accept(
        invitation=invitation, youth=youth, scopes=ALL_SCOPES if scopes is None else scopes
    )


@pytest.fixture
def link(youth: User, clinician: User) -> CareLink:
    """The youth and their clinician, every scope shared."""
    return link_with(youth, clinician)


@pytest.fixture
def make_flag() -> Callable[..., Any]:
    """A moderation flag on a youth (moderation's own services need a scored subject)."""
    from moderation.models import Flag

    def make(
        author: User, tier: str = "crisis", *, resolved: bool = False, days_ago: int = 0
    ) -> Any:
        opened = timezone.now() - dt.timedelta(days=days_ago)
        return Flag.objects.create(
            subject_type="post",
            subject_id=900_000 + next(_counter),
            tier=tier,
            author=author,
            status=Flag.Status.RESOLVED if resolved else Flag.Status.OPEN,
            opened_at=opened,
            due_at=opened + dt.timedelta(minutes=5),
            resolved_at=opened + dt.timedelta(hours=1) if resolved else None,
        )

    return make


@pytest.fixture
def content(db: None) -> dict[str, Any]:
    from journeys import services as journey_services
    from journeys.models import Journey

    journey_services.journeys_load(directory=CONTENT)
    return {journey.slug: journey for journey in Journey.objects.all()}


def login(client: Any, user: User) -> Any:
    client.force_login(user)
    return client


@pytest.fixture
def make_link(db: None) -> Callable[..., CareLink]:
    """`make_link(youth, clinician, scopes=None)`: a link through the real invitation flow."""
    return link_with


@pytest.fixture
def make_post(clinic: Clinic) -> Callable[..., Any]:
    """A published community post by `author` (community's own tests cover post_create)."""
    from community.models import Post
    from community.services import space_create

    space = space_create(
        name="Caféen", slug="cafe-18", kind="cafe", age_band="18-25", clinic=clinic
    )

    def make(author: User, body: str = "en helt almindelig dag") -> Any:
        now = timezone.now()
        return Post.objects.create(
            space=space,
            author=author,
            body=body,
            status=Post.Status.PUBLISHED,
            created_at=now,
            published_at=now,
        )

    return make
