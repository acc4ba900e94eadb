"""Fixtures for community tests: users of each role, spaces per band, a screening double."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role, User
from community import permissions, screening, services
from community.models import AgeBand, Post, Space

_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def screening_requests() -> Iterator[list[int]]:
    """A test double for moderation: collects the ids screening was requested for."""
    requested: list[int] = []
    previous = screening._requester
    screening.register_requester(requested.append)
    yield requested
    screening.register_requester(previous)


def _birth_for_age(age: int) -> tuple[int, int]:
    # age_in_years counts a birthday in the current month as not yet reached; January is safe
    # except in January itself, so pick a month that has passed or is far away.
    today = timezone.localdate()
    month = 1 if today.month > 1 else 2
    year = today.year - age if today.month > month else today.year - age - 1
    return year, month


@pytest.fixture
def make_user(db: Any) -> Callable[..., User]:
    def make(
        role: str = Role.YOUTH, *, age: int | None = None, new: bool = False, **extra: Any
    ) -> User:
        n = next(_counter)
        username = extra.pop("username", f"user{n}")
        fields: dict[str, Any] = {"role": role}
        if role == Role.YOUTH:
            year, month = _birth_for_age(age if age is not None else 20)
            fields.update(birth_year=year, birth_month=month)
        joined = timezone.now() - (dt.timedelta(hours=1) if new else dt.timedelta(days=30))
        fields.update(date_joined=joined, **extra)
        return User.objects.create_user(username=username, password="x-pass-123456", **fields)

    return make


@dataclass
class World:
    cafe: Space  # 18-25
    topic: Space  # 18-25
    young_cafe: Space  # 15-17
    member: User  # youth 20
    member2: User  # youth 22
    other_band: User  # youth 16
    peer: User  # peer worker on the 18-25 spaces
    clinician: User  # clinician on the 18-25 spaces
    outsider_clinician: User  # clinician with no assignment


@pytest.fixture
def world(make_user: Callable[..., User]) -> World:
    cafe = services.space_create(
        name="Café", slug="cafe-18", kind=Space.Kind.CAFE, age_band=AgeBand.OLDER
    )
    topic = services.space_create(
        name="Skole", slug="skole-18", kind=Space.Kind.TOPIC, age_band=AgeBand.OLDER
    )
    young = services.space_create(
        name="Café", slug="cafe-15", kind=Space.Kind.CAFE, age_band=AgeBand.MIDDLE
    )
    w = World(
        cafe=cafe,
        topic=topic,
        young_cafe=young,
        member=make_user(age=20, username="ravn20"),
        member2=make_user(age=22, username="ugle22"),
        other_band=make_user(age=16, username="mus16"),
        peer=make_user(Role.PEER_WORKER, username="peer"),
        clinician=make_user(Role.CLINICIAN, username="hval"),
        outsider_clinician=make_user(Role.CLINICIAN, username="fremmed"),
    )
    for youth in (w.member, w.member2, w.other_band):
        permissions.space_membership_sync(user=youth)
    for staff in (w.peer, w.clinician):
        for space in (cafe, topic):
            permissions.space_staff_assign(space=space, user=staff)
    return w


_clock = itertools.count(1)


@pytest.fixture
def make_post() -> Callable[..., Post]:
    """Create a post or comment through the services and, by default, publish it.

    Each call is 60 s after the last on the limits' clock, so rate limits stay out of the way.
    """

    def make(
        author: User,
        space: Space | None = None,
        body: str | None = None,
        *,
        parent: Post | None = None,
        publish: bool = True,
        **extra: Any,
    ) -> Post:
        n = next(_clock)
        now = timezone.now() - dt.timedelta(days=20) + dt.timedelta(seconds=60 * n)
        text = body if body is not None else f"Opslag nummer {n}"
        if parent is not None:
            post = services.comment_create(author=author, parent=parent, body=text, now=now)
        else:
            assert space is not None
            post = services.post_create(author=author, space=space, body=text, now=now, **extra)
        if publish:
            services.post_publish(post=post)
        post.refresh_from_db()
        return post

    return make


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run this directory's browser tests after everything else.

    The session-scoped Playwright browser (tests/conftest.py) keeps an event loop running in
    the main thread, so pytest-asyncio cannot run an async test that comes after it.
    """
    here = str(Path(__file__).parent)
    browser = [i for i in items if str(i.path).startswith(here) and i.get_closest_marker("browser")]
    if browser:
        rest = [i for i in items if i not in browser]
        items[:] = rest + browser
