"""The issue's security list, over every id-taking care URL: a clinician whose link ended, and
every stranger, gets a 404, leaves exactly one refused audit row and sees no data; consent
withdrawn while a page is open refuses the next request to every scoped section; an expired
session reaches no view and leaves no row; the message socket audits refused staff too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.urls import reverse

from accounts.models import AccessLog, CareLink, User
from care import services
from config.routing import websocket_urlpatterns
from tests.care.test_care_matrix import YOUTH_ID_VIEWS
from toolkit import services as toolkit_services

SECRET_NOTE = "HEMMELIG-NOTE-7731"
SCOPED_SECTIONS = ["journeys", "reflections", "checkins", "toolkit", "posts"]


def _url(name: str, youth_id: int, section: str | None) -> str:
    return reverse(name, args=[youth_id] if section is None else [youth_id, section])


def _request(client: Client, method: str, url: str) -> Any:
    return client.get(url) if method == "get" else client.post(url, {})


@pytest.fixture
def youth_with_data(youth: User) -> User:
    toolkit_services.checkin_save(youth=youth, mood=4, note=SECRET_NOTE)
    return youth


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_clinician_whose_link_ended_gets_404_one_row_and_no_data(
    client: Client,
    youth_with_data: User,
    clinician: User,
    link: CareLink,
    make_flag: Any,
    name: str,
    section: str | None,
    method: str,
) -> None:
    make_flag(youth_with_data)  # an open flag: break-glass would otherwise be on offer
    services.link_end(link=link, youth=youth_with_data)
    client.force_login(clinician)
    before = AccessLog.objects.count()
    response = _request(client, method, _url(name, youth_with_data.pk, section))
    assert response.status_code == 404
    body = response.content.decode()
    assert youth_with_data.username not in body and SECRET_NOTE not in body
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.staff_id, r.youth_id, r.granted) for r in rows] == [
        (clinician.pk, youth_with_data.pk, False)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["same_clinic_clinician", "other_clinic_clinician", "peer"])
@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_strangers_never_see_the_youths_data(
    client: Client,
    youth_with_data: User,
    link: CareLink,
    request: pytest.FixtureRequest,
    who: str,
    name: str,
    section: str | None,
    method: str,
) -> None:
    stranger: User = request.getfixturevalue(who)
    client.force_login(stranger)
    response = _request(client, method, _url(name, youth_with_data.pk, section))
    assert response.status_code == 404
    body = response.content.decode()
    assert youth_with_data.username not in body and SECRET_NOTE not in body


@pytest.mark.django_db
@pytest.mark.parametrize("section", SCOPED_SECTIONS)
def test_consent_withdrawn_while_open_refuses_each_section_next_time(
    client: Client, youth_with_data: User, clinician: User, link: CareLink, section: str
) -> None:
    client.force_login(clinician)
    url = reverse("care:youth_section", args=[youth_with_data.pk, section])
    assert client.get(url).status_code == 200
    youth_client = Client()
    youth_client.force_login(youth_with_data)
    others = [s for s in SCOPED_SECTIONS if s != section]
    youth_client.post(reverse("care:link_scopes", args=[link.pk]), {"scopes": others})
    before = AccessLog.objects.count()
    response = client.get(url)
    assert response.status_code == 404
    assert SECRET_NOTE not in response.content.decode()
    rows = list(AccessLog.objects.order_by("pk")[before:])
    assert [(r.what, r.granted) for r in rows] == [(section, False)]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "section", "method"), YOUTH_ID_VIEWS)
def test_expired_session_reaches_no_view_and_leaves_no_row(
    client: Client,
    youth_with_data: User,
    clinician: User,
    link: CareLink,
    name: str,
    section: str | None,
    method: str,
) -> None:
    client.force_login(clinician)
    session = client.session
    session.set_expiry(dt.timedelta(seconds=-1))
    session.save()
    before = AccessLog.objects.count()
    response = _request(client, method, _url(name, youth_with_data.pk, section))
    assert response.status_code == 302
    assert "/konto/log-ind/" in response["Location"]
    assert AccessLog.objects.count() == before


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("who", ["same_clinic_clinician", "other_clinic_clinician", "ended"])
async def test_refused_staff_socket_leaves_one_refused_row(
    youth: User,
    clinician: User,
    same_clinic_clinician: User,
    other_clinic_clinician: User,
    link: CareLink,
    who: str,
) -> None:
    viewer = {
        "same_clinic_clinician": same_clinic_clinician,
        "other_clinic_clinician": other_clinic_clinician,
        "ended": clinician,
    }[who]
    if who == "ended":
        await database_sync_to_async(services.link_end)(link=link, youth=youth)
    before = await AccessLog.objects.acount()
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        f"/ws/care/{link.pk}/",
    )
    communicator.scope["user"] = viewer
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()
    rows = [row async for row in AccessLog.objects.order_by("pk")[before:]]
    assert [(r.staff_id, r.youth_id, r.what, r.granted, r.object_ref) for r in rows] == [
        (viewer.pk, youth.pk, "messages", False, f"link:{link.pk}")
    ]


@pytest.mark.django_db(transaction=True)
async def test_accepted_socket_adds_no_row_and_a_youth_probe_none(
    youth: User, other_youth: User, clinician: User, link: CareLink
) -> None:
    before = await AccessLog.objects.acount()
    for user, expect in ((clinician, True), (other_youth, False)):
        communicator = WebsocketCommunicator(
            URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
            f"/ws/care/{link.pk}/",
        )
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected is expect
        await communicator.disconnect()
    assert await AccessLog.objects.acount() == before


@pytest.mark.django_db(transaction=True)
async def test_youths_message_shown_live_leaves_one_row_per_message(
    youth: User, clinician: User, link: CareLink
) -> None:
    from care.models import MessageStatus

    clinician_socket = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        f"/ws/care/{link.pk}/",
    )
    clinician_socket.scope["user"] = clinician
    youth_socket = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        f"/ws/care/{link.pk}/",
    )
    youth_socket.scope["user"] = youth
    assert (await clinician_socket.connect())[0] and (await youth_socket.connect())[0]
    before = await AccessLog.objects.acount()
    message = await database_sync_to_async(services.message_send)(
        link=link, sender=youth, body="Må jeg spørge om noget?"
    )
    await youth_socket.receive_json_from(timeout=2)  # the youth's own pending copy: no row
    await database_sync_to_async(services.message_status_set)(
        message=message, status=MessageStatus.PUBLISHED
    )
    await clinician_socket.receive_json_from(timeout=2)
    await youth_socket.receive_json_from(timeout=2)
    await database_sync_to_async(services.message_send)(link=link, sender=clinician, body="Ja")
    await clinician_socket.receive_json_from(timeout=2)  # their own message: no row
    await youth_socket.receive_json_from(timeout=2)
    rows = [row async for row in AccessLog.objects.order_by("pk")[before:]]
    assert [(r.staff_id, r.youth_id, r.what, r.object_ref, r.granted) for r in rows] == [
        (clinician.pk, youth.pk, "messages", f"message:{message.pk}", True)
    ]
    await clinician_socket.disconnect()
    await youth_socket.disconnect()
