"""Sequence and resync: the event log is gap-free, and events applied to a stale client state
equal a fresh fetch (Zulip's test of its event system)."""

from __future__ import annotations

import copy
import random

import pytest
from django.test import Client
from django.urls import reverse

from community import selectors, services
from community.events import client_state_apply
from community.models import Post, SpaceEvent

pytestmark = pytest.mark.django_db


def _state_from_api(client: Client, space_id: int, state: dict, after_seq: int, limit: int) -> int:
    """Page through GET events like community.js does; returns the last seq applied."""
    while True:
        url = reverse("community:api_space_events", args=[space_id])
        body = client.get(url, {"after_seq": after_seq, "limit": limit}).json()
        for frame in body["events"]:
            assert frame["seq"] == after_seq + 1, "pages must be gap-free and in order"
            client_state_apply(state, frame)
            after_seq = frame["seq"]
        if not body["has_more"]:
            return after_seq


def _random_activity(world, make_post, rng: random.Random, steps: int) -> None:
    youths = [world.member, world.member2]
    for _ in range(steps):
        live = list(Post.objects.filter(space=world.cafe, status=Post.Status.PUBLISHED))
        tops = [p for p in live if p.parent_id is None]
        action = rng.choice(
            [
                "post",
                "post",
                "comment",
                "react",
                "react",
                "edit",
                "hold",
                "release",
                "remove",
                "talk",
                "delete",
            ]
        )
        if action == "post" or not tops:
            make_post(rng.choice(youths), world.cafe, publish=rng.random() > 0.2)
        elif action == "comment":
            parent = rng.choice(tops)
            if parent.kind == Post.Kind.POST:  # closed or unframed talks refuse replies
                make_post(rng.choice(youths), parent=parent, publish=rng.random() > 0.2)
        elif action == "react":
            services.reaction_toggle(
                user=rng.choice(youths),
                post=rng.choice(live),
                kind=rng.choice(["thinking", "thanks"]),
            )
        elif action == "edit":
            post = rng.choice(live)
            services.post_edit(post=post, editor=post.author, body=f"rettet {rng.random()}")
            if rng.random() > 0.3:
                services.post_publish(post=post)
        elif action == "hold":
            services.post_hide(post=rng.choice(live), actor=world.peer, reason="kig")
        elif action == "release":
            held = Post.objects.filter(space=world.cafe, status=Post.Status.HELD).first()
            if held:
                services.post_release(post=held, actor=world.clinician)
        elif action == "remove":
            services.post_remove(post=rng.choice(live), actor=world.peer, reason="regel")
        elif action == "delete":
            post = rng.choice(live)
            services.post_delete_by_author(post=post, author=post.author)
        elif action == "talk":
            talk = make_post(rng.choice(youths), world.cafe, kind="talk_it_out")
            services.talk_frame(post=talk, actor=world.peer, framing="Hvad kan man gøre?")
            if rng.random() > 0.5:
                services.talk_close(post=talk, actor=world.clinician, summary="Gode idéer")


@pytest.mark.parametrize("seed", range(6))
def test_stale_state_plus_events_equals_fresh_fetch(world, make_post, seed):
    rng = random.Random(seed)
    client = Client()
    client.force_login(world.member)
    _random_activity(world, make_post, rng, steps=15)
    # a client loads the page now ...
    stale: dict = {"posts": {}}
    seen = _state_from_api(client, world.cafe.pk, stale, after_seq=0, limit=7)
    assert stale == selectors.space_client_state(space_id=world.cafe.pk)
    snapshot = copy.deepcopy(stale)
    # ... goes offline while a lot happens ...
    _random_activity(world, make_post, rng, steps=25)
    # ... and resyncs from its last seen seq, in small pages
    _state_from_api(client, world.cafe.pk, snapshot, after_seq=seen, limit=3)
    fresh = selectors.space_client_state(space_id=world.cafe.pk)
    assert snapshot == fresh
    # and a brand-new client replaying the whole log agrees too
    replay: dict = {"posts": {}}
    _state_from_api(client, world.cafe.pk, replay, after_seq=0, limit=500)
    assert replay == fresh


def test_seq_is_gap_free_and_matches_space_counter(world, make_post):
    _random_activity(world, make_post, random.Random(42), steps=30)
    seqs = list(SpaceEvent.objects.filter(space=world.cafe).values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    world.cafe.refresh_from_db()
    assert world.cafe.last_seq == len(seqs)


def test_duplicate_frames_are_ignored_by_seq(world, make_post):
    make_post(world.member, world.cafe)
    frames, _ = selectors.space_events_after(space_id=world.cafe.pk, after_seq=0)
    state: dict = {"posts": {}}
    for frame in frames + frames:  # a push and a resync that overlap
        client_state_apply(state, dict(frame))
    assert state == selectors.space_client_state(space_id=world.cafe.pk)


def test_events_page_reports_has_more(world, make_post):
    for _ in range(5):
        make_post(world.member, world.cafe)
    client = Client()
    client.force_login(world.member2)
    url = reverse("community:api_space_events", args=[world.cafe.pk])
    body = client.get(url, {"after_seq": 0, "limit": 2}).json()
    assert [e["seq"] for e in body["events"]] == [1, 2]
    assert body["has_more"] is True
    assert body["last_seq"] == 2
    body = client.get(url, {"after_seq": 4, "limit": 2}).json()
    assert [e["seq"] for e in body["events"]] == [5]
    assert body["has_more"] is False
    assert client.get(url, {"after_seq": "x"}).status_code == 400


def test_every_frame_carries_space_and_seq(world, make_post):
    post = make_post(world.member, world.cafe)
    services.reaction_toggle(user=world.member2, post=post, kind="thinking")
    services.post_remove(post=post, actor=world.peer, reason="x")
    frames, _ = selectors.space_events_after(space_id=world.cafe.pk, after_seq=0)
    assert frames
    for frame in frames:
        assert frame["space"] == world.cafe.pk
        assert isinstance(frame["seq"], int)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_publishers_get_distinct_gap_free_seqs(world, make_post):
    """Several threads publishing at once: the Space row lock keeps seq unique and gap-free."""
    import threading

    from django.db import connection

    posts = [make_post(world.member, world.cafe, publish=False) for _ in range(20)]
    errors: list[BaseException] = []

    def worker(chunk: list[Post]) -> None:
        try:
            for post in chunk:
                services.post_publish(post=post)
        except BaseException as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(posts[i::4],)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = sorted(SpaceEvent.objects.filter(space=world.cafe).values_list("seq", flat=True))
    assert seqs == list(range(1, 21))
