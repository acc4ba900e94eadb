"""Fixtures shared by every app's tests, and the rule that CI never skips a real service.

Tests marked `redis`, `postgres`, `browser` or `model` need a real Redis, PostgreSQL, Chromium or
the built model. Locally a missing one skips the test with the reason; with CI=true it fails.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
REDIS_TEST_URL = os.environ.get("REDIS_TEST_URL", "redis://127.0.0.1:6379/0")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parent.parent


def missing_service(reason: str) -> None:
    """Skip locally; fail in CI, where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing service is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters and socket slots live in the cache; no test inherits another's."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_channel_layer() -> Iterator[None]:
    """Drop cached channel layers after each test.

    An in-memory layer holds asyncio objects bound to the event loop of the test that made it;
    the next test, or a daphne live server forked later, must not inherit them.
    """
    from channels.layers import channel_layers

    yield
    channel_layers.backends.clear()


def _redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture(scope="session")
def redis_url() -> str:
    """A live Redis URL (REDIS_TEST_URL); the database is flushed by the test that uses it."""
    if not _redis_reachable(REDIS_TEST_URL):
        missing_service(f"Redis is not reachable at {REDIS_TEST_URL}")
    return REDIS_TEST_URL


@pytest.fixture
def redis_channel_layers(redis_url: str, settings: Any) -> Iterator[dict[str, Any]]:
    """Point the default channel layer at real Redis for one test.

    Each test gets its own key prefix, so two test runs sharing one Redis (a developer's run
    beside CI) cannot deliver each other's group messages.
    """
    from channels.layers import channel_layers

    from config.settings import redis_channel_layer

    layer = redis_channel_layer(redis_url)
    layer["CONFIG"]["prefix"] = f"asgi-test-{uuid.uuid4().hex[:12]}"  # type: ignore[index]
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()
    yield settings.CHANNEL_LAYERS
    channel_layers.backends.clear()


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        missing_service(
            "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1:5432/test"
        )
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright (no downloaded browsers on these machines).

    Function-scoped on purpose: Playwright's sync API keeps an event loop on the main thread
    while it runs, which would break pytest-asyncio's tests that run after a browser test.
    """
    if not shutil.which(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # live server fixtures here are synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A fresh page with a phone-sized viewport (mobile first)."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="da-DK")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def browser_log_in() -> Callable[[Any, str, str, str], None]:
    """Log a page in through the real log-in form: `browser_log_in(page, base_url, user, pw)`."""

    def log_in(page: Any, base_url: str, username: str, password: str) -> None:
        page.goto(base_url + "/konto/log-ind/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        page.click("button[type=submit] >> text=Log ind")
        page.wait_for_url(base_url + "/")

    return log_in


def _live_server_child_setup() -> None:
    """Run in the forked daphne process before it serves anything.

    The fork inherits the parent's state: pytest-django has already pointed
    settings.DATABASES at the test database (so nothing is renamed here, unlike channels'
    own helper, which would prefix "test_" a second time on PostgreSQL; the parent closes its
    database connections before forking), but cached channel layers bound to a finished
    test's event loop, and asgiref's
    single-thread executor (whose worker thread does not exist in the child) must not be
    reused, or every WebSocket handshake hangs.
    """
    from concurrent.futures import ThreadPoolExecutor

    from asgiref.sync import SyncToAsync
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    SyncToAsync.single_thread_executor = ThreadPoolExecutor(max_workers=1)


class LiveServer:
    """A daphne process serving the whole ASGI app (HTTP and WebSockets) on the test database."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ws_url = f"ws://127.0.0.1:{port}"


@pytest.fixture
def daphne_live_server(transactional_db: None, settings: Any) -> Iterator[LiveServer]:
    """Start daphne in a forked process, as channels' ChannelsLiveServerTestCase does.

    Needs a file-based test database (config/test_settings.py sets one for SQLite) and the
    transactional_db fixture, so rows a test creates are visible to the server process.
    """
    from functools import partial

    from channels.testing.live import make_application
    from daphne.testing import DaphneProcess
    from django.db import connections

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    connections.close_all()  # a forked child must not share the parent's database sockets
    process = DaphneProcess(
        host="127.0.0.1",
        get_application=partial(make_application, static_wrapper=None),
        setup=_live_server_child_setup,
    )
    process.start()
    if not process.ready.wait(timeout=30):
        process.terminate()
        raise RuntimeError("daphne did not start within 30 s")
    try:
        yield LiveServer(process.port.value)
    finally:
        process.terminate()
        process.join(timeout=10)


@pytest.fixture
def install_scorer(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Any], Any]]:
    """Make moderation score with a given scorer for one test (moderation.risk's model seam)."""
    from moderation import risk

    def install(scorer: Any) -> Any:
        risk.reset_for_tests()
        monkeypatch.setattr("moderation.risk._scorer", lambda: scorer)
        return scorer

    yield install
    risk.reset_for_tests()
