"""HTML views beyond permissions: the feed's query count does not grow with the posts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community import services

pytestmark = pytest.mark.django_db


def _add(world, make_post, n: int) -> None:
    for _ in range(n):
        post = make_post(world.member, world.cafe)
        make_post(world.member2, parent=post)
        services.reaction_toggle(user=world.member2, post=post, kind="thanks")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_space_page_query_count_is_flat(world, make_post):
    client = Client()
    client.force_login(world.member2)
    url = reverse("community:space", args=[world.cafe.pk])
    _add(world, make_post, 3)
    few = _queries(client, url)
    _add(world, make_post, 12)
    assert _queries(client, url) == few


def test_post_page_shows_comments_and_counts(world, make_post):
    post = make_post(world.member, world.cafe, body="Hovedopslag")
    make_post(world.member2, parent=post, body="Et svar")
    services.reaction_toggle(user=world.member2, post=post, kind="thanks")
    client = Client()
    client.force_login(world.member)
    page = client.get(reverse("community:post", args=[post.pk])).content.decode()
    assert "Hovedopslag" in page
    assert "Et svar" in page
    assert 'data-count-for="thanks">1<' in page


def test_comment_url_redirects_to_its_post(world, make_post):
    post = make_post(world.member, world.cafe)
    comment = make_post(world.member2, parent=post)
    client = Client()
    client.force_login(world.member)
    response = client.get(reverse("community:post", args=[comment.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/opslag/{post.pk}/#post-{comment.pk}")
