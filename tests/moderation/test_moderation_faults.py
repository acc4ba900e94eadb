"""Fault tests on real PostgreSQL (and Redis): the safety path survives its parts failing.

Each test is bounded in time and ends with `reconcile` finding 0 violations. Redis tests start
their own redis-server on a spare port and kill that one; the machine's shared Redis and
PostgreSQL are never stopped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, connections

from community.models import Post
from ml import RiskLevel, RiskScore
from moderation import risk
from moderation.models import Flag, RiskAssessment, Tier
from moderation.reconcile import violations_find
from moderation.selectors import model_degraded
from moderation.services.screening import pending_reenqueue, screening_run_batch
from tests.conftest import missing_service

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_tasks(settings: Any) -> None:
    """Use the durable database backend instead of the test ImmediateBackend."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _assert_healthy() -> None:
    assert [str(v) for v in violations_find()] == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_model_load_failure_holds_everything_unscored_with_the_rule_layer(
    settings: Any, tmp_path: Path, pending_post: Any, screen: Any
) -> None:
    # given: the transformer configured, but its weights are missing
    settings.RISK_SCORER = "transformer"
    settings.RISK_MODEL_PATH = str(tmp_path / "no-weights")
    risk.reset_for_tests()
    ordinary = pending_post("i dag var en god dag i skolen")
    crisis = pending_post("jeg vil tage mit eget liv i nat, jeg har skrevet et afskedsbrev")
    try:
        # when
        screen(ordinary)
        screen(crisis)
        # then: nothing published, the lexicon still found the crisis
        assert ordinary.status == Post.Status.HELD
        assert crisis.status == Post.Status.HELD
        assert Flag.objects.get(subject_id=ordinary.pk).tier == Tier.UNSCORED
        assert Flag.objects.get(subject_id=crisis.pk).tier == Tier.CRISIS
        assert not RiskAssessment.objects.filter(scored=True).exists()
        assert model_degraded()
        _assert_healthy()
    finally:
        risk.reset_for_tests()


class BarrierScorer:
    """Lets two concurrent runs both finish scoring before either writes."""

    model_version = "barrier-1"

    def __init__(self) -> None:
        self.barrier = threading.Barrier(2, timeout=20)

    def score_batch(self, texts: Sequence[str]) -> list[RiskScore]:
        self.barrier.wait()
        return [RiskScore(RiskLevel.ELEVATED, 0.9, ("self_harm",), (), self.model_version)] * len(
            texts
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_the_same_task_run_twice_concurrently_writes_one_assessment(
    monkeypatch: Any, pending_post: Any
) -> None:
    scorer = BarrierScorer()
    monkeypatch.setattr("moderation.risk._scorer", lambda: scorer)
    risk.reset_for_tests()
    posts = [pending_post(f"jeg skader mig selv {i}") for i in range(3)]
    ids = [p.pk for p in posts]
    results: list[int] = []

    def run() -> None:
        try:
            results.append(len(screening_run_batch(subject_type="post", subject_ids=ids)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sum(results) == 3  # each post routed by exactly one of the two runs
    for post_id in ids:
        assert RiskAssessment.objects.filter(subject_id=post_id).count() == 1
        assert Flag.objects.filter(subject_id=post_id).count() == 1
    _assert_healthy()


def _test_database_url() -> str:
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
    return f"postgres://{s['USER']}{password}@{host}/{s['NAME']}"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(180)
def test_worker_killed_mid_batch_is_rescored(
    db_tasks: None, fake_scorer: Any, pending_post: Any, tmp_path: Path
) -> None:
    from django_tasks_db.models import DBTaskResult

    from moderation.tasks import screen_subjects

    # given: six posts waiting in one durable task; one of them is elevated
    posts = [pending_post(f"opslag nummer {i}", age_seconds=5) for i in range(6)]
    fake_scorer.set(posts[0].body, RiskLevel.ELEVATED, "self_harm")
    screen_subjects.enqueue(subject_type="post", subject_ids=[p.pk for p in posts])
    marker = tmp_path / "scoring"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": _test_database_url(),
        "SLOW_WORKER_MARKER": str(marker),
        "REDIS_URL": "",
    }
    worker = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "tests/moderation/slow_worker_main.py")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while not marker.exists():
            assert worker.poll() is None, "worker exited early"
            assert time.monotonic() < deadline, "worker never reached the model"
            time.sleep(0.1)
        # when: the worker dies in the middle of the batch
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
    assert marker.read_text() == "6"  # it had the whole batch
    assert DBTaskResult.objects.get().status == "RUNNING"  # the queue thinks it still runs
    assert Post.objects.filter(status=Post.Status.PENDING).count() == 6

    # then: the sweep re-enqueues from the PENDING rows and a new worker finishes the job
    assert len(pending_reenqueue(older_than_seconds=0, for_real=True)) == 6
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0")
    assert not Post.objects.filter(status=Post.Status.PENDING).exists()
    for post in posts:
        assert RiskAssessment.objects.filter(subject_id=post.pk).count() == 1
    assert Flag.objects.get().subject_id == posts[0].pk
    _assert_healthy()


# --- Redis ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class OwnRedis:
    """A throwaway redis-server on a spare port, so killing it touches nothing shared."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("own redis-server did not start")

    def pause(self) -> None:
        """SIGSTOP: the server keeps its sockets open but answers nothing (a stall)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if not shutil.which("redis-server"):
        missing_service("redis-server not installed")
    server = OwnRedis(_free_port())
    server.start()
    yield server
    server.kill()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
async def test_redis_restart_loses_no_flag_and_the_client_resyncs(
    own_redis: OwnRedis,
    moderation_socket: Any,
    settings: Any,
    fake_scorer: Any,
    pending_post: Any,
    screen: Any,
    clinician: Any,
) -> None:
    from asgiref.sync import sync_to_async
    from channels.layers import channel_layers

    from config.settings import redis_channel_layer
    from moderation.events import queue_events_after, queue_name

    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(own_redis.url)}
    channel_layers.backends.clear()

    def crisis_post(body: str) -> Flag:
        post = pending_post(body)
        fake_scorer.set(body, RiskLevel.CRISIS)
        screen(post)
        return Flag.objects.get(subject_id=post.pk)

    try:
        communicator = moderation_socket(clinician)
        connected, _ = await communicator.connect()
        assert connected
        hello = await communicator.receive_json_from(timeout=5)
        first = await sync_to_async(crisis_post)("jeg tager mit liv i aften")
        frame = await communicator.receive_json_from(timeout=5)
        assert frame["flag_id"] == first.pk
        await communicator.disconnect()

        # when: Redis dies while a crisis post is screened
        own_redis.kill()
        second = await sync_to_async(crisis_post)("jeg siger farvel til jer alle")
        # then: the post is held and flagged (the push failed quietly; the rows are the record)
        assert second.tier == Tier.CRISIS
        own_redis.start()
        channel_layers.backends.clear()

        # and a client reconnecting resyncs from its last seen sequence
        queue = queue_name(first.clinic_id, "clinical")
        assert queue in hello["queues"]
        missed = await sync_to_async(queue_events_after)(queue, frame["seq"])
        assert second.pk in {e["flag_id"] for e in missed}
        again = moderation_socket(clinician)
        connected, _ = await again.connect()
        assert connected
        hello_again = await again.receive_json_from(timeout=5)
        assert hello_again["queues"][queue] > frame["seq"]  # the gap the client will fetch
        await again.disconnect()
        await sync_to_async(_assert_healthy)()
    finally:
        channel_layers.backends.clear()
        await sync_to_async(connections.close_all)()  # the executor thread's connection


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(120)
def test_redis_stall_delays_only_the_push_never_the_record(
    own_redis: OwnRedis, settings: Any, fake_scorer: Any, pending_post: Any, screen: Any
) -> None:
    from channels.layers import channel_layers

    from config.settings import redis_channel_layer
    from moderation.events import queue_events_after, queue_name

    layer = redis_channel_layer(own_redis.url)
    layer["CONFIG"]["hosts"][0]["socket_timeout"] = 2  # type: ignore[index]
    settings.CHANNEL_LAYERS = {"default": layer}
    channel_layers.backends.clear()
    try:
        # warm the layer's connection pool, then stall the server
        warm = pending_post("hej igen")
        screen(warm)
        own_redis.pause()
        body = "jeg tager mit liv i aften"
        post = pending_post(body)
        fake_scorer.set(body, RiskLevel.CRISIS)
        started = time.monotonic()
        screen(post)  # the push after commit blocks until the socket timeout, then gives up
        elapsed = time.monotonic() - started
        own_redis.resume()
        assert post.status == Post.Status.HELD
        flag = Flag.objects.get(subject_id=post.pk)
        assert elapsed < 30  # bounded by socket_timeout per push, not forever
        frames = queue_events_after(queue_name(flag.clinic_id, "clinical"), 0)
        assert flag.pk in {f["flag_id"] for f in frames}  # a resync finds it
        _assert_healthy()
    finally:
        own_redis.resume()
        channel_layers.backends.clear()


# --- Web process restart -------------------------------------------------------------------------
def _session_cookie(user: Any) -> str:
    from django.contrib.sessions.backends.db import SessionStore

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    return f"sessionid={session.session_key}"


def _http(url: str, cookie: str, data: dict[str, str] | None = None) -> tuple[int, bytes]:
    """One request as a browser would send it (POSTs carry the CSRF cookie and field)."""
    import urllib.error
    import urllib.parse
    import urllib.request

    token = "a" * 32
    headers = {"Cookie": f"{cookie}; csrftoken={token}"}
    body = None
    if data is not None:
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - local
    try:
        with opener.open(request, timeout=10) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as exc:  # 302 after a post lands here without the handler
        return int(exc.code), bytes(exc.read())


class _Web:
    """A daphne process serving the app, killable with SIGKILL and restartable on its port."""

    def __init__(self) -> None:
        self.process: Any = None
        self.port: int | None = None

    def start(self) -> None:
        from functools import partial

        from channels.testing.live import make_application
        from daphne.testing import DaphneProcess

        from tests.conftest import _live_server_child_setup

        connections.close_all()  # a forked child must not share the parent's database sockets
        self.process = DaphneProcess(
            host="127.0.0.1",
            get_application=partial(make_application, static_wrapper=None),
            setup=_live_server_child_setup,
            port=self.port,
        )
        self.process.start()
        if not self.process.ready.wait(timeout=30):
            raise RuntimeError("daphne did not start within 30 s")
        self.port = int(self.process.port.value)

    def kill(self) -> None:
        if self.process is not None and self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.join(timeout=10)
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _drain_queue() -> None:
    """Run the durable queue until empty, in this process, as a db_worker would."""
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0")


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.timeout(150)
def test_web_process_restart_loses_no_post_and_the_dashboard_resyncs(
    db_tasks: None,
    own_redis: OwnRedis,
    settings: Any,
    fake_scorer: Any,
    make_user: Any,
    space: Any,
    clinician: Any,
) -> None:
    import asyncio
    import datetime as dt
    import json

    import websockets
    from channels.layers import channel_layers
    from django.utils import timezone

    from config.settings import redis_channel_layer
    from moderation.events import queue_name

    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    settings.CHANNEL_LAYERS = {"default": redis_channel_layer(own_redis.url)}
    channel_layers.backends.clear()
    joined = timezone.now() - dt.timedelta(days=30)  # past the new-user posting limits
    youths = [make_user("youth", date_joined=joined) for _ in range(4)]
    youth_cookies = [_session_cookie(y) for y in youths]
    staff_cookie = _session_cookie(clinician)
    crisis = ["jeg tager mit liv i aften", "jeg siger farvel til jer alle", "jeg har en plan i nat"]
    for body in crisis:
        fake_scorer.set(body, RiskLevel.CRISIS, "suicide")
    queue = queue_name(space.clinic_id, "clinical")
    web = _Web()

    def post(n: int, body: str) -> Post:
        status, _ = _http(
            f"{web.url}/faellesskab/rum/{space.pk}/", youth_cookies[n], {"body": body}
        )
        assert status == 302, status  # acknowledged: redirected back to the feed
        return Post.objects.get(author=youths[n])

    async def open_socket() -> tuple[Any, dict[str, Any]]:
        ws = await websockets.connect(
            f"ws://127.0.0.1:{web.port}/ws/moderation/",
            additional_headers={"Cookie": staff_cookie, "Origin": web.url},
        )
        hello = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
        return ws, hello

    async def next_opened(ws: Any) -> dict[str, Any]:
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), timeout=15))
            if frame.get("type") == "flag.changed" and frame.get("kind") == "opened":
                return dict(frame)

    loop = asyncio.new_event_loop()
    try:
        web.start()
        # given: a moderator's open dashboard sees a crisis flag live
        ws, hello = loop.run_until_complete(open_socket())
        assert queue in hello["queues"]
        first = post(0, crisis[0])
        _drain_queue()
        seen = loop.run_until_complete(next_opened(ws))
        assert seen["subject_id"] == first.pk
        last_seq = int(seen["seq"])

        # when: two posts are acknowledged, then the web process dies before they are screened
        second = post(1, crisis[1])
        harmless = post(2, "i dag var en god dag i skolen")
        web.kill()
        loop.run_until_complete(ws.close())
        # then: both are saved, pending, and screened by the worker while the web is down
        assert {p.status for p in Post.objects.filter(pk__in=[second.pk, harmless.pk])} == {
            Post.Status.PENDING
        }
        _drain_queue()
        assert Post.objects.get(pk=second.pk).status == Post.Status.HELD
        assert Post.objects.get(pk=harmless.pk).status == Post.Status.PUBLISHED
        missed_flag = Flag.objects.get(subject_id=second.pk)

        # and: the web comes back on the same port; the client reconnects and resyncs by seq
        web.start()
        ws, hello = loop.run_until_complete(open_socket())
        assert hello["queues"][queue] > last_seq  # the gap the client fetches
        status, raw = _http(
            f"{web.url}/moderation/api/koe/?queue={queue}&after_seq={last_seq}", staff_cookie
        )
        assert status == 200
        resync = json.loads(raw)
        seqs = [e["seq"] for e in resync["events"]]
        assert seqs == sorted(set(seqs)) and min(seqs) == last_seq + 1  # no gap, no duplicate
        assert missed_flag.pk in {e["flag_id"] for e in resync["events"] if e["kind"] == "opened"}
        assert first.pk not in {e["subject_id"] for e in resync["events"]}

        # and live pushes flow again through the new process
        third = post(3, crisis[2])
        _drain_queue()
        assert loop.run_until_complete(next_opened(ws))["subject_id"] == third.pk
        loop.run_until_complete(ws.close())
        assert Flag.objects.filter(tier=Tier.CRISIS).count() == 3
        _assert_healthy()
    finally:
        web.kill()
        loop.close()
        channel_layers.backends.clear()
