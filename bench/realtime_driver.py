"""Sending side of the realtime bench: seeds the throwaway database and publishes posts open-loop.

Bench-only; it must never run against a real database (the orchestrator points DATABASE_URL at
a fresh ``bench_realtime`` database or SQLite file it creates and drops itself).

Subcommands:

- ``seed``: one Café space (band 18-25), receivers and authors who may read and post in it,
  idle users with no band (their socket joins only its user group), and a session per user.
  Writes the session keys as JSON lists for the generator.
- ``channels``: publishes through the real service path. ``community.services.post_create``
  saves each post PENDING; the screening seam (``community.screening``) is filled with
  ``publish_at_once``, a BENCH-ONLY requester that publishes at once through
  ``services.post_publish``, so the risk model is kept out of the realtime figures. The commit
  time of each event is taken by an ``on_commit`` hook registered before ``post_publish``'s own,
  so it runs first after COMMIT, before the channel-layer send.
- ``bare`` / ``relay``: the same frames to the reference servers (WebSocket ``/pub``, or Redis
  PUBLISH); the send time is taken just before the send.

Steps are read from stdin as ``STEP <posts per s> <seconds> <out.json>`` lines; each answers
``STEPDONE`` once its JSON is written. Posts are sent on a fixed schedule (open loop): a late
post is sent at once, never skipped, and the lag behind the schedule is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BODY = (
    "Bench-opslag {n}: i dag var en lang dag i skolen, og jeg er bare træt. "
    "Er der andre, der har det sådan om aftenen? Skriv gerne, hvad der hjælper jer."
)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


# --- seed -----------------------------------------------------------------------------------------
def seed(args: argparse.Namespace) -> None:
    _setup_django()
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from accounts.models import User
    from community.models import AgeBand
    from community.services import space_create

    space = space_create(name="Bench Café", slug="bench-cafe", kind="cafe", age_band=AgeBand.OLDER)
    today = timezone.localdate()
    joined = timezone.now() - dt.timedelta(days=30)  # not new accounts: 5 s between posts
    password = make_password(None)  # unusable; sessions are made directly

    def make(prefix: str, count: int, banded: bool) -> list[User]:
        users = [
            User(
                username=f"{prefix}{i}",
                username_canonical=f"{prefix}{i}",
                password=password,
                birth_year=today.year - 20 if banded else None,
                birth_month=1 if banded else None,
                date_joined=joined,
            )
            for i in range(count)
        ]
        User.objects.bulk_create(users, batch_size=500)
        return list(User.objects.filter(username__startswith=prefix).order_by("pk"))

    receivers = make("rx", args.receivers, banded=True)
    authors = make("au", args.authors, banded=True)
    idle = make("idle", args.idle, banded=False)
    members = User.objects.filter(pk__in=[u.pk for u in receivers + authors])
    assign_perm("view_space", members, space)
    assign_perm("post_in_space", members, space)

    def sessions(users: list[User]) -> list[str]:
        rows, keys = [], []
        expiry = timezone.now() + dt.timedelta(days=1)
        for user in users:
            store = SessionStore()
            key = store._get_new_session_key()  # type: ignore[attr-defined]
            data = {
                "_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash(),
            }
            rows.append(
                Session(session_key=key, session_data=store.encode(data), expire_date=expiry)
            )
            keys.append(key)
        Session.objects.bulk_create(rows, batch_size=500)
        return keys

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "receivers.json").write_text(json.dumps(sessions(receivers)))
    (out / "idle.json").write_text(json.dumps(sessions(idle)))
    (out / "seed.json").write_text(
        json.dumps({"space": space.pk, "authors": [u.pk for u in authors]})
    )
    print(f"SEEDED space={space.pk} receivers={len(receivers)} idle={len(idle)}", flush=True)


# --- the open-loop schedule ---------------------------------------------------------------------
def _run_schedule(rate: float, seconds: float, send_one: Callable[[int], None]) -> dict[str, Any]:
    count = max(1, round(rate * seconds))
    start = time.monotonic()
    lags = []
    for n in range(count):
        due = start + n / rate
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        lags.append(max(0.0, time.monotonic() - due))
        send_one(n)
    end = time.monotonic()
    lags.sort()
    return {
        "t_start": start,
        "t_end": end,
        "posts": count,
        "achieved_rate": count / max(end - start, 1e-9),
        "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] * 1000,
        "lag_max_ms": lags[-1] * 1000,
    }


def _steps(run: Callable[[float, float], dict[str, Any]]) -> None:
    print("DRIVER_READY", flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "STOP":
            return
        if parts[0] == "STEP":
            rate, seconds, path = float(parts[1]), float(parts[2]), parts[3]
            result = run(rate, seconds)
            Path(path).write_text(json.dumps(result))
            print("STEPDONE", flush=True)


# --- channels: the real service path -------------------------------------------------------------
def drive_channels(args: argparse.Namespace) -> None:
    _setup_django()
    from django.db import transaction

    from accounts.models import User
    from community import screening, services
    from community.models import Post, Space

    info = json.loads(Path(args.seed).read_text())
    space = Space.objects.get(pk=info["space"])
    authors = list(User.objects.filter(pk__in=info["authors"]).order_by("pk"))
    committed: dict[int, float] = {}

    def publish_at_once(post_id: int) -> None:
        """BENCH-ONLY screening requester: publish at once, keeping the model out of the path."""
        post = Post.objects.get(pk=post_id)

        def record() -> None:
            committed[post.seq or 0] = time.monotonic()

        with transaction.atomic():
            transaction.on_commit(record)  # registered first, so it runs first after COMMIT
            services.post_publish(post=post)

    screening.register_requester(publish_at_once)
    counter = {"n": Post.objects.count()}
    errors: dict[str, int] = {}

    def send_one(n: int) -> None:
        counter["n"] += 1
        author = authors[counter["n"] % len(authors)]
        try:
            services.post_create(author=author, space=space, body=BODY.format(n=counter["n"]))
        except Exception as exc:  # a refused post is counted, never hidden
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1

    def run(rate: float, seconds: float) -> dict[str, Any]:
        committed.clear()
        errors.clear()
        result = _run_schedule(rate, seconds, send_one)
        result["sent"] = {str(seq): t for seq, t in committed.items()}
        result["errors"] = dict(errors)
        return result

    _steps(run)


# --- references ----------------------------------------------------------------------------
def _reference_frame(seq: int) -> str:
    """A frame the size and shape of a community `post.published` frame."""
    frame = {
        "type": "post.published",
        "space": 1,
        "seq": seq,
        "data": {
            "id": 100000 + seq,
            "parent": None,
            "kind": "post",
            "author": f"au{seq % 400}",
            "avatar": "fox",
            "is_staff_reply": False,
            "body_html": "<p>" + BODY.format(n=seq) + "</p>",
            "content_warning_topic": None,
            "revision": 1,
            "published_at": "2026-11-22T15:00:00.000000+00:00",
            "reactions": {},
            "talk": None,
        },
    }
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def drive_reference(args: argparse.Namespace) -> None:
    sent: dict[int, float] = {}
    counter = {"seq": 0}
    if args.mode == "bare":
        import socket
        from urllib.parse import urlsplit

        from websockets.sync.client import connect

        target = urlsplit(args.url)
        sock = socket.create_connection((target.hostname, target.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as asyncio and redis-py do
        connection = connect(args.url, sock=sock, compression=None)

        def deliver(text: str) -> None:
            connection.send(text)
    else:
        import redis

        client = redis.Redis.from_url(args.redis_url)

        def deliver(text: str) -> None:
            client.publish(args.channel, text)

    def send_one(_: int) -> None:
        counter["seq"] += 1
        seq = counter["seq"]
        text = _reference_frame(seq)
        sent[seq] = time.monotonic()
        deliver(text)

    def run(rate: float, seconds: float) -> dict[str, Any]:
        sent.clear()
        result = _run_schedule(rate, seconds, send_one)
        result["sent"] = {str(seq): t for seq, t in sent.items()}
        result["errors"] = {}
        return result

    _steps(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=["seed", "channels", "bare", "relay"])
    parser.add_argument("--out", default="")
    parser.add_argument("--seed", default="")
    parser.add_argument("--receivers", type=int, default=250)
    parser.add_argument("--authors", type=int, default=400)
    parser.add_argument("--idle", type=int, default=2000)
    parser.add_argument("--url", default="")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6391/0")
    parser.add_argument("--channel", default="bench.space.1")
    args = parser.parse_args()
    if args.mode == "seed":
        seed(args)
    elif args.mode == "channels":
        drive_channels(args)
    else:
        drive_reference(args)


if __name__ == "__main__":
    main()
