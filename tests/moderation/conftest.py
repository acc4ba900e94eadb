"""Moderation fixtures: a controllable scorer, staff with queue grants, and pending posts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest
from django.utils import timezone

from ml import Evidence, RiskLevel, RiskScore, RiskScoringError

PASSWORD = "a-long-test-password"


class FakeScorer:
    """Scores by exact text (default NONE); `fail` makes every batch raise like a broken model."""

    model_version = "fake-1"

    def __init__(self) -> None:
        self.levels: dict[str, RiskLevel] = {}
        self.categories: dict[str, tuple[str, ...]] = {}
        self.fail: bool = False
        self.batches: list[list[str]] = []

    def set(self, text: str, level: RiskLevel, *categories: str) -> None:
        self.levels[text] = level
        self.categories[text] = categories

    def score_batch(self, texts: Sequence[str]) -> list[RiskScore]:
        self.batches.append(list(texts))
        if self.fail:
            raise RiskScoringError("fake model failure")
        scores = []
        for text in texts:
            level = self.levels.get(text, RiskLevel.NONE)
            evidence = (Evidence(0, min(len(text), 5), 0.9),) if level else ()
            scores.append(
                RiskScore(
                    level,
                    0.9 if level else 0.05,
                    self.categories.get(text, ()),
                    evidence,
                    self.model_version,
                )
            )
        return scores


@pytest.fixture
def fake_scorer(install_scorer: Callable[[Any], Any]) -> FakeScorer:
    return cast(FakeScorer, install_scorer(FakeScorer()))


@pytest.fixture
def clinic(db: None) -> Any:
    from accounts.models import Clinic

    return Clinic.objects.create(name="Testklinik", slug="testklinik")


@pytest.fixture
def space(clinic: Any) -> Any:
    from community.services import space_create

    return space_create(name="Caféen", slug="cafe-15", kind="cafe", age_band="15-17", clinic=clinic)


@pytest.fixture
def make_user(clinic: Any) -> Callable[..., Any]:
    from accounts.models import ClinicMembership, Role, User
    from moderation import permissions

    counter = {"n": 0}

    def make(
        role: str = Role.YOUTH, *, grant: bool = True, age: int | None = None, **extra: Any
    ) -> Any:
        counter["n"] += 1
        today = timezone.localdate()
        if role == Role.YOUTH and age is None:
            age = 16
        user = User.objects.create_user(
            username=f"{role[:6]}_{counter['n']}",
            password=PASSWORD,
            role=role,
            birth_year=today.year - age - 1 if age else None,
            birth_month=1 if age else None,
            **extra,
        )
        ClinicMembership.objects.create(clinic=clinic, user=user)
        if role != Role.YOUTH and grant:
            permissions.queue_grant(user, clinic)
            from community.models import Space
            from community.permissions import space_staff_assign

            for space in Space.objects.filter(clinic=clinic):
                space_staff_assign(space=space, user=user)
        return user

    return make


@pytest.fixture
def youth(make_user: Callable[..., Any]) -> Any:
    return make_user("youth")


@pytest.fixture
def peer(make_user: Callable[..., Any], space: Any) -> Any:
    return make_user("peer_worker")


@pytest.fixture
def clinician(make_user: Callable[..., Any], space: Any) -> Any:
    return make_user("clinician")


@pytest.fixture
def pending_post(space: Any, youth: Any) -> Callable[..., Any]:
    """A post saved PENDING as community's post_create leaves it (screening not yet run)."""
    from community.models import Post

    def make(
        body: str = "en helt almindelig dag", *, author: Any = None, age_seconds: int = 0
    ) -> Any:
        now = timezone.now() - dt.timedelta(seconds=age_seconds)
        return Post.objects.create(
            space=space,
            author=author or youth,
            body=body,
            status=Post.Status.PENDING,
            created_at=now,
            pending_since=now,
        )

    return make


@pytest.fixture
def screen() -> Callable[[Any], Any]:
    from moderation.services.screening import screening_run

    def run(post: Any) -> Any:
        assessment = screening_run(subject_type="post", subject_id=post.pk)
        post.refresh_from_db()
        return assessment

    return run


@pytest.fixture
def moderation_socket() -> Callable[[Any], Any]:
    """Build a WebsocketCommunicator for /ws/moderation/ authenticated as `user`."""
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from moderation.routing import websocket_urlpatterns

    def make(user: Any) -> WebsocketCommunicator:
        router = URLRouter(cast(Any, websocket_urlpatterns))
        communicator = WebsocketCommunicator(router, "/ws/moderation/")
        cast(dict[str, Any], communicator.scope)["user"] = user
        return communicator

    return make
