"""SLA timers and the ladder, with a controllable clock (time-machine); reconcile; the sweep."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from ml import RiskLevel
from moderation.models import Flag, FlagEvent, RotaShift
from moderation.services import escalation
from moderation.services import flags as flag_services

pytestmark = pytest.mark.django_db
CPH = zoneinfo.ZoneInfo("Europe/Copenhagen")


def _flag(fake_scorer: Any, pending_post: Any, screen: Any, level: RiskLevel, body: str) -> Flag:
    post = pending_post(body)
    fake_scorer.set(body, level)
    screen(post)
    return Flag.objects.get(subject_id=post.pk)


def test_an_unclaimed_elevated_flag_climbs_the_ladder(
    fake_scorer: Any,
    pending_post: Any,
    screen: Any,
    clinician: Any,
    make_user: Any,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    on_call = make_user("clinician", email="bagvagt@example.org")
    start = timezone.now()
    RotaShift.objects.create(
        clinic_id=clinician.clinic_memberships.get().clinic_id,
        clinician=on_call,
        duty="on_call",
        starts_at=start - dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=12),
    )
    with time_machine.travel(start, tick=False) as clock:
        flag = _flag(fake_scorer, pending_post, screen, RiskLevel.ELEVATED, "jeg skader mig")
        clock.shift(dt.timedelta(minutes=29))
        assert escalation.flags_escalate_overdue() == 0
        clock.shift(dt.timedelta(minutes=2))  # past the 30-minute SLA
        with django_capture_on_commit_callbacks(execute=True):
            assert escalation.flags_escalate_overdue() == 1
        flag.refresh_from_db()
        assert (flag.status, flag.escalation_level) == ("escalated", 1)
        paged = flag.events.filter(kind=FlagEvent.Kind.PAGED).latest("id")
        assert paged.after["rung"] == "duty_clinician"
        clock.shift(dt.timedelta(minutes=6))  # the duty clinician did not act either
        with django_capture_on_commit_callbacks(execute=True):
            assert escalation.flags_escalate_overdue() == 1
        flag.refresh_from_db()
        assert flag.escalation_level == 2
        assert flag.events.filter(kind=FlagEvent.Kind.PAGED).latest("id").after["user_ids"] == [
            on_call.pk
        ]
        assert "bagvagt@example.org" in mailoutbox[-1].to


def test_a_crisis_flag_escalates_after_five_minutes(
    fake_scorer: Any, pending_post: Any, screen: Any, clinician: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        flag = _flag(fake_scorer, pending_post, screen, RiskLevel.CRISIS, "jeg tager mit liv")
        clock.shift(dt.timedelta(minutes=4, seconds=59))
        assert escalation.flags_escalate_overdue() == 0
        clock.shift(dt.timedelta(seconds=2))
        assert escalation.flags_escalate_overdue() == 1
        flag.refresh_from_db()
        assert flag.escalation_level == 2


def test_a_lapsed_claim_returns_to_the_queue(
    fake_scorer: Any, pending_post: Any, screen: Any, peer: Any
) -> None:
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        flag = _flag(fake_scorer, pending_post, screen, RiskLevel.ELEVATED, "jeg skader mig")
        flag_services.flag_claim(flag=flag, actor=peer)
        clock.shift(dt.timedelta(minutes=11))
        assert escalation.claims_expire() == 1
        flag.refresh_from_db()
        assert (flag.status, flag.claimed_by_id) == ("open", None)
        assert flag.events.latest("id").kind == FlagEvent.Kind.CLAIM_EXPIRED


def test_staffed_hours(clinic: Any) -> None:
    from moderation.models import StaffedHours

    StaffedHours.objects.create(
        clinic=clinic, weekday=0, opens_at=dt.time(9), closes_at=dt.time(17)
    )
    monday_noon = dt.datetime(2026, 11, 23, 12, 0, tzinfo=CPH)
    monday_night = dt.datetime(2026, 11, 23, 22, 0, tzinfo=CPH)
    assert escalation.clinic_is_staffed(clinic.pk, monday_noon)
    assert not escalation.clinic_is_staffed(clinic.pk, monday_night)


def test_reconcile_is_clean_after_screening_and_flags_a_straggler(
    fake_scorer: Any, pending_post: Any, screen: Any, capsys: Any
) -> None:
    screen(pending_post("i dag var en god dag"))
    _flag(fake_scorer, pending_post, screen, RiskLevel.ELEVATED, "jeg skader mig")
    call_command("reconcile")  # exits 0
    pending_post("venter stadig", age_seconds=600)
    with pytest.raises(SystemExit) as exit_info:
        call_command("reconcile")
    assert exit_info.value.code == 1
    assert "pending_past_sweep" in capsys.readouterr().out


def test_the_sweep_rescreens_stragglers(fake_scorer: Any, pending_post: Any) -> None:
    from community.models import Post

    post = pending_post("glemt i køen", age_seconds=600)
    call_command("screen_pending", "--older-than", "120")  # dry run
    post.refresh_from_db()
    assert post.status == Post.Status.PENDING
    call_command("screen_pending", "--older-than", "120", "--for-real")  # ImmediateBackend
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_tick_runs_every_step(fake_scorer: Any, pending_post: Any, capsys: Any) -> None:
    pending_post("glemt i køen", age_seconds=600)
    call_command("moderation_tick")
    assert "swept=1" in capsys.readouterr().out
