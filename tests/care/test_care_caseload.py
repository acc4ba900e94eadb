"""The caseload: needs-attention order, filters, hidden scopes, pagination, query count."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from care.selectors import caseload_for_clinician
from toolkit import services as toolkit_services

pytestmark = pytest.mark.django_db


def _moods(youth: User, earlier: int, recent: int) -> None:
    today = timezone.localdate()
    for days_ago in range(13, -1, -1):
        mood = recent if days_ago <= 6 else earlier
        toolkit_services.checkin_save(youth=youth, mood=mood, day=today - dt.timedelta(days_ago))


def test_needs_attention_order(
    clinician: User, make_user: Any, make_link: Any, make_flag: Any, clinic: Any
) -> None:
    calm, silent, falling, flagged = (
        make_user("youth", clinic, username=n)
        for n in ("a_calm", "b_silent", "c_falling", "d_flagged")
    )
    for y in (calm, silent, falling, flagged):
        make_link(y, clinician)
    recent_login = timezone.now() - dt.timedelta(days=1)
    User.objects.filter(pk__in=[calm.pk, falling.pk, flagged.pk]).update(last_login=recent_login)
    User.objects.filter(pk=silent.pk).update(last_login=timezone.now() - dt.timedelta(days=20))
    _moods(calm, 6, 6)
    _moods(falling, 7, 3)
    make_flag(flagged, "elevated")
    make_flag(calm, "crisis", resolved=True, days_ago=3)
    rows = caseload_for_clinician(clinician=clinician)
    assert [r.handle for r in rows] == ["d_flagged", "c_falling", "b_silent", "a_calm"]
    by_handle = {r.handle: r for r in rows}
    assert by_handle["c_falling"].trend == "falling"
    assert by_handle["a_calm"].flags_by_tier == {"crisis": 1}
    assert by_handle["a_calm"].open_flags == 0
    assert by_handle["d_flagged"].open_flags == 1
    assert not by_handle["a_calm"].needs_attention


def test_hidden_scopes_show_nothing_and_do_not_steer_the_sort(
    clinician: User, make_user: Any, make_link: Any, clinic: Any
) -> None:
    quiet = make_user("youth", clinic, username="quiet")
    make_link(quiet, clinician, [])  # shares nothing
    _moods(quiet, 8, 2)
    row = caseload_for_clinician(clinician=clinician)[0]
    assert (row.last_active, row.mood_recent, row.trend, row.journeys_in_progress) == (
        None,
        None,
        None,
        None,
    )
    assert not row.silent and not row.needs_attention


def test_filters_and_pagination(
    client: Any, clinician: User, make_user: Any, make_link: Any, make_flag: Any, clinic: Any
) -> None:
    youths = [make_user("youth", clinic, username=f"ung{i:02d}") for i in range(30)]
    for y in youths:
        make_link(y, clinician)
    make_flag(youths[3], "crisis")
    make_flag(youths[4], "elevated", resolved=True)
    client.force_login(clinician)
    page = client.get(reverse("care:caseload")).context["page"]
    assert page.paginator.count == 30 and len(page) == 25
    assert page[0].handle == "ung03"
    crisis = client.get(reverse("care:caseload") + "?tier=crisis").context["page"]
    assert [r.handle for r in crisis] == ["ung03"]
    elevated = client.get(reverse("care:caseload") + "?tier=elevated").context["page"]
    assert [r.handle for r in elevated] == ["ung04"]
    search = client.get(reverse("care:caseload") + "?q=ung1").context["page"]
    assert len(search) == 10
    attention = client.get(reverse("care:caseload") + "?attention=1").context["page"]
    # never logged in counts as silent for youths who share activity: all 30 need attention
    assert attention.paginator.count == 30
    second = client.get(reverse("care:caseload") + "?side=2").context["page"]
    assert len(second) == 5


def _queries_for_page(client: Any) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("care:caseload")).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_the_caseload(
    client: Any, clinician: User, make_user: Any, make_link: Any, make_flag: Any, clinic: Any
) -> None:
    def add(n: int) -> None:
        for _ in range(n):
            y = make_user("youth", clinic)
            make_link(y, clinician)
            make_flag(y, "elevated")
            toolkit_services.checkin_save(youth=y, mood=5)

    client.force_login(clinician)
    add(10)
    small = _queries_for_page(client)
    add(40)
    large = _queries_for_page(client)
    assert small == large
    assert large <= 15
