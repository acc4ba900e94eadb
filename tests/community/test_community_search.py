"""Search in closed Talk it out threads: Danish full-text search on PostgreSQL, a substring
fallback elsewhere. Only closed, published threads in the viewer's spaces are found."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from community import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def talks(world, make_post):
    closed = make_post(
        world.member, world.cafe, body="Jeg skændes med min lillebror", kind="talk_it_out"
    )
    services.talk_frame(post=closed, actor=world.peer, framing="Hvordan stopper man skænderier?")
    services.talk_close(post=closed, actor=world.peer, summary="Tag en pause og tal bagefter")
    still_open = make_post(
        world.member2, world.cafe, body="Skænderier om lektier", kind="talk_it_out"
    )
    services.talk_frame(post=still_open, actor=world.peer, framing="Lektier")
    other_band = make_post(
        world.other_band, world.young_cafe, body="Skænderier derhjemme", kind="talk_it_out"
    )
    return {"closed": closed, "open": still_open, "other_band": other_band}


def test_search_finds_closed_threads_only(world, talks):
    results = selectors.talk_search(viewer=world.member2, query="pause")
    assert [t.post_id for t in results] == [talks["closed"].pk]
    assert selectors.talk_search(viewer=world.member2, query="lektier") == []


def test_search_respects_spaces(world, talks):
    assert selectors.talk_search(viewer=world.other_band, query="pause") == []
    assert selectors.talk_search(viewer=world.outsider_clinician, query="pause") == []


def test_empty_query_lists_recent_closed(world, talks):
    assert [t.post_id for t in selectors.talk_search(viewer=world.member, query="")] == [
        talks["closed"].pk
    ]


def test_search_page(world, talks):
    client = Client()
    client.force_login(world.member2)
    page = client.get(reverse("community:talk_search"), {"q": "pause"}).content.decode()
    assert "Tag en pause og tal bagefter" in page


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite fallback")
def test_fallback_matches_every_word_case_insensitively(world, talks):
    assert len(selectors.talk_search(viewer=world.member, query="LILLEBROR pause")) == 1
    assert selectors.talk_search(viewer=world.member, query="lillebror kat") == []


@pytest.mark.postgres
def test_postgres_danish_full_text_search_stems(world, talks):
    assert connection.vendor == "postgresql"
    # "skænderi" is stemmed by the Danish configuration and finds "skænderier" in the framing
    assert [t.post_id for t in selectors.talk_search(viewer=world.member, query="skænderi")] == [
        talks["closed"].pk
    ]
    # websearch syntax: a phrase and an exclusion
    assert selectors.talk_search(viewer=world.member, query='"tal bagefter" -lillebror') == []
