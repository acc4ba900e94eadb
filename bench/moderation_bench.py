"""Safety-path benchmark: post commit -> flag frame on moderators' open sockets; sweep catch-up.

Starts its own PostgreSQL database (`sammen_bench_moderation`, dropped and recreated), its own
redis-server on a spare port, one daphne process and one `db_worker` scoring with the real model
at one torch thread. Then:

1. latency: N clinician sockets on /ws/moderation/; posts that the model flags are committed at a
   fixed rate; each socket's arrival of the "opened" frame is timed against the commit time.
2. catch-up: the worker is stopped for `--outage` seconds while posts keep arriving; it is
   started again and the time until nothing is PENDING is measured.

    .venv/bin/python bench/moderation_bench.py --sockets 500 --rate 10 --duration 30 --outage 60

Prints one JSON object. Never touches the shared Redis on 6379 or any other database.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "sammen_bench_moderation"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
TEXTS = [
    "jeg vil tage mit eget liv i nat {n}",
    "jeg skærer i mig selv igen {n}",
    "i want to kill myself tonight {n}",
    "jeg har skrevet et afskedsbrev til min familie {n}",
    "jeg kaster op efter hvert måltid for ikke at tage på {n}",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


class Stack:
    """The processes under test, each started and stopped by pid."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.redis_port = _free_port()
        self.http_port = _free_port()
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": f"{PG}/{BENCH_DB}",
            "REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
            "WEBSOCKET_MAX_SOCKETS_PER_USER": str(args.sockets + 10),
            "RISK_SCORER": "transformer",
            "DJANGO_LOG_LEVEL": "WARNING",
            "MODERATION_BATCH_SIZE": "16",
        }
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def _spawn(self, name: str, cmd: list[str], cpu: str | None) -> None:
        if cpu and shutil.which("taskset"):
            cmd = ["taskset", "-c", cpu, *cmd]
        log_path = Path(tempfile.gettempdir()) / f"moderation_bench_{name}.log"
        log = log_path.open("ab")
        self.procs[name] = subprocess.Popen(  # noqa: S603
            cmd, cwd=ROOT, env=self.env, stdout=log, stderr=log
        )

    def start_redis(self) -> None:
        redis = shutil.which("redis-server") or "redis-server"
        cmd = [redis, "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", ""]
        self._spawn("redis", cmd, "1")
        _wait_port(self.redis_port)

    def start_daphne(self) -> None:
        daphne = str(ROOT / ".venv/bin/daphne")
        cmd = [daphne, "-b", "127.0.0.1", "-p", str(self.http_port), "config.asgi:application"]
        self._spawn("daphne", cmd, "0")
        _wait_port(self.http_port)

    def start_worker(self) -> None:
        """`--workers` db_worker processes (screening is idempotent, so they may overlap)."""
        cmd = [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            str(self.args.interval),
        ]
        for n in range(self.args.workers):
            # The first shares CPU 1 with Redis; more are left to the scheduler.
            self._spawn(f"worker{n}", cmd, "1" if n == 0 else None)

    def stop_workers(self) -> None:
        for name in [n for n in self.procs if n.startswith("worker")]:
            self.stop(name)

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)


def _reset_database() -> None:
    for sql in (f"DROP DATABASE IF EXISTS {BENCH_DB}", f"CREATE DATABASE {BENCH_DB}"):
        subprocess.run(["psql", PG + "/postgres", "-qc", sql], check=True)  # noqa: S603,S607


def _setup_django(stack: Stack) -> None:
    os.environ.update({k: v for k, v in stack.env.items() if k != "RISK_SCORER"})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _world() -> dict[str, Any]:
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import Clinic, ClinicMembership, Role, User
    from community.services import space_create
    from moderation import permissions

    clinic = Clinic.objects.create(name="Bench", slug="bench")
    space = space_create(name="Bench", slug="bench", kind="cafe", age_band="15-17", clinic=clinic)
    youth = User.objects.create_user(
        username="bench_ung", password="x" * 12, role=Role.YOUTH, birth_year=2009, birth_month=1
    )
    clinician = User.objects.create_user(
        username="bench_kliniker", password="x" * 12, role=Role.CLINICIAN
    )
    for user in (youth, clinician):
        ClinicMembership.objects.create(clinic=clinic, user=user)
    permissions.queue_grant(clinician, clinic)
    session = SessionStore()
    session["_auth_user_id"] = str(clinician.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = clinician.get_session_auth_hash()
    session.create()
    return {"space": space, "youth": youth, "cookie": f"sessionid={session.session_key}"}


def _post_commit(space: Any, author: Any, body: str) -> tuple[int, float]:
    """What post_create does, without its per-user rate limits: save PENDING, request on commit."""
    from django.db import transaction
    from django.utils import timezone

    from community import screening
    from community.models import Post

    with transaction.atomic():
        now = timezone.now()
        post = Post.objects.create(
            space=space, author=author, body=body, status="pending", pending_since=now
        )
        transaction.on_commit(lambda: screening.request_screening(post_id=post.pk))
    return post.pk, time.time()


RETRIES = [0]  # handshakes retried, reported with the results


async def _socket(
    url: str,
    cookie: str,
    origin: str,
    arrivals: list[tuple[int, float]],
    ready: asyncio.Event,
    counter: list[int],
    total: int,
) -> None:
    """One moderator socket. A failed handshake is retried, as the dashboard's JS does."""
    import websockets

    for attempt in range(10):
        try:
            ws = await websockets.connect(
                url, additional_headers={"Cookie": cookie, "Origin": origin}, max_queue=None
            )
        except (OSError, websockets.exceptions.WebSocketException):
            RETRIES[0] += 1
            await asyncio.sleep(0.2 * (attempt + 1))
            continue
        async with ws:
            try:
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame.get("type") == "hello":
                        counter[0] += 1
                        if counter[0] == total:
                            ready.set()
                    elif frame.get("type") == "flag.changed" and frame.get("kind") == "opened":
                        arrivals.append((int(frame["subject_id"]), time.time()))
            except websockets.exceptions.ConnectionClosed:
                return
        return


def run(args: argparse.Namespace) -> dict[str, Any]:
    stack = Stack(args)
    _reset_database()
    _setup_django(stack)
    world = _world()
    stack.start_redis()
    stack.start_daphne()
    stack.start_worker()
    arrivals: list[tuple[int, float]] = []
    commits: dict[int, float] = {}
    result: dict[str, Any] = {"sockets": args.sockets, "rate_per_s": args.rate}
    result["flag_share"] = args.flag_share
    result["workers"] = args.workers
    result["cpu_load_avg_1m_at_start"] = round(os.getloadavg()[0], 2)
    loop = asyncio.new_event_loop()
    ready = asyncio.Event()
    counter = [0]
    url = f"ws://127.0.0.1:{stack.http_port}/ws/moderation/"
    origin = f"http://127.0.0.1:{stack.http_port}"

    clients: list[asyncio.Task[None]] = []

    async def open_sockets() -> None:
        # In waves of 25, each wave waiting for its hellos: daphne drops handshakes that take
        # longer than its connect timeout, and a burst of 500 does under load.
        for wave_start in range(0, args.sockets, 25):
            wave_end = min(args.sockets, wave_start + 25)
            for _ in range(wave_start, wave_end):
                clients.append(
                    loop.create_task(
                        _socket(
                            url, world["cookie"], origin, arrivals, ready, counter, args.sockets
                        )
                    )
                )
            deadline = loop.time() + 60
            while counter[0] < wave_end:
                if loop.time() > deadline:
                    raise RuntimeError(f"only {counter[0]} of {wave_end} sockets connected")
                await asyncio.sleep(0.05)
        await asyncio.wait_for(ready.wait(), timeout=120)

    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(open_sockets(), loop).result(timeout=180)
        # Warm-up: the worker loads the model on its first batch.
        warm_id, _ = _post_commit(world["space"], world["youth"], TEXTS[0].format(n="warm"))
        deadline = time.time() + 120
        while not any(s == warm_id for s, _ in arrivals) and time.time() < deadline:
            time.sleep(0.2)
        time.sleep(1)
        arrivals.clear()

        # 1. latency at a fixed rate; every k-th post is one the model flags
        interval = 1 / args.rate
        every = max(1, round(1 / args.flag_share)) if args.flag_share > 0 else 0
        flagged: set[int] = set()
        start = time.perf_counter()
        for n in range(int(args.duration * args.rate)):
            target = start + n * interval
            time.sleep(max(0.0, target - time.perf_counter()))
            is_flagged = bool(every) and n % every == 0
            body = TEXTS[n % len(TEXTS)] if is_flagged else "i dag var en god dag i skolen {n}"
            post_id, committed = _post_commit(world["space"], world["youth"], body.format(n=n))
            commits[post_id] = committed
            if is_flagged:
                flagged.add(post_id)
        time.sleep(5)
        latencies = [(t - commits[s]) * 1000 for s, t in list(arrivals) if s in commits]
        expected = len(flagged) * args.sockets
        result.update(
            {
                "posts": len(commits),
                "flagged_posts": len(flagged),
                "deliveries": len(latencies),
                "deliveries_expected": expected,
                "p50_ms": round(statistics.median(latencies), 1) if latencies else None,
                "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
                "max_ms": round(max(latencies), 1) if latencies else None,
            }
        )

        # 2. catch-up after a worker outage with posts arriving meanwhile
        from community.models import Post

        stack.stop_workers()
        outage_posts = int(args.outage * args.rate)
        start = time.perf_counter()
        for n in range(outage_posts):
            target = start + n * interval
            time.sleep(max(0.0, target - time.perf_counter()))
            _post_commit(world["space"], world["youth"], f"en almindelig dag nummer {n}")
        waiting = Post.objects.filter(status="pending").count()
        restarted = time.perf_counter()
        stack.start_worker()
        while Post.objects.filter(status="pending").exists():
            if time.perf_counter() - restarted > 900:
                break
            time.sleep(0.2)
        result.update(
            {
                "outage_s": args.outage,
                "waiting_after_outage": waiting,
                "catch_up_s_incl_model_load": round(time.perf_counter() - restarted, 1),
                "cpu_load_avg_1m_at_end": round(os.getloadavg()[0], 1),
                "still_pending": Post.objects.filter(status="pending").count(),
            }
        )
        from moderation.reconcile import violations_find

        result["reconcile_violations"] = len(violations_find())
        result["handshake_retries"] = RETRIES[0]
    finally:
        stack.stop_all()

        async def _cancel_all() -> None:
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(_cancel_all(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=500)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--duration", type=float, default=30.0)
    parser.add_argument("--outage", type=float, default=60.0)
    parser.add_argument("--flag-share", type=float, default=0.2, help="share of posts flagged")
    parser.add_argument("--workers", type=int, default=1, help="db_worker processes")
    parser.add_argument("--interval", type=float, default=0.1, help="db_worker idle poll, s")

    def _terminated(*_: Any) -> None:
        sys.stderr.write("moderation_bench: SIGTERM, stopping (partial results lost)\n")
        sys.exit(1)  # run the cleanup in `finally`

    signal.signal(signal.SIGTERM, _terminated)
    sys.stdout.write(json.dumps(run(parser.parse_args()), indent=2) + "\n")


if __name__ == "__main__":
    main()
