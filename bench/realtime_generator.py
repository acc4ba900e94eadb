"""Receiving side of the realtime bench: N WebSocket clients in one asyncio process.

Bench-only. Each client records `(socket, seq, monotonic receive time)` for every frame that
carries a seq; CLOCK_MONOTONIC is system-wide on Linux, so the driver's commit times and these
receive times share one clock. The orchestrator steers it with lines on stdin:

- ``COUNT``: print the number of seq frames received so far (to see when a step has drained);
- ``DUMP <path>``: write what was recorded since the last dump as JSON and start afresh;
- ``DISCONNECT``: abort every client's TCP connection (no close frame, as a phone losing signal
  does); clients reconnect after a jittered 0.2-1.0 s and resync with ``after_seq``;
- ``STOP``: close every socket and exit.

With ``--resync`` a client behaves as ``static/js/community.js`` does: it keeps the highest
contiguous seq, fetches ``GET .../events?after_seq=N`` after a reconnect and on a gap, and
de-duplicates by seq.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import WebSocketException

BACKGROUND: set[asyncio.Task[None]] = set()  # keeps fire-and-forget resyncs referenced
RECV: list[float] = []  # flat (socket, seq, t) triples: cheap to append, cheap to dump
STATE: dict[str, int] = {"other_frames": 0, "reconnects": 0, "connect_failures": 0}


@dataclass
class Client:
    index: int
    cookie: str | None
    connection: ClientConnection | None = None
    baseline: int | None = None  # seq before the first frame this client saw
    last_contiguous: int = 0
    seen: set[int] = field(default_factory=set)
    fetched: set[int] = field(default_factory=set)
    fetching: bool = False
    synced: bool = True  # False from a reconnect until the after_seq fetch that follows it


def _spawn(coroutine: Any) -> None:
    task = asyncio.create_task(coroutine)
    BACKGROUND.add(task)
    task.add_done_callback(BACKGROUND.discard)


def _advance(client: Client) -> None:
    while client.last_contiguous + 1 in client.seen:
        client.last_contiguous += 1


def _fetch_after(base: str, space: int, cookie: str, after: int) -> list[int]:
    seqs: list[int] = []
    while True:
        request = urllib.request.Request(  # noqa: S310  the bench's own loopback server
            f"{base}/faellesskab/api/spaces/{space}/events?after_seq={after}&limit=500",
            headers={"Cookie": f"sessionid={cookie}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310  http only
            body = json.loads(response.read())
        seqs += [frame["seq"] for frame in body["events"]]
        if not body["has_more"] or not body["events"]:
            return seqs
        after = body["last_seq"]


async def _resync(client: Client, args: argparse.Namespace) -> None:
    """Fetch what the socket missed, as the browser client does after a reconnect or a gap."""
    if client.baseline is None or client.cookie is None:
        client.synced = client.connection is not None  # nothing seen yet: nothing to catch up
        return
    while client.fetching:  # noqa: ASYNC110  one fetch at a time, the next from where it ended
        await asyncio.sleep(0.05)
    client.fetching = True
    try:
        seqs = await asyncio.to_thread(
            _fetch_after, args.http_base, args.space, client.cookie, client.last_contiguous
        )
        for seq in seqs:
            client.fetched.add(seq)
            client.seen.add(seq)
        _advance(client)
        if client.connection is not None:
            client.synced = True
    except OSError as exc:
        print(f"resync failed: {exc!r}", file=sys.stderr)
    finally:
        client.fetching = False


async def _run_client(client: Client, args: argparse.Namespace, ready: asyncio.Event) -> None:
    headers = {"Cookie": f"sessionid={client.cookie}"} if client.cookie else {}
    first = True
    while True:
        try:
            async with connect(
                args.url,
                origin=args.origin,
                additional_headers=headers,
                compression=None,
                max_size=2**20,
                ping_interval=None,  # browsers do not ping; the server's pings are answered
                open_timeout=60 if first else 10,
                close_timeout=2,
            ) as connection:
                client.connection = connection
                if first:
                    ready.set()
                    first = False
                elif args.resync:
                    client.synced = False
                    _spawn(_resync(client, args))
                async for message in connection:
                    frame = json.loads(message)
                    seq = frame.get("seq")
                    if seq is None:
                        STATE["other_frames"] += 1
                        continue
                    RECV.extend((client.index, seq, time.monotonic()))
                    if client.baseline is None:
                        client.baseline = seq - 1
                        client.last_contiguous = seq - 1
                    client.seen.add(seq)
                    if seq > client.last_contiguous + 1 and args.resync:
                        _spawn(_resync(client, args))  # a gap: fetch what is missing
                    _advance(client)
        except (OSError, WebSocketException, TimeoutError):
            if first:
                STATE["connect_failures"] += 1
                print(f"connect failed: {sys.exc_info()[1]!r}", file=sys.stderr)
                ready.set()
                return
        client.connection = None
        if not args.reconnect:
            return
        STATE["reconnects"] += 1
        await asyncio.sleep(random.uniform(0.2, 1.0))  # jittered, as the browser client does


async def _connect_all(clients: list[Client], args: argparse.Namespace) -> list[asyncio.Task[None]]:
    tasks = []
    window = asyncio.Semaphore(args.connect_concurrency)

    async def start(client: Client) -> None:
        async with window:
            ready = asyncio.Event()
            tasks.append(asyncio.create_task(_run_client(client, args, ready)))
            await ready.wait()

    await asyncio.gather(*(start(c) for c in clients))
    return tasks


def _dump(path: str, clients: list[Client], resync: bool) -> int:
    count = len(RECV) // 3
    with open(path, "w") as out:
        json.dump(
            {
                "recv": RECV,
                "other_frames": STATE["other_frames"],
                "reconnects": STATE["reconnects"],
                "connect_failures": STATE["connect_failures"],
                "connected": sum(1 for c in clients if c.connection is not None),
                "clients": [
                    {
                        "baseline": c.baseline,
                        "seen_max": max(c.seen) if c.seen else None,
                        "synced": c.synced and c.connection is not None,
                        "fetched": sorted(c.fetched),
                        "seen": sorted(c.seen) if resync else None,
                    }
                    for c in clients
                ],
            },
            out,
        )
    RECV.clear()
    STATE["other_frames"] = 0
    for client in clients:
        client.fetched.clear()
    return count


async def main_async(args: argparse.Namespace) -> None:
    cookies: list[str | None]
    if args.cookies:
        every = json.loads(Path(args.cookies).read_text())  # noqa: ASYNC240  before any socket
        cookies = every[args.skip : args.skip + args.n]
    else:
        cookies = [None] * args.n
    clients = [Client(index=i, cookie=cookie) for i, cookie in enumerate(cookies)]
    started = time.monotonic()
    tasks = await _connect_all(clients, args)
    connected = sum(1 for c in clients if c.connection is not None)
    print(
        f"READY {connected} {STATE['connect_failures']} {time.monotonic() - started:.1f}",
        flush=True,
    )
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().strip()
        if not line or line == "STOP":
            break
        command, _, rest = line.partition(" ")
        if command == "COUNT":
            print(f"COUNT {len(RECV) // 3}", flush=True)
        elif command == "DUMP":
            print(f"DUMPED {_dump(rest, clients, args.resync)}", flush=True)
        elif command == "SYNCED":
            synced = sum(1 for c in clients if c.synced and c.connection is not None)
            print(f"SYNCED {synced}", flush=True)
        elif command == "DISCONNECT":
            for client in clients:
                if client.connection is not None:
                    client.synced = False
                    client.connection.transport.abort()
            print("DISCONNECTED", flush=True)
    args.reconnect = False
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--origin", default=None)
    parser.add_argument("--n", type=int, required=True)
    parser.add_argument("--cookies", help="JSON list of session keys, one per client")
    parser.add_argument("--skip", type=int, default=0, help="first cookie to use")
    parser.add_argument("--space", type=int, default=1)
    parser.add_argument("--http-base", default="")
    parser.add_argument("--resync", action="store_true")
    parser.add_argument("--reconnect", action="store_true")
    parser.add_argument("--connect-concurrency", type=int, default=32)
    args = parser.parse_args()
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
