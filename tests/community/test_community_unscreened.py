"""The rule: unscreened or held text never reaches peers, on any page or API response.
(Socket frames: test_community_consumers.py.) The author sees their own text with a kind line."""

from __future__ import annotations

from typing import Any, cast

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from community import services

pytestmark = pytest.mark.django_db

SECRET = "HEMMELIGT-UTJEKKET"


@pytest.fixture
def hidden_texts(world, make_post):
    """One of each way text can be hidden from peers, all carrying SECRET."""
    visible = make_post(world.member, world.cafe, body="Et synligt opslag")
    pending = make_post(world.member, world.cafe, body=f"{SECRET} pending", publish=False)
    held = make_post(world.member, world.cafe, body=f"{SECRET} held", publish=False)
    services.post_hold(post=held)
    pending_comment = make_post(
        world.member, parent=visible, body=f"{SECRET} comment", publish=False
    )
    edited = make_post(world.member, world.cafe, body="Før rettelsen")
    services.post_edit(post=edited, editor=world.member, body=f"{SECRET} edit")
    hidden = make_post(world.member, world.cafe, body=f"{SECRET} hidden")
    services.post_hide(post=hidden, actor=world.peer, reason="kig")
    removed = make_post(world.member, world.cafe, body=f"{SECRET} removed")
    services.post_remove(post=removed, actor=world.peer, reason="regel")
    talk = make_post(
        world.member, world.cafe, body=f"{SECRET} talk", kind="talk_it_out", publish=False
    )
    return {
        "visible": visible,
        "pending": pending,
        "held": held,
        "pending_comment": pending_comment,
        "edited": edited,
        "hidden": hidden,
        "removed": removed,
        "talk": talk,
    }


def _urls(world, texts) -> list[str]:
    urls = [
        reverse("community:spaces"),
        reverse("community:space", args=[world.cafe.pk]),
        reverse("community:api_space_events", args=[world.cafe.pk]) + "?after_seq=0&limit=500",
        reverse("community:talk_search") + "?q=HEMMELIGT",
        reverse("community:my_reports"),
    ]
    for post in texts.values():
        urls += [
            reverse("community:post", args=[post.pk]),
            reverse("community:report", args=[post.pk]),
        ]
    return urls


@pytest.mark.parametrize("_case", ["member2", "peer", "clinician", "other_band"])
def test_peers_and_staff_never_see_hidden_text(world, hidden_texts, _case):
    client = Client()
    client.force_login(getattr(world, _case))
    for url in _urls(world, hidden_texts):
        response = client.get(url, follow=True)
        assert SECRET not in response.content.decode(), url
    # the visible post is there for readers
    if _case != "other_band":
        page = client.get(reverse("community:space", args=[world.cafe.pk])).content.decode()
        assert "Et synligt opslag" in page


def test_api_events_never_carry_withdrawn_text(world, hidden_texts):
    client = Client()
    client.force_login(world.member2)
    body = client.get(
        reverse("community:api_space_events", args=[world.cafe.pk]), {"after_seq": 0}
    ).content.decode()
    assert SECRET not in body
    assert "Før rettelsen" not in body  # the edited post's old text was redacted too


def test_author_sees_own_pending_and_held_with_a_kind_line(world, hidden_texts):
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("community:space", args=[world.cafe.pk])).content.decode()
    assert f"{SECRET} pending" in page
    assert "Bliver tjekket" in page
    assert f"{SECRET} held" in page
    assert "En voksen fra Sammen læser dit opslag" in page
    crisis_lines = cast(list[dict[str, Any]], settings.CRISIS_LINES)
    assert str(crisis_lines[0]["number"]) in page
    assert f"{SECRET} removed" not in page
    for word in ("score", "risiko", "probability"):
        assert word not in page.lower()
    held_page = client.get(reverse("community:post", args=[hidden_texts["held"].pk]))
    assert held_page.status_code == 200
    assert "En voksen fra Sammen læser dit opslag" in held_page.content.decode()


def test_author_sees_own_pending_comment(world, hidden_texts):
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("community:post", args=[hidden_texts["visible"].pk])).content.decode()
    assert f"{SECRET} comment" in page
    assert "Bliver tjekket" in page


def test_hidden_topics_are_left_out_of_the_feed(world, make_post):
    make_post(world.member2, world.cafe, body="Om sorg", content_warning_topic="grief")
    make_post(world.member2, world.cafe, body="Om skole")
    client = Client()
    client.force_login(world.member)
    assert client.post(reverse("community:themes"), {"hidden_topics": ["grief"]}).status_code == 302
    page = client.get(reverse("community:space", args=[world.cafe.pk])).content.decode()
    assert "Om sorg" not in page
    assert "Om skole" in page
    # another reader still sees it, behind the content warning
    other = Client()
    other.force_login(world.peer)
    page = other.get(reverse("community:space", args=[world.cafe.pk])).content.decode()
    assert "Om sorg" in page
    assert "Indholdsadvarsel" in page


def test_reporter_sees_outcome_but_not_staff_note(world, make_post):
    post = make_post(world.member2, world.cafe)
    report = services.report_create(reporter=world.member, post=post, category="unkind")
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("community:my_reports")).content.decode()
    assert "kigger på det" in page
    services.report_resolve(report=report, outcome="removed", note="INTERN-NOTE", actor=world.peer)
    page = client.get(reverse("community:my_reports")).content.decode()
    assert "Opslaget er fjernet" in page
    assert "INTERN-NOTE" not in page


def test_script_in_post_is_escaped_on_the_page(world, make_post):
    make_post(world.member2, world.cafe, body='<script>alert("x")</script> https://a.dk')
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("community:space", args=[world.cafe.pk])).content.decode()
    assert '<script>alert("x")' not in page
    assert "&lt;script&gt;" in page
    assert 'rel="nofollow noopener ugc"' in page
