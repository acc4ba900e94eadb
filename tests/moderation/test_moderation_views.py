"""Moderation pages and the live socket: access per role, actions over HTTP, resync."""

from __future__ import annotations

from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.urls import reverse

from ml import RiskLevel
from moderation.models import Flag

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis_flag(fake_scorer: Any, pending_post: Any, screen: Any) -> Flag:
    body = "jeg <b>tager</b> mit liv i aften"
    post = pending_post(body)
    fake_scorer.set(body, RiskLevel.CRISIS, "suicide")
    screen(post)
    return Flag.objects.get(subject_id=post.pk)


@pytest.mark.parametrize(
    ("role_case", "status"),
    [("anonymous", 302), ("youth", 403), ("peer_worker", 200), ("clinician", 200)],
)
def test_dashboard_access(
    client: Any, make_user: Any, space: Any, role_case: str, status: int
) -> None:
    if role_case != "anonymous":
        client.force_login(make_user(role_case))
    assert client.get(reverse("moderation:dashboard")).status_code == status


def test_clinician_sees_the_crisis_card_with_evidence_escaped(
    client: Any, clinician: Any, crisis_flag: Flag
) -> None:
    client.force_login(clinician)
    page = client.get(reverse("moderation:dashboard")).content.decode()
    assert "<mark>jeg &lt;</mark>b&gt;tager" in page
    assert "<b>tager</b>" not in page


@pytest.mark.parametrize(("role_case", "status"), [("youth", 404), ("peer_worker", 200)])
def test_flag_page_access(
    client: Any, make_user: Any, crisis_flag: Flag, role_case: str, status: int
) -> None:
    client.force_login(make_user(role_case))
    assert client.get(reverse("moderation:flag", args=[crisis_flag.pk])).status_code == status


def test_peer_worker_cannot_release_a_crisis_flag_over_http(
    client: Any, peer: Any, crisis_flag: Flag
) -> None:
    client.force_login(peer)
    client.post(
        reverse("moderation:flag_action", args=[crisis_flag.pk]),
        {"action": "release", "reason": "ok"},
    )
    crisis_flag.refresh_from_db()
    assert crisis_flag.status == "open"


def test_clinician_claims_and_resolves_over_http_and_history_shows_it(
    client: Any, clinician: Any, crisis_flag: Flag
) -> None:
    client.force_login(clinician)
    url = reverse("moderation:flag_action", args=[crisis_flag.pk])
    client.post(url, {"action": "claim"})
    client.post(url, {"action": "clinical_note", "reason": "ringet til den unge"})
    client.post(url, {"action": "remove", "reason": "metodebeskrivelse"})
    crisis_flag.refresh_from_db()
    assert crisis_flag.resolution == "removed"
    history = client.get(reverse("moderation:flag_history", args=[crisis_flag.pk])).content.decode()
    for text in ("Åbnet", "Taget", "ringet til den unge", "Fjernet", "metodebeskrivelse"):
        assert text in history


def test_resync_returns_events_after_seq_and_refuses_foreign_queues(
    client: Any, clinician: Any, crisis_flag: Flag
) -> None:
    from moderation.events import queue_name

    client.force_login(clinician)
    queue = queue_name(crisis_flag.clinic_id, "clinical")
    body = client.get(reverse("moderation:queue_events"), {"queue": queue, "after_seq": 0}).json()
    assert [e["flag_id"] for e in body["events"]] == [crisis_flag.pk]
    foreign = queue_name(crisis_flag.clinic_id, "peer")
    assert client.get(reverse("moderation:queue_events"), {"queue": foreign}).status_code == 403


def test_kpis_page(client: Any, clinician: Any, crisis_flag: Flag) -> None:
    client.force_login(clinician)
    assert client.get(reverse("moderation:kpis")).status_code == 200


def test_youth_sees_messages_and_can_appeal(client: Any, youth: Any, peer: Any) -> None:
    from moderation.services.sanctions import sanction_impose

    sanction = sanction_impose(user=youth, kind="mute", reason="for mange opslag", actor=peer)
    client.force_login(youth)
    assert "for mange opslag" in client.get(reverse("moderation:mine")).content.decode()
    client.post(reverse("moderation:mine"), {"sanction": sanction.pk, "body": "det var ikke mig"})
    sanction.refresh_from_db()
    assert sanction.appeal.body == "det var ikke mig"


@pytest.mark.django_db(transaction=True)
async def test_socket_pushes_a_new_flag_to_clinicians_only(
    fake_scorer: Any,
    pending_post: Any,
    screen: Any,
    clinician: Any,
    peer: Any,
    youth: Any,
    moderation_socket: Any,
) -> None:
    from asgiref.sync import sync_to_async

    async def connect(user: Any) -> WebsocketCommunicator:
        communicator = moderation_socket(user)
        connected, _ = await communicator.connect()
        assert connected
        assert (await communicator.receive_json_from())["type"] == "hello"
        return communicator

    refused = moderation_socket(youth)
    connected, _ = await refused.connect()
    assert not connected

    clinical = await connect(clinician)
    peers = await connect(peer)

    def make_crisis() -> int:
        body = "jeg tager mit liv i aften"
        post = pending_post(body)
        fake_scorer.set(body, RiskLevel.CRISIS)
        screen(post)
        return Flag.objects.get(subject_id=post.pk).pk

    flag_id = await sync_to_async(make_crisis)()
    frame = await clinical.receive_json_from(timeout=3)
    assert (frame["type"], frame["flag_id"], frame["seq"], frame["tier"]) == (
        "flag.changed",
        flag_id,
        1,
        "crisis",
    )
    assert await peers.receive_nothing(timeout=0.3)
    await clinical.disconnect()
    await peers.disconnect()


@pytest.mark.django_db(transaction=True)
async def test_every_open_dashboard_of_a_clinician_gets_the_flag_and_the_page(
    fake_scorer: Any, pending_post: Any, screen: Any, clinician: Any, moderation_socket: Any
) -> None:
    """Frames reach each socket through the process fan-out, pre-serialised, in order."""
    from asgiref.sync import sync_to_async

    sockets = []
    for _ in range(3):  # three tabs of the same clinician
        communicator = moderation_socket(clinician)
        connected, _ = await communicator.connect()
        assert connected
        assert (await communicator.receive_json_from())["type"] == "hello"
        sockets.append(communicator)

    def make_crisis() -> int:
        body = "jeg har skrevet et afskedsbrev"
        post = pending_post(body)
        fake_scorer.set(body, RiskLevel.CRISIS)
        screen(post)
        return Flag.objects.get(subject_id=post.pk).pk

    flag_id = await sync_to_async(make_crisis)()
    for communicator in sockets:
        frames = [await communicator.receive_json_from(timeout=3) for _ in range(2)]
        kinds = {(f["type"], f["flag_id"]) for f in frames}
        # the queue's "opened" frame and the on-call page (no rota: the clinic's clinicians)
        assert kinds == {("flag.changed", flag_id), ("moderation.alert", flag_id)}
        assert await communicator.receive_nothing(timeout=0.2)
        await communicator.disconnect()
