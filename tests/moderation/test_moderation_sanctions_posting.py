"""Muted and suspended youths may not write in the community while the sanction lasts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from community.models import Post
from moderation.models import Flag, Sanction, Tier
from moderation.services.sanctions import sanction_impose, sanctions_lift_expired

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(youth: Any, space: Any) -> Any:
    from community.permissions import space_membership_sync

    youth.date_joined = timezone.now() - dt.timedelta(days=30)  # past the new-user limits
    youth.save(update_fields=["date_joined"])
    space_membership_sync(user=youth)
    return youth


@pytest.mark.parametrize(
    ("kind", "words"),
    [("mute", "Du har en pause fra at skrive"), ("suspend", "Din konto er sat på pause")],
)
def test_a_muted_or_suspended_youth_cannot_post_comment_or_edit(
    member: Any, space: Any, clinician: Any, pending_post: Any, screen: Any, kind: str, words: str
) -> None:
    earlier = pending_post("et opslag fra før")
    screen(earlier)
    Post.objects.filter(pk=earlier.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    sanction = sanction_impose(
        user=member, kind=kind, reason="gentagne krænkelser", actor=clinician
    )
    for write in (
        lambda: community_services.post_create(author=member, space=space, body="nyt opslag"),
        lambda: community_services.comment_create(author=member, parent=earlier, body="et svar"),
        lambda: community_services.post_edit(post=earlier, editor=member, body="rettet"),
    ):
        with pytest.raises(community_services.CommunityError) as refused:
            write()
        message = str(refused.value.message)
        assert refused.value.code == "restricted"
        assert words in message and "Livslinien" in message and "70 201 201" in message
        until = timezone.localtime(sanction.ends_at)
        assert f"kl. {until:%H:%M}" in message  # says until when, not only "no"
    assert Post.objects.filter(author=member).count() == 1  # nothing new was saved

    # when the sanction ends, they can write again (and the post is screened as usual)
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now())
    assert sanctions_lift_expired() == 1  # the tick's job; a suspension also reactivates
    member.refresh_from_db()
    post = community_services.post_create(author=member, space=space, body="jeg er tilbage")
    assert post.status == Post.Status.PENDING


def test_a_mute_that_has_ended_no_longer_blocks(member: Any, space: Any, clinician: Any) -> None:
    sanction = sanction_impose(user=member, kind="mute", reason="grimt sprog", actor=clinician)
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=timezone.now() - dt.timedelta(minutes=1))
    community_services.post_create(author=member, space=space, body="igen")


def test_premoderation_still_lets_them_post_but_a_person_reads_it_first(
    member: Any, space: Any, clinician: Any, fake_scorer: Any, screen: Any
) -> None:
    sanction_impose(user=member, kind="premoderation", reason="tjek først", actor=clinician)
    post = community_services.post_create(author=member, space=space, body="en stille dag")
    screen(post)
    assert post.status == Post.Status.HELD
    assert Flag.objects.get(subject_id=post.pk).tier == Tier.REVIEW


def test_the_feed_shows_the_refusal_and_keeps_nothing(
    member: Any, space: Any, clinician: Any
) -> None:
    sanction_impose(user=member, kind="mute", reason="grimt sprog", actor=clinician)
    client = Client()
    client.force_login(member)
    response = client.post(reverse("community:space", args=[space.pk]), {"body": "må jeg skrive?"})
    assert response.status_code == 400
    assert "Du har en pause fra at skrive" in response.content.decode()
    assert not Post.objects.filter(author=member).exists()
