"""community.js in Debian's Chromium against daphne: resync on a hint, live pushes over Redis,
reactions without a page load, and no serious accessibility violations on the space page."""

from __future__ import annotations

from typing import Any

import pytest

from community.models import Reaction

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "x-pass-123456"  # make_user's password


def _in_thread(fn: Any) -> None:
    """Run a publishing service outside Playwright's event loop (async_to_sync needs that)."""
    import threading

    from django.db import connection

    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised below in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


def _open_space(page: Any, server: Any, space_id: int) -> None:
    page.goto(f"{server.url}/faellesskab/rum/{space_id}/")
    # the presence line is filled once the socket is open and the first resync has run
    page.wait_for_function(
        "document.querySelector('[data-presence-for]').textContent.length > 0", timeout=10_000
    )


def test_feed_resyncs_missed_posts_without_a_reload(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any, world: Any, make_post: Any
) -> None:
    page = browser_page
    browser_log_in(page, daphne_live_server.url, world.member2.username, PASSWORD)
    _open_space(page, daphne_live_server, world.cafe.pk)
    # published in this process: the server's in-memory layer never sees the push, so only a
    # resync can bring it (the same as a push lost by the channel layer)
    make_post(world.member, world.cafe, body="Et opslag, socketten ikke leverede")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    page.wait_for_selector("#feed >> text=Et opslag, socketten ikke leverede", timeout=10_000)
    assert page.url.endswith(f"/faellesskab/rum/{world.cafe.pk}/")


def test_reaction_button_uses_the_api(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any, world: Any, make_post: Any
) -> None:
    post = make_post(world.member, world.cafe, body="Tak for i dag")
    page = browser_page
    browser_log_in(page, daphne_live_server.url, world.member2.username, PASSWORD)
    _open_space(page, daphne_live_server, world.cafe.pk)
    page.click(f"#post-{post.pk} button.reaction[data-kind=thinking]")
    page.wait_for_selector(f"#post-{post.pk} button.reaction.on", timeout=10_000)
    assert Reaction.objects.filter(post=post, user=world.member2, kind="thinking").exists()


def test_space_page_has_no_serious_accessibility_violations(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any, world: Any, make_post: Any
) -> None:
    from axe_playwright_python.sync_playwright import Axe

    make_post(world.member, world.cafe, body="Hej https://sammen.example")
    page = browser_page
    browser_log_in(page, daphne_live_server.url, world.member2.username, PASSWORD)
    _open_space(page, daphne_live_server, world.cafe.pk)
    violations = [
        f"{v['id']}: {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]
    assert violations == []


@pytest.mark.redis
def test_live_push_over_redis_reaches_the_page(
    redis_channel_layers: Any,
    daphne_live_server: Any,
    browser_page: Any,
    browser_log_in: Any,
    world: Any,
    make_post: Any,
) -> None:
    page = browser_page
    browser_log_in(page, daphne_live_server.url, world.member2.username, PASSWORD)
    _open_space(page, daphne_live_server, world.cafe.pk)
    _in_thread(lambda: make_post(world.member, world.cafe, body="Live via Redis"))
    page.wait_for_selector("#feed >> text=Live via Redis", timeout=10_000)


def test_posting_with_javascript_shows_own_pending_post_and_keeps_refused_text(
    daphne_live_server: Any, browser_page: Any, browser_log_in: Any, world: Any
) -> None:
    from community.models import Post

    page = browser_page
    browser_log_in(page, daphne_live_server.url, world.member.username, PASSWORD)
    _open_space(page, daphne_live_server, world.cafe.pk)
    page.fill("textarea[name=body]", "Mit første opslag")
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector("#feed >> text=Bliver tjekket", timeout=10_000)
    assert "Mit første opslag" in page.inner_text("#feed")
    assert Post.objects.get(body="Mit første opslag").status == Post.Status.PENDING
    # a second post at once is refused by the rate limit; the text stays in the field
    page.fill("textarea[name=body]", "Mit andet opslag")
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector(".form-status.form-errors", timeout=10_000)
    assert "Vent lige" in page.inner_text(".form-status")
    assert page.input_value("textarea[name=body]") == "Mit andet opslag"
