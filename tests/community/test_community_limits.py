"""Limits: rate, first day, duplicates, lengths. A refused request loses nothing already typed."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community import services
from community.limits import LimitError
from community.models import Post

pytestmark = pytest.mark.django_db


def test_five_seconds_between_posts(world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        services.post_create(author=world.member, space=world.cafe, body="første")
        clock.shift(dt.timedelta(seconds=4))
        with pytest.raises(LimitError) as refused:
            services.post_create(author=world.member, space=world.cafe, body="anden")
        assert refused.value.code == "too_fast"
        assert refused.value.retry_after is not None
        clock.shift(dt.timedelta(seconds=2))
        services.post_create(author=world.member, space=world.cafe, body="anden")
    assert Post.objects.filter(author=world.member).count() == 2


def test_new_account_waits_thirty_seconds(world, make_user):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        newcomer = make_user(age=19, new=True)
        from community import permissions

        permissions.space_membership_sync(user=newcomer)
        services.post_create(author=newcomer, space=world.cafe, body="hej")
        clock.shift(dt.timedelta(seconds=20))
        with pytest.raises(LimitError):
            services.post_create(author=newcomer, space=world.cafe, body="igen")
        clock.shift(dt.timedelta(seconds=11))
        services.post_create(author=newcomer, space=world.cafe, body="igen")


def test_first_day_caps_threads_and_replies(world, make_user, make_post):
    from community import permissions

    with time_machine.travel(timezone.now(), tick=False) as clock:
        newcomer = make_user(age=19, new=True)
        permissions.space_membership_sync(user=newcomer)
        for n in range(3):
            services.post_create(author=newcomer, space=world.cafe, body=f"tråd {n}")
            clock.shift(dt.timedelta(seconds=31))
        with pytest.raises(LimitError) as refused:
            services.post_create(author=newcomer, space=world.cafe, body="tråd 4")
        assert refused.value.code == "first_day_threads"
        parent = Post.objects.filter(author=newcomer).first()
        assert parent is not None
        services.post_publish(post=parent)
        for n in range(10):
            services.comment_create(author=newcomer, parent=parent, body=f"svar {n}")
            clock.shift(dt.timedelta(seconds=31))
        with pytest.raises(LimitError) as refused:
            services.comment_create(author=newcomer, parent=parent, body="svar 11")
        assert refused.value.code == "first_day_replies"
        # a day later the caps are gone
        clock.shift(dt.timedelta(hours=24))
        services.post_create(author=newcomer, space=world.cafe, body="tråd 4")


def test_duplicate_body_within_a_day_is_refused(world):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        services.post_create(author=world.member, space=world.cafe, body="Hej alle sammen")
        clock.shift(dt.timedelta(minutes=5))
        with pytest.raises(LimitError) as refused:
            services.post_create(
                author=world.member, space=world.topic, body="  hej ALLE\u200b sammen "
            )
        assert refused.value.code == "duplicate"
        clock.shift(dt.timedelta(hours=25))
        services.post_create(author=world.member, space=world.cafe, body="Hej alle sammen")


def test_duplicate_by_another_author_is_fine(world):
    with time_machine.travel(timezone.now(), tick=False):
        services.post_create(author=world.member, space=world.cafe, body="Godmorgen")
        services.post_create(author=world.member2, space=world.cafe, body="Godmorgen")


def test_lengths(world, make_post):
    services.post_create(author=world.member, space=world.cafe, body="x" * 5000)
    with pytest.raises(LimitError):
        services.post_create(author=world.member2, space=world.cafe, body="x" * 5001)
    parent = make_post(world.member2, world.topic)
    with pytest.raises(LimitError):
        services.comment_create(author=world.member2, parent=parent, body="y" * 2001)
    with pytest.raises(LimitError):
        services.post_create(author=world.member2, space=world.cafe, body="   ")


def test_fifty_kilobyte_body_is_refused_and_the_form_keeps_the_text(world):
    client = Client()
    client.force_login(world.member)
    body = ("Det her er min lange tekst. " * 2000)[:50_000]
    response = client.post(reverse("community:space", args=[world.cafe.pk]), {"body": body})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Der er plads til 5000 tegn" in content
    assert "Din tekst er ikke væk" in content
    assert body[:200] in content  # the textarea holds the text again
    assert not Post.objects.exists()


def test_rate_limited_form_keeps_text_and_says_why(world):
    client = Client()
    client.force_login(world.member)
    url = reverse("community:space", args=[world.cafe.pk])
    with time_machine.travel(timezone.now(), tick=False):
        assert client.post(url, {"body": "første opslag"}).status_code == 302
        response = client.post(url, {"body": "andet opslag med tekst"})
    assert response.status_code == 429
    content = response.content.decode()
    assert "Vent lige" in content
    assert "andet opslag med tekst" in content
    assert Post.objects.count() == 1


def test_api_rate_limit_answers_429_with_retry_after(world):
    client = Client()
    client.force_login(world.member)
    url = reverse("community:api_post_create", args=[world.cafe.pk])
    with time_machine.travel(timezone.now(), tick=False):
        first = client.post(url, json.dumps({"body": "a"}), content_type="application/json")
        second = client.post(url, json.dumps({"body": "b"}), content_type="application/json")
    assert first.status_code == 201
    assert second.status_code == 429
    assert second.json()["error"] == "too_fast"
    assert int(second["Retry-After"]) >= 1


def test_api_rejects_oversized_json(world):
    client = Client()
    client.force_login(world.member)
    url = reverse("community:api_post_create", args=[world.cafe.pk])
    response = client.post(url, json.dumps({"body": "x" * 70_000}), content_type="application/json")
    assert response.status_code == 400
    assert not Post.objects.exists()
