"""Flag actions, the tier x role matrix, audit rows, sanctions, appeals and the live queue."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from community.models import Post
from ml import RiskLevel
from moderation.models import Flag, FlagEvent, PrivateMessage, QueueEvent, Sanction
from moderation.permissions import Action, can_act
from moderation.services import flags as flag_services
from moderation.services import sanctions

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(fake_scorer: Any, pending_post: Any, screen: Any) -> Any:
    """Make a held post with a flag of the given level; returns (post, flag)."""

    def make(level: RiskLevel = RiskLevel.ELEVATED, body: str = "jeg skader mig selv") -> Any:
        post = pending_post(body)
        fake_scorer.set(body, level, "self_harm")
        screen(post)
        return post, Flag.objects.get(subject_id=post.pk, report_id__isnull=True)

    return make


def test_claim_then_release_publishes_and_audits_each_step(flagged: Any, peer: Any) -> None:
    post, flag = flagged()
    flag_services.flag_claim(flag=flag, actor=peer)
    flag_services.flag_resolve(flag=flag, actor=peer, action=Action.RELEASE, reason="ufarligt")
    post.refresh_from_db()
    flag.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert (flag.status, flag.resolution) == ("resolved", "released")
    assert flag.first_looked_at is not None
    events = list(flag.events.values_list("kind", "actor_id", "before__status", "after__status"))
    assert events == [
        ("opened", None, None, "open"),
        ("claimed", peer.pk, "open", "claimed"),
        ("released", peer.pk, "claimed", "resolved"),
    ]
    assert flag.events.last().reason == "ufarligt"


def test_remove_requires_a_reason(flagged: Any, peer: Any) -> None:
    _, flag = flagged()
    with pytest.raises(ValidationError):
        flag_services.flag_resolve(flag=flag, actor=peer, action=Action.REMOVE, reason=" ")
    flag.refresh_from_db()
    assert flag.status == "open"


def test_remove_removes_the_post(flagged: Any, clinician: Any) -> None:
    post, flag = flagged()
    flag_services.flag_resolve(flag=flag, actor=clinician, action=Action.REMOVE, reason="metode")
    post.refresh_from_db()
    assert post.status == Post.Status.REMOVED


def test_a_claimed_flag_cannot_be_taken_by_someone_else(
    flagged: Any, peer: Any, make_user: Any
) -> None:
    _, flag = flagged()
    other = make_user("peer_worker")
    flag_services.flag_claim(flag=flag, actor=peer)
    with pytest.raises(flag_services.FlagConflict):
        flag_services.flag_resolve(flag=flag, actor=other, action=Action.RELEASE, reason="ok")


def test_resolved_flag_rejects_further_transitions(flagged: Any, peer: Any) -> None:
    _, flag = flagged()
    flag_services.flag_resolve(flag=flag, actor=peer, action=Action.RELEASE, reason="ok")
    with pytest.raises(flag_services.FlagConflict):
        flag_services.flag_claim(flag=flag, actor=peer)


def test_reply_message_note_and_feedback(flagged: Any, peer: Any, clinician: Any) -> None:
    post, flag = flagged()
    flag_services.flag_reply(flag=flag, actor=peer, body="Godt du skriver. Vi er her.")
    message = flag_services.flag_message_author(flag=flag, actor=peer, body="Hvordan går det?")
    flag_services.flag_note(flag=flag, actor=peer, body="kender personen fra før")
    flag_services.flag_feedback(flag=flag, actor=peer, agrees=True)
    assert message.recipient_id == post.author_id
    assert Post.objects.filter(parent=post, is_staff_reply=True).count() == 1
    flag.refresh_from_db()
    assert flag.model_agreed is True
    assert PrivateMessage.objects.count() == 1


def test_clinical_notes_are_hidden_from_peer_workers(
    flagged: Any, peer: Any, clinician: Any
) -> None:
    from moderation.selectors import flag_history

    _, flag = flagged()
    with pytest.raises(PermissionDenied):
        flag_services.flag_note(flag=flag, actor=peer, body="klinisk", clinical=True)
    flag_services.flag_note(flag=flag, actor=clinician, body="klinisk vurdering", clinical=True)
    assert "klinisk vurdering" in [e.reason for e in flag_history(flag, viewer=clinician)]
    assert "klinisk vurdering" not in [e.reason for e in flag_history(flag, viewer=peer)]


# --- The tier x role matrix ----------------------------------------------------------------------
MATRIX = [
    # (role, tier level, action, allowed)
    ("youth", RiskLevel.ELEVATED, Action.VIEW, False),
    ("youth", RiskLevel.CRISIS, Action.VIEW, False),
    ("peer_worker", RiskLevel.ELEVATED, Action.VIEW, True),
    ("peer_worker", RiskLevel.ELEVATED, Action.RELEASE, True),
    ("peer_worker", RiskLevel.ELEVATED, Action.RESTRICT_MUTE, True),
    ("peer_worker", RiskLevel.ELEVATED, Action.RESTRICT_SUSPEND, False),
    ("peer_worker", RiskLevel.ELEVATED, Action.CLINICAL_NOTE, False),
    ("peer_worker", RiskLevel.CRISIS, Action.VIEW, True),
    ("peer_worker", RiskLevel.CRISIS, Action.ESCALATE, True),
    ("peer_worker", RiskLevel.CRISIS, Action.CLAIM, False),
    ("peer_worker", RiskLevel.CRISIS, Action.RELEASE, False),
    ("peer_worker", RiskLevel.CRISIS, Action.REPLY, False),
    ("clinician", RiskLevel.CRISIS, Action.RELEASE, True),
    ("clinician", RiskLevel.CRISIS, Action.CLINICAL_NOTE, True),
    ("clinician", RiskLevel.ELEVATED, Action.RESTRICT_SUSPEND, True),
    ("clinic_admin", RiskLevel.CRISIS, Action.REMOVE, True),
]


@pytest.mark.parametrize(
    ("role", "level", "action", "allowed"),
    MATRIX,
    ids=[f"{r}-{lv.name.lower()}-{a}" for r, lv, a, _ in MATRIX],
)
def test_tier_role_matrix(
    flagged: Any, make_user: Any, role: str, level: RiskLevel, action: Action, allowed: bool
) -> None:
    _, flag = flagged(level)
    user = make_user(role)
    assert can_act(user, flag, action) is allowed


@pytest.mark.parametrize("role", ["peer_worker", "clinician"])
def test_staff_without_the_clinic_grant_see_nothing(
    flagged: Any, make_user: Any, role: str
) -> None:
    from django.http import Http404

    from moderation.permissions import access_flag

    _, flag = flagged()
    outsider = make_user(role, grant=False)
    with pytest.raises(Http404):
        access_flag(outsider, flag.pk)
    with pytest.raises(PermissionDenied):
        flag_services.flag_resolve(flag=flag, actor=outsider, action=Action.RELEASE, reason="x")
    flag.refresh_from_db()
    assert flag.status == "open"  # denied: nothing changed


def test_peer_worker_can_only_escalate_a_crisis_flag(flagged: Any, peer: Any) -> None:
    _, flag = flagged(RiskLevel.CRISIS, body="jeg tager mit liv i aften")
    with pytest.raises(PermissionDenied):
        flag_services.flag_resolve(flag=flag, actor=peer, action=Action.RELEASE, reason="ok")
    flag_services.flag_escalate(flag=flag, actor=peer, reason="bekymret")
    flag.refresh_from_db()
    assert (flag.status, flag.escalation_level) == ("escalated", 2)


def test_crisis_flags_are_not_in_the_peer_queue(flagged: Any, peer: Any, clinician: Any) -> None:
    from moderation.selectors import flag_queue_for

    _, crisis = flagged(RiskLevel.CRISIS, body="jeg tager mit liv i aften")
    _, elevated = flagged(RiskLevel.ELEVATED)
    assert [f.pk for f in flag_queue_for(peer)] == [elevated.pk]
    assert [f.pk for f in flag_queue_for(clinician)] == [crisis.pk, elevated.pk]


# --- Queue sequence and resync -------------------------------------------------------------------
def test_each_change_gets_the_next_sequence_number_per_queue(flagged: Any, peer: Any) -> None:
    from moderation.events import queue_events_after, queue_name

    _, flag = flagged()
    flag_services.flag_claim(flag=flag, actor=peer)
    peer_queue = queue_name(flag.clinic_id, "peer")
    frames = queue_events_after(peer_queue, 0)
    assert [f["seq"] for f in frames] == [1, 2]
    assert [f["kind"] for f in frames] == ["opened", "claimed"]
    assert queue_events_after(peer_queue, 1)[0]["seq"] == 2
    assert QueueEvent.objects.filter(queue=queue_name(flag.clinic_id, "clinical")).count() == 2


def test_crisis_events_never_reach_the_peer_queue(flagged: Any) -> None:
    from moderation.events import queue_name

    _, flag = flagged(RiskLevel.CRISIS, body="jeg tager mit liv i aften")
    assert not QueueEvent.objects.filter(queue=queue_name(flag.clinic_id, "peer")).exists()


def test_evidence_is_escaped_and_highlighted() -> None:
    from moderation.selectors import highlight_evidence

    html = highlight_evidence("<b>jeg</b> vil ikke mere", [[10, 19, 0.9], [3, 12, 0.5]])
    assert html == "&lt;b&gt;<mark>jeg&lt;/b&gt; vil ikke</mark> mere"


# --- Sanctions and appeals -----------------------------------------------------------------------
def test_sanctions_are_graduated(flagged: Any, peer: Any, youth: Any) -> None:
    _, flag = flagged()
    first = sanctions.author_restrict(flag=flag, actor=peer, kind="mute", reason="gentaget")
    second = sanctions.sanction_impose(user=youth, kind="mute", reason="igen", actor=peer)
    assert (first.step, second.step) == (1, 2)
    assert second.ends_at - second.starts_at > first.ends_at - first.starts_at
    assert flag.events.filter(kind=FlagEvent.Kind.RESTRICTED).count() == 1


def test_suspension_blocks_log_in_until_lifted(clinician: Any, youth: Any) -> None:
    sanction = sanctions.sanction_impose(
        user=youth, kind="suspend", reason="trusler", actor=clinician, hours=1
    )
    youth.refresh_from_db()
    assert youth.is_active is False
    Sanction.objects.filter(pk=sanction.pk).update(ends_at=sanction.starts_at)
    assert sanctions.sanctions_lift_expired() == 1
    youth.refresh_from_db()
    assert youth.is_active is True


def test_an_appeal_is_answered_by_a_different_moderator(
    peer: Any, make_user: Any, youth: Any
) -> None:
    sanction = sanctions.sanction_impose(user=youth, kind="mute", reason="x", actor=peer)
    appeal = sanctions.appeal_file(sanction=sanction, user=youth, body="det var en misforståelse")
    with pytest.raises(PermissionDenied):
        sanctions.appeal_decide(appeal=appeal, actor=peer, overturn=True, answer="ok")
    other = make_user("clinician")
    sanctions.appeal_decide(appeal=appeal, actor=other, overturn=True, answer="Du har ret.")
    sanction.refresh_from_db()
    assert sanction.lifted_at is not None


def test_reports_land_in_the_queue_once(
    fake_scorer: Any, pending_post: Any, screen: Any, make_user: Any, peer: Any
) -> None:
    from community.services import report_create

    post = pending_post("en helt almindelig dag")
    screen(post)
    from community.permissions import space_membership_sync

    reporter = make_user("youth")
    space_membership_sync(user=reporter)
    report = report_create(reporter=reporter, post=post, category="unkind", note="grimt sagt")
    assert flag_services.reports_ingest() == 1
    assert flag_services.reports_ingest() == 0
    flag = Flag.objects.get(report_id=report.pk)
    assert flag.tier == "report"
    flag_services.flag_resolve(flag=flag, actor=peer, action=Action.DISMISS, reason="ok")
    report.refresh_from_db()
    assert report.status == "resolved"


@pytest.fixture
def report_on(fake_scorer: Any, pending_post: Any, screen: Any, make_user: Any) -> Any:
    """A published post reported by another youth; returns (post, report)."""
    from community.permissions import space_membership_sync
    from community.services import report_create

    def make(category: str, note: str, body: str = "en helt almindelig dag") -> Any:
        post = pending_post(body)
        screen(post)
        reporter = make_user("youth")
        space_membership_sync(user=reporter)
        return post, report_create(reporter=reporter, post=post, category=category, note=note)

    return make


@pytest.mark.parametrize(
    ("category", "note", "tier"),
    [
        ("unkind", "hun er grim ved mig", "report"),
        ("spam", "reklame", "report"),
        ("worried", "jeg er bekymret for hende", "elevated"),
        ("worried", "hun skriver til mig at hun vil tage sit eget liv i nat", "crisis"),
        ("other", "han har skrevet et afskedsbrev", "crisis"),  # the rule layer raises it
    ],
)
def test_a_report_that_signals_risk_gets_the_risk_tier_and_sla(
    report_on: Any, settings: Any, category: str, note: str, tier: str
) -> None:
    _post, report = report_on(category, note)
    assert flag_services.reports_ingest() == 1
    flag = Flag.objects.get(report_id=report.pk)
    assert (flag.tier, flag.category) == (tier, category)
    sla = settings.MODERATION["SLA_SECONDS"][tier]
    assert abs((flag.due_at - flag.opened_at).total_seconds() - sla) < 1
    if tier == "crisis":  # never waits for a peer worker; on-call is paged at once
        assert flag.escalation_level == 1
        assert flag.events.filter(kind=FlagEvent.Kind.PAGED).exists()


def test_a_report_on_a_post_assessed_crisis_is_a_crisis_flag(
    report_on: Any, fake_scorer: Any, clinician: Any
) -> None:
    from moderation.models import RiskAssessment

    post, report = report_on("other", "se lige her")
    RiskAssessment.objects.filter(subject_id=post.pk).update(level=int(RiskLevel.CRISIS))
    flag_services.reports_ingest()
    assert Flag.objects.get(report_id=report.pk).tier == "crisis"


def test_an_edit_keeps_a_report_open_on_the_new_revision(
    report_on: Any, screen: Any, youth: Any
) -> None:
    from community.services import post_edit

    post, report = report_on("unkind", "grimt")
    flag_services.reports_ingest()
    flag = Flag.objects.get(report_id=report.pk)
    edited = post_edit(post=post, editor=youth, body="en rettet udgave")
    screen(edited)
    flag.refresh_from_db()
    # a report is about conduct: the edit does not close it; it moves to revision 2, audited
    assert (flag.status, flag.revision) == (Flag.Status.OPEN, 2)
    revised = flag.events.get(kind=FlagEvent.Kind.REVISED)
    assert revised.before["revision"] == 1 and revised.after["revision"] == 2
    edited.refresh_from_db()
    assert edited.status == Post.Status.PUBLISHED
