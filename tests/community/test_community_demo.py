"""Demo content: idempotent, and youth posts go through screening like any other."""

from __future__ import annotations

import pytest

from accounts.demo import demo_accounts_create
from community import permissions, services
from community.demo import demo_content_create
from community.models import Post, Space

pytestmark = pytest.mark.django_db


def test_demo_content_is_screened_and_idempotent(
    screening_requests, django_capture_on_commit_callbacks
):
    demo_accounts_create()
    with django_capture_on_commit_callbacks(execute=True):
        demo_content_create()
    assert Space.objects.count() == 12  # four spaces in each of three bands
    youth_posts = Post.objects.filter(is_staff_reply=False)
    assert youth_posts.count() == 3
    assert set(youth_posts.values_list("status", flat=True)) == {Post.Status.PENDING}
    assert sorted(screening_requests) == sorted(youth_posts.values_list("pk", flat=True))
    # the screening double publishes what was requested, as moderation would
    for post in Post.objects.filter(pk__in=screening_requests):
        services.post_publish(post=post)
    demo_content_create()  # the second run adds the youth comments under published posts
    demo_content_create()
    assert Space.objects.count() == 12
    assert Post.objects.filter(is_staff_reply=False, parent__isnull=True).count() == 3
    assert Post.objects.filter(is_staff_reply=False, parent__isnull=False).count() == 2
    assert Post.objects.filter(is_staff_reply=True).count() == 1


def test_demo_staff_moderate_and_youths_meet_their_band():
    from accounts.models import User

    demo_accounts_create()
    demo_content_create()
    peer = User.objects.get(username="peer_odder")
    youth = User.objects.get(username="ung_ugle")
    band = permissions.age_band_for(youth)
    assert all(permissions.can_moderate_space(peer, s) for s in Space.objects.all())
    readable = set(permissions.readable_spaces(youth))
    assert readable == set(Space.objects.filter(age_band=band))
