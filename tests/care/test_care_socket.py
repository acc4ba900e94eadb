"""The live message socket: only the two parties of an active link listen; a youth's message
reaches the clinician only once screening publishes it; receipts arrive live; an ended link, a
logout or an expired session stops the next frame."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from accounts.models import CareLink, User
from care import services
from care.models import CareMessage, MessageStatus
from config.asgi import application
from config.routing import websocket_urlpatterns
from realtime.consumers import CLOSE_POLICY

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "JEG-KAN-IKKE-MERE-HEMMELIG"


def _socket(user: Any, link_id: int) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(
        URLRouter(websocket_urlpatterns),  # type: ignore[arg-type]
        f"/ws/care/{link_id}/",
    )
    communicator.scope["user"] = user
    return communicator


async def _open(user: Any, link_id: int) -> WebsocketCommunicator:
    communicator = _socket(user, link_id)
    connected, code = await communicator.connect()
    assert connected, code
    return communicator


async def _frames(communicator: WebsocketCommunicator, quiet_for: float = 0.3) -> list[Any]:
    frames = []
    while not await communicator.receive_nothing(timeout=quiet_for):
        output = await communicator.receive_output()
        if output["type"] == "websocket.close":
            frames.append({"closed": output.get("code")})
            break
        frames.append(json.loads(output["text"]))
    return frames


async def _send(link: CareLink, sender: User, body: str) -> CareMessage:
    return await database_sync_to_async(services.message_send)(link=link, sender=sender, body=body)


async def _status(message: CareMessage, status: str) -> None:
    await database_sync_to_async(services.message_status_set)(message=message, status=status)


async def test_clinician_message_and_read_receipt_arrive_live(
    youth: User, clinician: User, link: CareLink
) -> None:
    youth_socket = await _open(youth, link.pk)
    clinician_socket = await _open(clinician, link.pk)
    message = await _send(link, clinician, "Hvordan gik ugen?")
    for communicator in (youth_socket, clinician_socket):
        frame = await communicator.receive_json_from(timeout=2)
        assert frame["type"] == "care.message"
        assert frame["message"]["id"] == message.pk
        assert frame["message"]["body"] == "Hvordan gik ugen?"
        assert frame["message"]["read_at"] is None
    await youth_socket.send_json_to({"type": "read"})
    receipt = await clinician_socket.receive_json_from(timeout=2)
    assert receipt["type"] == "care.read" and receipt["ids"] == [message.pk]
    await message.arefresh_from_db()
    assert message.read_at is not None
    assert await _frames(youth_socket) == []  # the reader gets no receipt of their own
    await youth_socket.disconnect()
    await clinician_socket.disconnect()


async def test_youth_message_reaches_the_clinician_only_when_screening_publishes_it(
    youth: User, clinician: User, link: CareLink
) -> None:
    youth_socket = await _open(youth, link.pk)
    clinician_socket = await _open(clinician, link.pk)
    message = await _send(link, youth, SECRET)
    pending = await youth_socket.receive_json_from(timeout=2)
    assert pending["message"]["status"] == MessageStatus.PENDING
    await _status(message, MessageStatus.HELD)
    held = await youth_socket.receive_json_from(timeout=2)
    assert held["message"]["status"] == MessageStatus.HELD
    assert SECRET not in json.dumps(await _frames(clinician_socket))
    await _status(message, MessageStatus.PUBLISHED)  # a moderator releases it
    released = await clinician_socket.receive_json_from(timeout=2)
    assert released["message"]["body"] == SECRET
    assert released["message"]["status"] == MessageStatus.PUBLISHED
    await _status(message, MessageStatus.REMOVED)
    for communicator in (youth_socket, clinician_socket):
        frames = await _frames(communicator)
        assert {"type": "care.message_removed", "id": message.pk} in frames
        assert SECRET not in json.dumps([f for f in frames if f["type"] != "care.message"])
    await youth_socket.disconnect()
    await clinician_socket.disconnect()


@pytest.fixture
def strangers(
    other_youth: User, same_clinic_clinician: User, other_clinic_clinician: User, peer: User
) -> dict[str, Any]:
    return {
        "other_youth": other_youth,
        "same_clinic_clinician": same_clinic_clinician,
        "other_clinic_clinician": other_clinic_clinician,
        "peer": peer,
        "anonymous": AnonymousUser(),
    }


@pytest.mark.parametrize(
    "who", ["other_youth", "same_clinic_clinician", "other_clinic_clinician", "peer", "anonymous"]
)
async def test_strangers_are_refused(who: str, link: CareLink, strangers: dict[str, Any]) -> None:
    user = strangers[who]
    communicator = _socket(user, link.pk)
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_POLICY
    await communicator.disconnect()


async def test_a_link_id_that_does_not_exist_is_refused(youth: User, link: CareLink) -> None:
    communicator = _socket(youth, link.pk + 1000)
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_POLICY
    await communicator.disconnect()


async def test_ended_link_closes_open_sockets_and_refuses_new_ones(
    youth: User, clinician: User, link: CareLink
) -> None:
    clinician_socket = await _open(clinician, link.pk)
    await database_sync_to_async(services.link_end)(link=link, youth=youth)
    assert await clinician_socket.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    communicator = _socket(clinician, link.pk)
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_POLICY
    await communicator.disconnect()
    await clinician_socket.disconnect()


async def test_link_ended_without_a_frame_is_caught_on_the_next_delivery_and_read(
    youth: User, clinician: User, link: CareLink
) -> None:
    """Even if the link-ended frame is lost (at-most-once layer), nothing more is delivered."""
    clinician_socket = await _open(clinician, link.pk)
    youth_socket = await _open(youth, link.pk)
    await CareLink.objects.filter(pk=link.pk).aupdate(ended_at=timezone.now())
    # A frame published for the clinician after the link ended (a stale publisher) is dropped.
    from care import events

    await database_sync_to_async(events.publish)(
        link_id=link.pk,
        user_ids=[clinician.pk],
        frame={"type": "care.message_removed", "id": 1},
    )
    assert await clinician_socket.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    await youth_socket.send_json_to({"type": "read"})  # a client frame is checked too
    assert await youth_socket.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    await youth_socket.disconnect()
    await clinician_socket.disconnect()


async def test_deactivated_clinician_is_refused(clinician: User, link: CareLink) -> None:
    await User.objects.filter(pk=clinician.pk).aupdate(is_active=False)
    clinician.is_active = True  # the scope's stale copy still says active; the check reads again
    communicator = _socket(clinician, link.pk)
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_POLICY
    await communicator.disconnect()


# --- Through the real ASGI stack: origin, session cookie, expiry, logout ----------------------
def _session_for(user: User) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _browser_socket(session_key: str, link_id: int, origin: bytes) -> WebsocketCommunicator:
    return WebsocketCommunicator(
        application,
        f"/ws/care/{link_id}/",
        headers=[(b"origin", origin), (b"cookie", f"sessionid={session_key}".encode())],
    )


async def test_real_session_connects_and_foreign_origin_is_refused(
    youth: User, link: CareLink
) -> None:
    key = await database_sync_to_async(_session_for)(youth)
    communicator = _browser_socket(key, link.pk, b"http://localhost")
    connected, _ = await communicator.connect()
    assert connected
    await communicator.disconnect()
    communicator = _browser_socket(key, link.pk, b"https://evil.example")
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


async def test_expired_session_is_refused(youth: User, link: CareLink) -> None:
    key = await database_sync_to_async(_session_for)(youth)
    past = timezone.now() - dt.timedelta(minutes=1)
    await Session.objects.filter(session_key=key).aupdate(expire_date=past)
    communicator = _browser_socket(key, link.pk, b"http://localhost")
    connected, code = await communicator.connect()
    assert not connected and code == CLOSE_POLICY
    await communicator.disconnect()


async def test_session_that_expires_while_open_stops_the_next_frame(
    youth: User, clinician: User, link: CareLink
) -> None:
    key = await database_sync_to_async(_session_for)(clinician)
    communicator = _browser_socket(key, link.pk, b"http://localhost")
    connected, _ = await communicator.connect()
    assert connected
    past = timezone.now() - dt.timedelta(minutes=1)
    await Session.objects.filter(session_key=key).aupdate(expire_date=past)
    await _send(link, clinician, "Ses på torsdag")
    assert await communicator.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    await communicator.disconnect()


# --- The same flow on a real Redis channel layer ----------------------------------------------
@pytest.mark.redis
async def test_frames_flow_through_redis_strangers_and_an_ended_link_are_refused(
    redis_channel_layers: Any,
    youth: User,
    clinician: User,
    other_clinic_clinician: User,
    link: CareLink,
) -> None:
    youth_socket = await _open(youth, link.pk)
    clinician_socket = await _open(clinician, link.pk)
    stranger = _socket(other_clinic_clinician, link.pk)
    connected, code = await stranger.connect()
    assert not connected and code == CLOSE_POLICY
    message = await _send(link, youth, "Tak for i dag")
    assert (await youth_socket.receive_json_from(timeout=3))["message"]["status"] == "pending"
    assert await _frames(clinician_socket, quiet_for=0.5) == []
    await _status(message, MessageStatus.PUBLISHED)
    frame = await clinician_socket.receive_json_from(timeout=3)
    assert frame["message"]["body"] == "Tak for i dag"
    await clinician_socket.send_json_to({"type": "read"})
    assert (await youth_socket.receive_json_from(timeout=3))["type"] == "care.message"
    receipt = await youth_socket.receive_json_from(timeout=3)
    assert receipt == {"type": "care.read", "ids": [message.pk], "read_at": receipt["read_at"]}
    # the youth ends the link: the clinician's socket closes and a new one is refused
    await database_sync_to_async(services.link_end)(link=link, youth=youth)
    assert await clinician_socket.receive_output(timeout=3) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    await clinician_socket.disconnect()
    again = _socket(clinician, link.pk)
    connected, code = await again.connect()
    assert not connected and code == CLOSE_POLICY
    await again.disconnect()
    await stranger.disconnect()
    await youth_socket.disconnect()


async def test_account_deletion_closes_the_clinicians_socket(
    youth: User, clinician: User, link: CareLink
) -> None:
    from care import gdpr

    clinician_socket = await _open(clinician, link.pk)
    await database_sync_to_async(gdpr.account_delete)(youth=youth)
    assert await clinician_socket.receive_output(timeout=2) == {
        "type": "websocket.close",
        "code": CLOSE_POLICY,
    }
    await clinician_socket.disconnect()
