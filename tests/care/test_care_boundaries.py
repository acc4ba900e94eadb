"""The public surfaces care reads through: each app's bulk reads (moderation's included) cost one
query for any number of youths, and each app erases and exports only its own user's data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, User
from community import erasure as community_erasure
from community import services as community_services
from journeys import erasure as journey_erasure
from journeys import selectors as journey_selectors
from moderation import selectors as moderation_selectors
from toolkit import erasure as toolkit_erasure
from toolkit import selectors as toolkit_selectors
from toolkit import services as toolkit_services

pytestmark = pytest.mark.django_db


def test_bulk_reads_are_one_query_each_for_any_number_of_youths(
    make_user: Callable[..., User], clinic: Any
) -> None:
    youths = [make_user(Role.YOUTH, clinic) for _ in range(6)]
    for youth in youths:
        toolkit_services.checkin_save(youth=youth, mood=5)
    ids = User.objects.filter(pk__in=[y.pk for y in youths]).values("pk")
    reads: list[Callable[[], dict[int, Any]]] = [
        lambda: toolkit_selectors.checkin_trends_for_youths(youth_ids=ids),
        lambda: toolkit_selectors.checkin_outcomes_for_youths(youth_ids=ids),
        lambda: toolkit_selectors.who5_outcomes_for_youths(youth_ids=ids),
        lambda: journey_selectors.journey_counts_for_youths(youth_ids=ids),
        lambda: moderation_selectors.flag_counts_by_youth(youth_ids=ids, since=timezone.now()),
        lambda: moderation_selectors.flag_tier_counts_for(youth_ids=ids),
    ]
    for read in reads:
        with CaptureQueriesContext(connection) as queries:
            result = read()
        assert len(queries) == 1
        assert set(result) <= {y.pk for y in youths}
    trends = toolkit_selectors.checkin_trends_for_youths(youth_ids=ids)
    assert {trends[y.pk]["recent"] for y in youths} == {5}
    outcomes = toolkit_selectors.checkin_outcomes_for_youths(youth_ids=ids)
    assert all(outcomes[y.pk] == {"count": 1, "first": 5, "last": 5} for y in youths)


def test_moderation_reads_for_care_count_the_window_and_open_flags(
    make_user: Callable[..., User], clinic: Any, make_flag: Callable[..., Any]
) -> None:
    """Flags per tier in the window, open flags of any age, the newest open one, per youth."""
    a, b, quiet = (make_user(Role.YOUTH, clinic) for _ in range(3))
    make_flag(a, "crisis", days_ago=1)
    make_flag(a, "crisis", days_ago=2, resolved=True)
    old_open = make_flag(a, "elevated", days_ago=40)
    make_flag(b, "elevated", days_ago=40, resolved=True)
    newest = make_flag(b, "review", days_ago=3)
    ids = User.objects.filter(pk__in=[a.pk, b.pk, quiet.pk]).values("pk")
    since = timezone.now() - dt.timedelta(days=30)

    counts = moderation_selectors.flag_counts_by_youth(youth_ids=ids, since=since)

    assert set(counts) == {a.pk, b.pk}
    assert counts[a.pk]["by_tier"] == {"crisis": 2}
    assert counts[a.pk]["open"] == 2
    assert counts[a.pk]["newest_open"] > old_open.opened_at
    assert counts[b.pk] == {"by_tier": {"review": 1}, "open": 1, "newest_open": newest.opened_at}
    assert moderation_selectors.flag_tier_counts_for(youth_ids=ids) == {
        a.pk: {"crisis": 2, "elevated": 1},
        b.pk: {"elevated": 1, "review": 1},
    }
    assert moderation_selectors.open_risk_flag_exists(youth_id=a.pk)
    assert not moderation_selectors.open_risk_flag_exists(youth_id=b.pk)  # review is no risk
    assert not moderation_selectors.open_risk_flag_exists(youth_id=quiet.pk)


def test_each_app_erases_only_its_own_users_data(
    youth: User, other_youth: User, make_post: Callable[..., Any]
) -> None:
    for who, tag in ((youth, "MIN"), (other_youth, "DERES")):
        toolkit_services.checkin_save(youth=who, mood=4, note=f"{tag}-note")
        toolkit_services.strategy_create_own(
            youth=who, title=f"{tag}-s", steps=["a"], language="da"
        )
    community_services.theme_filter_set(user=youth, hidden_topics=["grief"])
    assert community_erasure.export_user_data(user=youth)["hidden_topics"] == ["grief"]
    kept = make_post(youth, "MIN-beholdt")
    emptied = make_post(youth, "MIN-tømt")
    theirs = make_post(other_youth, "DERES-indlæg")

    counts = toolkit_erasure.erase_user_data(user=youth)
    assert counts["checkins"] == 1 and counts["strategies"] >= 1
    assert toolkit_erasure.export_user_data(user=youth)["checkins"] == []
    assert toolkit_erasure.export_user_data(user=other_youth)["checkins"][0]["note"] == "DERES-note"

    journey_erasure.erase_user_data(user=youth)
    assert journey_erasure.export_user_data(user=youth)["reflections"] == []

    community_erasure.erase_user_data(user=youth, keep_text_of=[kept.pk])
    kept.refresh_from_db()
    emptied.refresh_from_db()
    theirs.refresh_from_db()
    assert kept.body == "MIN-beholdt"
    assert emptied.body == ""
    assert theirs.body == "DERES-indlæg"
    assert community_erasure.export_user_data(user=youth)["hidden_topics"] == []
    exported = community_erasure.export_user_data(user=other_youth)
    assert [p["body"] for p in exported["posts"]] == ["DERES-indlæg"]
