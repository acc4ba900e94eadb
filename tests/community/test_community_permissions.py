"""Permission matrix for every community view and API endpoint (the socket is in the consumer
tests): anonymous, a youth of another age band, a member, a peer worker, a clinician, and a
clinician not assigned to the space. A refused write changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from community import permissions
from community.models import Post, Reaction, Report, TalkItOut

pytestmark = pytest.mark.django_db

READERS = ["member", "peer", "clinician"]
DENIED = ["other_band", "outsider_clinician"]
ALL = ["anonymous", *DENIED, *READERS]


def _client(world, case: str) -> Client:
    client = Client()
    if case != "anonymous":
        client.force_login(getattr(world, case))
    return client


def _expected_read_status(case: str) -> int:
    if case == "anonymous":
        return 302
    return 200 if case in READERS else 404


@pytest.fixture
def published(world, make_post):
    return make_post(world.member2, world.cafe, body="Et synligt opslag")


@pytest.mark.parametrize("_case", ALL)
@pytest.mark.parametrize("view", ["space", "post", "report", "api_events"])
def test_read_matrix(world, published, _case, view):
    urls = {
        "space": reverse("community:space", args=[world.cafe.pk]),
        "post": reverse("community:post", args=[published.pk]),
        "report": reverse("community:report", args=[published.pk]),
        "api_events": reverse("community:api_space_events", args=[world.cafe.pk]),
    }
    response = _client(world, _case).get(urls[view])
    expected = _expected_read_status(_case)
    if view.startswith("api") and _case == "anonymous":
        expected = 403
    assert response.status_code == expected
    if expected != 200:
        assert b"Et synligt opslag" not in response.content


@pytest.mark.parametrize("_case", ALL)
def test_space_list_shows_only_readable_spaces(world, _case):
    response = _client(world, _case).get(reverse("community:spaces"))
    if _case == "anonymous":
        assert response.status_code == 302
        return
    assert response.status_code == 200
    shown = {s.pk for s in response.context["spaces"]}
    if _case == "other_band":
        assert shown == {world.young_cafe.pk}
    elif _case == "outsider_clinician":
        assert shown == set()
    else:
        assert shown == {world.cafe.pk, world.topic.pk}


@pytest.mark.parametrize("_case", ALL)
def test_post_create_matrix(world, _case):
    response = _client(world, _case).post(
        reverse("community:space", args=[world.cafe.pk]), {"body": "Nyt opslag"}
    )
    created = Post.objects.filter(body="Nyt opslag").exists()
    if _case == "member" or _case in ("peer", "clinician"):
        assert response.status_code == 302
        assert created
    else:
        assert response.status_code in (302 if _case == "anonymous" else 404,)
        assert not created


@pytest.mark.parametrize("_case", ALL)
def test_api_post_create_matrix(world, _case):
    response = _client(world, _case).post(
        reverse("community:api_post_create", args=[world.cafe.pk]),
        data=json.dumps({"body": "Fra API"}),
        content_type="application/json",
    )
    created = Post.objects.filter(body="Fra API").exists()
    if _case in READERS:
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
        assert created
    else:
        assert response.status_code == (403 if _case == "anonymous" else 404)
        assert not created


@pytest.mark.parametrize("_case", ALL)
def test_comment_matrix(world, published, _case):
    response = _client(world, _case).post(
        reverse("community:post", args=[published.pk]), {"body": "Et svar"}
    )
    comment = Post.objects.filter(body="Et svar").first()
    if _case in READERS:
        assert response.status_code == 302
        assert comment is not None
        # staff replies are published at once and marked; youth comments wait for screening
        assert comment.is_staff_reply == (_case != "member")
    else:
        assert comment is None
        assert response.status_code == (302 if _case == "anonymous" else 404)


@pytest.mark.parametrize("_case", ALL)
@pytest.mark.parametrize("api", [False, True])
def test_reaction_matrix(world, published, _case, api):
    client = _client(world, _case)
    if api:
        response = client.post(
            reverse("community:api_reaction_toggle", args=[published.pk]),
            data=json.dumps({"kind": "thinking"}),
            content_type="application/json",
        )
    else:
        response = client.post(
            reverse("community:reaction", args=[published.pk]), {"kind": "thinking"}
        )
    if _case in READERS:
        assert response.status_code == (200 if api else 302)
        assert Reaction.objects.count() == 1
    else:
        assert Reaction.objects.count() == 0
        expected = 404
        if _case == "anonymous":
            expected = 403 if api else 302
        assert response.status_code == expected


@pytest.mark.parametrize("_case", ALL)
def test_report_matrix(world, published, _case):
    response = _client(world, _case).post(
        reverse("community:report", args=[published.pk]), {"category": "worried", "note": ""}
    )
    if _case in READERS:
        assert response.status_code == 302
        assert Report.objects.count() == 1
    else:
        assert Report.objects.count() == 0


@pytest.mark.parametrize("_case", [*ALL, "author"])
def test_edit_and_delete_only_by_author(world, published, _case):
    client = Client()
    if _case == "author":
        client.force_login(world.member2)
    elif _case != "anonymous":
        client.force_login(getattr(world, _case))
    edit = client.post(reverse("community:post_edit", args=[published.pk]), {"body": "ændret"})
    published.refresh_from_db()
    if _case == "author":
        assert edit.status_code == 302
        assert published.body == "ændret"
        assert published.status == Post.Status.PENDING
    else:
        assert published.body == "Et synligt opslag"
        assert edit.status_code in (302, 404) if _case == "anonymous" else edit.status_code == 404
    delete = client.post(reverse("community:post_delete", args=[published.pk]))
    published.refresh_from_db()
    assert (published.status == Post.Status.REMOVED) == (_case == "author")
    if _case != "author":
        assert delete.status_code == (302 if _case == "anonymous" else 404)


@pytest.mark.parametrize("_case", [*ALL])
def test_moderator_remove_matrix(world, published, _case):
    response = _client(world, _case).post(
        reverse("community:post_remove", args=[published.pk]), {"reason": "regelbrud"}
    )
    published.refresh_from_db()
    if _case in ("peer", "clinician"):
        assert response.status_code == 302
        assert published.status == Post.Status.REMOVED
    else:
        assert published.status == Post.Status.PUBLISHED
        assert response.status_code == (302 if _case == "anonymous" else 404)


@pytest.mark.parametrize("_case", ALL)
def test_talk_frame_and_close_matrix(world, make_post, _case):
    post = make_post(world.member, world.cafe, body="Et problem", kind="talk_it_out")
    client = _client(world, _case)
    client.post(reverse("community:talk_frame", args=[post.pk]), {"framing": "Rammen"})
    client.post(reverse("community:talk_close", args=[post.pk]), {"summary": "Opsummering"})
    talk = TalkItOut.objects.get(post=post)
    if _case in ("peer", "clinician"):
        assert talk.status == TalkItOut.Status.CLOSED
    else:
        assert talk.framing == ""
        assert talk.status == TalkItOut.Status.OPEN


def test_csrf_is_enforced_on_api_writes(world, published):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.member)
    response = client.post(
        reverse("community:api_reaction_toggle", args=[published.pk]),
        data=json.dumps({"kind": "thinking"}),
        content_type="application/json",
    )
    assert response.status_code == 403
    assert Reaction.objects.count() == 0
    create = client.post(
        reverse("community:api_post_create", args=[world.cafe.pk]),
        data=json.dumps({"body": "uden csrf"}),
        content_type="application/json",
    )
    assert create.status_code == 403
    assert not Post.objects.filter(body="uden csrf").exists()


def test_birthday_moves_youth_to_the_next_band(world, make_user):
    import datetime as dt

    youth = make_user(age=17)
    permissions.space_membership_sync(user=youth)
    assert not permissions.can_read_space(youth, world.cafe)
    assert permissions.can_read_space(youth, world.young_cafe)
    later = dt.date(youth.birth_year + 18, youth.birth_month, 28) + dt.timedelta(days=5)
    # on the day after the birthday month the band check closes the old band at once ...
    assert permissions.age_band_for(youth, today=later) == "18-25"
    permissions.space_membership_sync(user=youth, today=later)
    from guardian.shortcuts import get_objects_for_user

    held: set[Any] = set(
        get_objects_for_user(youth, "community.view_space", accept_global_perms=False)
    )
    # ... and the sync grants the new band and revokes the old one
    assert held == {world.cafe, world.topic}


def test_youth_outside_band_cannot_read_even_with_a_stale_grant(world):
    from guardian.shortcuts import assign_perm

    assign_perm("view_space", world.other_band, world.cafe)
    assign_perm("post_in_space", world.other_band, world.cafe)
    assert not permissions.can_read_space(world.other_band, world.cafe)
    assert world.cafe not in permissions.readable_spaces(world.other_band)
