"""Post lifecycle, the event log, reactions, Talk it out, reports: through the real services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import transaction

from community import screening, selectors, services
from community.models import Post, Reaction, Report, SpaceEvent, TalkItOut

pytestmark = pytest.mark.django_db


def test_post_create_saves_pending_and_requests_screening_on_commit(
    world, screening_requests, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_create(author=world.member, space=world.cafe, body="Hej alle")
    # then
    assert post.status == Post.Status.PENDING
    assert post.seq is None
    assert screening_requests == [post.pk]
    assert not SpaceEvent.objects.exists()


def test_screening_not_requested_when_transaction_rolls_back(world, screening_requests):
    def create_then_fail() -> None:
        with transaction.atomic():
            services.post_create(author=world.member, space=world.cafe, body="Hej")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        create_then_fail()
    assert screening_requests == []
    assert not Post.objects.exists()


def test_request_screening_without_requester_raises():
    previous = screening._requester
    screening.register_requester(None)
    try:
        with pytest.raises(ImproperlyConfigured):
            screening.request_screening(post_id=1)
    finally:
        screening.register_requester(previous)


def test_publish_assigns_gap_free_seq_and_event(world, make_post):
    first = make_post(world.member, world.cafe)
    second = make_post(world.member2, world.cafe)
    comment = make_post(world.member2, parent=first)
    other_space = make_post(world.member, world.topic)
    assert [first.seq, second.seq, comment.seq] == [1, 2, 3]
    assert other_space.seq == 1
    events = list(SpaceEvent.objects.filter(space=world.cafe).values_list("seq", "type"))
    assert events == [(1, "post.published"), (2, "post.published"), (3, "comment.published")]
    world.cafe.refresh_from_db()
    assert world.cafe.last_seq == 3


def test_transitions_follow_allow_list(world, make_post):
    post = make_post(world.member, world.cafe)
    services.post_remove(post=post, actor=world.peer, reason="test")
    with pytest.raises(services.InvalidTransition):
        services.post_release(post=post, actor=world.peer)
    with pytest.raises(services.InvalidTransition):
        services.post_hide(post=post, actor=world.peer, reason="x")
    # publishing a removed post (screening finished after a delete) changes nothing
    services.post_publish(post=post)
    post.refresh_from_db()
    assert post.status == Post.Status.REMOVED


def test_hold_then_release_publishes_with_new_seq(world, make_post):
    post = make_post(world.member, world.cafe, publish=False)
    services.post_hold(post=post)
    assert post.status == Post.Status.HELD
    assert not SpaceEvent.objects.filter(space=world.cafe).exists()
    services.post_release(post=post, actor=world.clinician)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    assert post.released_at is not None
    assert post.seq == 1


def test_edit_withdraws_redacts_and_rescreens(world, make_post, screening_requests):
    post = make_post(world.member, world.cafe, body="Første udgave")
    # when
    edited = services.post_edit(post=post, editor=world.member, body="Anden udgave")
    # then
    assert edited.status == Post.Status.PENDING
    assert edited.revision == 2
    published = SpaceEvent.objects.get(space=world.cafe, type="post.published")
    assert published.payload == {"id": post.pk, "redacted": True}
    assert SpaceEvent.objects.filter(type="post.withdrawn").count() == 1
    assert "Første udgave" not in str(list(SpaceEvent.objects.values_list("payload", flat=True)))


def test_edit_by_other_user_is_refused(world, make_post):
    post = make_post(world.member, world.cafe)
    with pytest.raises(PermissionDenied):
        services.post_edit(post=post, editor=world.member2, body="kapret")


def test_held_post_cannot_be_edited(world, make_post):
    post = make_post(world.member, world.cafe, publish=False)
    services.post_hold(post=post)
    with pytest.raises(services.CommunityError):
        services.post_edit(post=post, editor=world.member, body="ny tekst")


def test_remove_post_removes_comments_and_redacts(world, make_post):
    post = make_post(world.member, world.cafe, body="fjernes")
    comment = make_post(world.member2, parent=post, body="svar på det")
    pending_comment = make_post(world.member2, parent=post, body="venter", publish=False)
    services.post_remove(post=post, actor=world.peer, reason="regelbrud")
    comment.refresh_from_db()
    pending_comment.refresh_from_db()
    assert comment.status == Post.Status.REMOVED
    assert pending_comment.status == Post.Status.REMOVED
    payloads = str(list(SpaceEvent.objects.values_list("payload", flat=True)))
    assert "fjernes" not in payloads
    assert "svar på det" not in payloads
    assert SpaceEvent.objects.filter(type="post.removed").count() == 1
    # the screening of the pending comment finishing later changes nothing
    services.post_publish(post=pending_comment)
    pending_comment.refresh_from_db()
    assert pending_comment.status == Post.Status.REMOVED


def test_author_delete_is_soft(world, make_post):
    post = make_post(world.member, world.cafe)
    services.post_delete_by_author(post=post, author=world.member)
    post.refresh_from_db()
    assert post.status == Post.Status.REMOVED
    assert post.deleted_by_author


def test_staff_reply_is_published_at_once_and_marked(world, make_post, screening_requests):
    post = make_post(world.member, world.cafe)
    screening_requests.clear()
    reply = services.staff_reply_create(post=post, author=world.peer, body="Godt du skriver")
    assert reply.status == Post.Status.PUBLISHED
    assert reply.is_staff_reply
    assert screening_requests == []
    event = SpaceEvent.objects.get(post=reply)
    assert event.payload["is_staff_reply"] is True


def test_staff_reply_requires_moderation_permission(world, make_post):
    post = make_post(world.member, world.cafe)
    with pytest.raises(PermissionDenied):
        services.staff_reply_create(post=post, author=world.outsider_clinician, body="hej")
    with pytest.raises(PermissionDenied):
        services.staff_reply_create(post=post, author=world.member2, body="hej")


def test_comment_on_unpublished_post_is_refused(world, make_post):
    post = make_post(world.member, world.cafe, publish=False)
    with pytest.raises(services.CommunityError):
        services.comment_create(author=world.member2, parent=post, body="svar")


def test_reaction_toggle_counts_and_unique(world, make_post):
    post = make_post(world.member, world.cafe)
    on, counts = services.reaction_toggle(user=world.member2, post=post, kind="thinking")
    assert on
    assert counts == {"thinking": 1}
    services.reaction_toggle(user=world.member, post=post, kind="thinking")
    on, counts = services.reaction_toggle(user=world.member2, post=post, kind="thinking")
    assert not on
    assert counts == {"thinking": 1}
    assert Reaction.objects.count() == 1
    events = SpaceEvent.objects.filter(type="reaction.counted").order_by("seq")
    assert [e.payload["counts"] for e in events] == [
        {"thinking": 1},
        {"thinking": 2},
        {"thinking": 1},
    ]


def test_reaction_on_pending_post_is_refused(world, make_post):
    post = make_post(world.member, world.cafe, publish=False)
    with pytest.raises(services.CommunityError):
        services.reaction_toggle(user=world.member2, post=post, kind="thinking")


def test_talk_it_out_lifecycle(world, make_post):
    post = make_post(world.member, world.cafe, body="Min mor og jeg skændes", kind="talk_it_out")
    # peers cannot propose before it is framed
    with pytest.raises(services.CommunityError):
        services.comment_create(author=world.member2, parent=post, body="forslag")
    with pytest.raises(PermissionDenied):
        services.talk_frame(post=post, actor=world.member2, framing="x")
    services.talk_frame(post=post, actor=world.peer, framing="Hvordan kan man tale sammen?")
    make_post(world.member2, parent=post, body="Skriv et brev")
    talk = services.talk_close(post=post, actor=world.clinician, summary="Brev og pauser")
    assert talk.status == TalkItOut.Status.CLOSED
    with pytest.raises(services.CommunityError):
        services.comment_create(author=world.member2, parent=post, body="for sent")
    assert list(
        SpaceEvent.objects.filter(type__startswith="talk.").values_list("type", flat=True)
    ) == [
        "talk.framed",
        "talk.closed",
    ]


def test_report_and_resolve(world, make_post):
    post = make_post(world.member, world.cafe)
    report = services.report_create(reporter=world.member2, post=post, category="worried", note="")
    with pytest.raises(services.CommunityError):
        services.report_create(reporter=world.member2, post=post, category="worried")
    assert list(selectors.report_list_open()) == [report]
    with pytest.raises(PermissionDenied):
        services.report_resolve(
            report=report, outcome="kept", note="", actor=world.outsider_clinician
        )
    resolved = services.report_resolve(
        report=report, outcome="kept", note="intern", actor=world.peer
    )
    assert resolved.status == Report.Status.RESOLVED
    assert list(selectors.report_list_open()) == []
    with pytest.raises(services.InvalidTransition):
        services.report_resolve(report=report, outcome="kept", note="", actor=world.peer)


def test_moderation_selectors(world, make_post):
    pending = make_post(world.member, world.cafe, publish=False)
    make_post(world.member, world.cafe)
    assert selectors.post_get_for_screening(post_id=pending.pk) == pending
    assert selectors.post_get_for_screening(post_id=999999) is None
    with transaction.atomic():
        assert selectors.post_lock_for_screening(post_id=pending.pk).pk == pending.pk
    assert list(selectors.posts_pending_older_than(seconds=0)) == [pending]
    assert list(selectors.posts_pending_older_than(seconds=10**9)) == []
    assert len(selectors.post_list_by_author(author_id=world.member.pk, limit=20)) == 2


def test_post_hold_notifies_only_the_author(world, make_post, django_capture_on_commit_callbacks):
    from unittest import mock

    post = make_post(world.member, world.cafe, publish=False)
    with mock.patch("community.services.publish_on_commit") as publish:
        services.post_hold(post=post)
    ((group, message),) = [c.args for c in publish.call_args_list]
    assert group == f"user.{world.member.pk}"
    assert '"post.held"' in message["text"]
    assert "score" not in message["text"]


def test_hide_is_idempotent_and_release_undoes_it(world, make_post):
    post = make_post(world.member, world.cafe)
    services.post_hide(post=post, actor=world.peer, reason="kig")
    services.post_hide(post=post, actor=world.peer, reason="kig igen")
    assert post.status == Post.Status.HELD
    assert SpaceEvent.objects.filter(type="post.withdrawn").count() == 1
    services.post_release(post=post, actor=world.clinician)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED


def test_published_revisions_for_reconcile(world, make_post):
    post = make_post(world.member, world.cafe)
    make_post(world.member, world.cafe, publish=False)
    services.staff_reply_create(post=post, author=world.peer, body="hej")
    assert list(selectors.post_revisions_published()) == [(post.pk, 1)]


def test_new_space_of_a_clinic_gets_its_staff(world, make_user):
    from accounts.models import Clinic, ClinicMembership, Role
    from community import permissions
    from community.models import AgeBand, Space

    clinic = Clinic.objects.create(name="Klinik", slug="klinik")
    peer = make_user(Role.PEER_WORKER)
    elsewhere = make_user(Role.PEER_WORKER)
    ClinicMembership.objects.create(clinic=clinic, user=peer)
    space = services.space_create(
        name="Ny", slug="ny-18", kind=Space.Kind.TOPIC, age_band=AgeBand.OLDER, clinic=clinic
    )
    assert permissions.can_moderate_space(peer, space)
    assert not permissions.can_read_space(elsewhere, space)
