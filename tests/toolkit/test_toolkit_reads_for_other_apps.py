"""Reads other apps call: scores for the clinician workspace, and the GDPR export."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from accounts.models import CareLink
from toolkit import permissions, selectors, services

pytestmark = pytest.mark.django_db


def test_youth_shares_scope_follows_the_link(youth, clinician, link, make_user):
    assert permissions.youth_shares_scope(
        clinician=clinician, youth_id=youth.pk, scope=CareLink.Scope.TOOLKIT
    )
    assert not permissions.youth_shares_scope(
        clinician=clinician, youth_id=youth.pk, scope=CareLink.Scope.CHECKINS
    )
    other = make_user("kliniker_x", "clinician")
    assert not permissions.youth_shares_scope(
        clinician=other, youth_id=youth.pk, scope=CareLink.Scope.TOOLKIT
    )
    link.ended_at = timezone.now()
    link.save()
    assert not permissions.youth_shares_scope(
        clinician=clinician, youth_id=youth.pk, scope=CareLink.Scope.TOOLKIT
    )


def test_series_and_use_summary(youth):
    today = timezone.localdate()
    services.checkin_save(youth=youth, mood=4, note="privat", day=today - dt.timedelta(days=1))
    services.checkin_save(youth=youth, mood=6, day=today)
    series = selectors.checkin_series(youth=youth, since=today - dt.timedelta(days=7), until=today)
    assert [row["mood"] for row in series] == [4, 6]
    assert "privat" not in json.dumps(series, cls=DjangoJSONEncoder)
    strategy = services.strategy_create_own(youth=youth, title="Gå", steps=["gå"], language="da")
    use = services.strategy_use_start(strategy=strategy, mood_before=2)
    services.strategy_use_finish(use=use, mood_after=5)
    services.strategy_use_start(strategy=strategy, mood_before=3)
    now = timezone.now()
    summary = selectors.strategy_use_summary(
        youth=youth, since=now - dt.timedelta(days=1), until=now
    )
    assert summary == [
        {
            "strategy_id": strategy.pk,
            "title": "Gå",
            "source": "own",
            "uses": 2,
            "average_change": 3.0,
        }
    ]


def test_export_holds_everything_of_the_youth_and_nothing_of_others(youth, make_user):
    other = make_user("ung_anden")
    for owner, word in ((youth, "min-tekst"), (other, "andens-tekst")):
        services.strategy_create_own(youth=owner, title=word, steps=[word], language="da")
        services.safety_plan_section_save(youth=owner, section="helpers", items=[word])
        services.checkin_save(youth=owner, mood=5, word=word[:30])
        services.who5_submit(youth=owner, timepoint="baseline", answers=[3, 3, 3, 3, 3])
    exported = json.dumps(selectors.toolkit_export_for_youth(youth=youth), cls=DjangoJSONEncoder)
    assert exported.count("min-tekst") >= 5
    assert "andens-tekst" not in exported
    data = json.loads(exported)
    assert data["safety_plan"]["version"] == 1 and data["who5"][0]["raw_score"] == 15
