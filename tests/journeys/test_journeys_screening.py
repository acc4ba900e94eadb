"""The reflection screening seam and the crisis-support frame moderation triggers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from journeys import screening, selectors, services
from journeys.models import Journey, Reflection, ScreeningStatus, Step
from journeys.routing import websocket_urlpatterns
from realtime import groups

APP = URLRouter(websocket_urlpatterns)  # type: ignore[arg-type]


def _reflection_step(content: dict[str, Journey]) -> Step:
    return Step.objects.get(journey=content["her-og-nu"], key="hvad-lagde-du-maerke-til")


@pytest.mark.django_db
def test_without_a_requester_screening_raises(
    content: dict[str, Journey], youth: User, django_capture_on_commit_callbacks: Any
) -> None:
    screening.register_requester(None)
    with (
        pytest.raises(ImproperlyConfigured, match="unscreened"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.reflection_save(youth=youth, step=_reflection_step(content), body="Hej")


@pytest.mark.django_db
def test_screening_selectors_for_moderation(content: dict[str, Journey], youth: User) -> None:
    # given one old and one fresh PENDING reflection, and one screened
    step = _reflection_step(content)
    old = services.reflection_save(youth=youth, step=step, body="gammel")
    Reflection.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - dt.timedelta(minutes=10)
    )
    other_step = Step.objects.get(journey=content["venlig-mod-dig-selv"], kind="reflection")
    fresh = services.reflection_save(youth=youth, step=other_step, body="ny")
    # then
    assert list(selectors.reflections_pending_older_than(seconds=120)) == [old]
    assert selectors.reflection_get_for_screening(reflection_id=fresh.pk) == fresh
    assert selectors.reflection_get_for_screening(reflection_id=999999) is None
    locked = selectors.reflection_lock_for_screening(reflection_id=old.pk)
    services.reflection_mark_screened(reflection=locked, crisis=False)
    assert list(selectors.reflections_pending_older_than(seconds=120)) == []


@pytest.mark.django_db
def test_mark_screened_without_crisis_sends_nothing(
    content: dict[str, Journey], youth: User, django_capture_on_commit_callbacks: Any
) -> None:
    reflection = services.reflection_save(youth=youth, step=_reflection_step(content), body="ok")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.reflection_mark_screened(reflection=reflection, crisis=False)
    reflection.refresh_from_db()
    assert reflection.screening_status == ScreeningStatus.SCREENED
    assert not reflection.crisis_support_shown
    assert callbacks == []


@pytest.mark.django_db
def test_crisis_sets_flag_and_the_page_shows_the_lines_on_reload(
    content: dict[str, Journey], youth: User, youth_client: Any
) -> None:
    step = _reflection_step(content)
    reflection = services.reflection_save(youth=youth, step=step, body="Jeg kan ikke mere")
    before = youth_client.get(reverse("journeys:reflection", args=[reflection.pk])).content
    assert b'id="journey-crisis-support" role="alert" aria-labelledby="journey-crisis-title"' in (
        before
    )
    assert b'aria-labelledby="journey-crisis-title" hidden' in before  # hidden until needed
    services.reflection_mark_screened(reflection=reflection, crisis=True)
    reflection.refresh_from_db()
    assert reflection.crisis_support_shown
    for url in (
        reverse("journeys:reflection", args=[reflection.pk]),
        reverse("journeys:step", args=["her-og-nu", step.key]),
    ):
        page = youth_client.get(url).content.decode()
        assert 'aria-labelledby="journey-crisis-title">' in page  # not hidden
        assert "70 201 201" in page


@pytest.mark.django_db(transaction=True)
async def test_crisis_frame_reaches_the_youths_open_page(
    content: dict[str, Journey], youth: User, other_youth: User
) -> None:
    from channels.db import database_sync_to_async

    # given the youth and another youth each have a journey page open
    mine = WebsocketCommunicator(APP, "/ws/journeys/")
    mine.scope["user"] = youth
    theirs = WebsocketCommunicator(APP, "/ws/journeys/")
    theirs.scope["user"] = other_youth
    assert (await mine.connect())[0]
    assert (await theirs.connect())[0]
    try:
        # when moderation marks the youth's reflection as crisis
        @database_sync_to_async
        def screen() -> int:
            step = _reflection_step(content)
            reflection = services.reflection_save(youth=youth, step=step, body="...")
            services.reflection_mark_screened(reflection=reflection, crisis=True)
            return reflection.pk

        reflection_id = await screen()
        # then only the youth's socket gets the frame, with no text and no score
        frame = await mine.receive_json_from(timeout=2)
        assert frame == {"type": "reflection.crisis_support", "reflection_id": reflection_id}
        assert await theirs.receive_nothing(timeout=0.3)
    finally:
        await mine.disconnect()
        await theirs.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_journey_socket_ignores_other_apps_user_notices(youth: User) -> None:
    socket = WebsocketCommunicator(APP, "/ws/journeys/")
    socket.scope["user"] = youth
    assert (await socket.connect())[0]
    try:
        layer = get_channel_layer()
        assert layer is not None
        await layer.group_send(groups.user(youth.pk), {"type": "user.notice", "kind": "x"})
        assert await socket.receive_nothing(timeout=0.3)
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from(timeout=2) == {"type": "pong"}
    finally:
        await socket.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_crisis_frame_does_not_break_other_sockets_in_the_user_group(youth: User) -> None:
    """The heartbeat socket shares the user group; the realtime envelope keeps it open."""
    from channels.db import database_sync_to_async

    from journeys.events import channel_message
    from realtime.routing import websocket_urlpatterns as realtime_routes

    heartbeat = WebsocketCommunicator(
        URLRouter(realtime_routes),  # type: ignore[arg-type]
        "/ws/heartbeat/",
    )
    heartbeat.scope["user"] = youth
    assert (await heartbeat.connect())[0]
    try:
        await heartbeat.receive_json_from(timeout=2)  # hello
        layer = get_channel_layer()
        assert layer is not None
        message = await database_sync_to_async(channel_message)(
            {"type": "reflection.crisis_support", "reflection_id": 1}
        )
        await layer.group_send(groups.user(youth.pk), message)
        frame = await heartbeat.receive_json_from(timeout=2)
        assert frame == {"type": "reflection.crisis_support", "reflection_id": 1}
        await heartbeat.send_json_to({"type": "ping"})
        assert await heartbeat.receive_json_from(timeout=2) == {"type": "pong"}
    finally:
        await heartbeat.disconnect()


@pytest.mark.django_db  # pytest-django runs db tests first, before the browser walkthrough
async def test_anonymous_socket_is_refused() -> None:
    from django.contrib.auth.models import AnonymousUser

    socket = WebsocketCommunicator(APP, "/ws/journeys/")
    socket.scope["user"] = AnonymousUser()
    connected, _ = await socket.connect()
    assert not connected
