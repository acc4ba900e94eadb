"""Messages: screened like posts through care.screening, read receipts, and staffed hours."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from accounts.models import CareLink, User
from care import screening, services
from care.models import CareMessage, MessageStatus

pytestmark = pytest.mark.django_db


def test_youth_message_is_pending_and_screening_is_requested_on_commit(
    client: Any,
    youth: User,
    link: CareLink,
    message_screening_requests: list[int],
    django_capture_on_commit_callbacks: Any,
) -> None:
    client.force_login(youth)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("care:youth_messages", args=[link.pk]), {"body": "Jeg har haft en hård uge"}
        )
    assert response.status_code == 302
    message = CareMessage.objects.get()
    assert message.status == MessageStatus.PENDING
    assert message_screening_requests == [message.pk]


def test_without_a_screening_requester_nothing_goes_unscreened(
    youth: User, link: CareLink, django_capture_on_commit_callbacks: Any
) -> None:
    screening.register_requester(None)
    with (
        pytest.raises(ImproperlyConfigured),
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.message_send(link=link, sender=youth, body="hej")


def test_clinician_sees_a_youth_message_only_once_screened_and_the_youth_gets_a_receipt(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    message = services.message_send(link=link, sender=youth, body="Kan vi tale om søvn?")
    client.force_login(clinician)
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "Kan vi tale om søvn?" not in page
    services.message_status_set(message=message, status=MessageStatus.PUBLISHED)
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "Kan vi tale om søvn?" in page
    message.refresh_from_db()
    assert message.read_at is not None
    client.force_login(youth)
    page = client.get(reverse("care:youth_messages", args=[link.pk])).content.decode()
    assert "Læst" in page


def test_held_youth_message_waits_for_release_before_the_clinician_sees_it(
    client: Any, youth: User, clinician: User, link: CareLink
) -> None:
    message = services.message_send(link=link, sender=youth, body="alt er for meget")
    services.message_status_set(message=message, status=MessageStatus.HELD)
    client.force_login(clinician)
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "alt er for meget" not in page
    message.refresh_from_db()
    assert message.read_at is None  # not shown, so not read
    client.force_login(youth)
    page = client.get(reverse("care:youth_messages", args=[link.pk])).content.decode()
    assert "alt er for meget" in page and "En person læser din besked" in page
    services.message_status_set(message=message, status=MessageStatus.PUBLISHED)  # released
    client.force_login(clinician)
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "alt er for meget" in page


def test_clinician_message_is_published_at_once_and_unread_until_opened(
    client: Any, youth: User, clinician: User, link: CareLink, message_screening_requests: list[int]
) -> None:
    client.force_login(clinician)
    client.post(reverse("care:clinician_messages", args=[youth.pk]), {"body": "Velkommen til"})
    message = CareMessage.objects.get()
    assert message.status == MessageStatus.PUBLISHED and message.read_at is None
    assert message_screening_requests == []
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "Ikke læst endnu" in page
    client.force_login(youth)
    assert (
        "Velkommen til"
        in client.get(reverse("care:youth_messages", args=[link.pk])).content.decode()
    )
    message.refresh_from_db()
    assert message.read_at is not None


def test_empty_and_oversized_messages_are_refused(youth: User, link: CareLink) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.message_send(link=link, sender=youth, body="   ")
    with pytest.raises(ValidationError):
        services.message_send(link=link, sender=youth, body="x" * 4001)


def test_markup_is_escaped(client: Any, youth: User, clinician: User, link: CareLink) -> None:
    message = services.message_send(link=link, sender=youth, body="<script>alert(1)</script>")
    services.message_status_set(message=message, status=MessageStatus.PUBLISHED)
    client.force_login(clinician)
    page = client.get(reverse("care:clinician_messages", args=[youth.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_youth_sees_the_clinics_staffed_hours(client: Any, youth: User, link: CareLink) -> None:
    from moderation.models import StaffedHours

    StaffedHours.objects.create(
        clinic=link.clinic, weekday=0, opens_at=dt.time(9), closes_at=dt.time(15, 30)
    )
    client.force_login(youth)
    page = client.get(reverse("care:youth_messages", args=[link.pk])).content.decode()
    assert "Mandag 09:00\u201315:30" in page
