"""Physical references for the realtime bench: the cheapest servers that deliver the same frames.

Bench-only, never imported by the app. Two servers, both plain `websockets` on asyncio:

- ``bare``: subscribers connect to ``/sub``; the driver connects to ``/pub`` and every text frame
  it sends is passed to ``websockets.broadcast()`` for all subscribers, as is.
- ``relay``: subscribers connect to ``/sub``; the server SUBSCRIBEs to a Redis channel and passes
  every message to ``websockets.broadcast()``. The driver PUBLISHes to Redis, so the path is the
  one a Redis-backed fan-out cannot avoid: publisher -> Redis -> server -> sockets.

Run: ``python bench/realtime_reference.py bare --port 8702`` (the orchestrator starts it pinned).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

logger = logging.getLogger("bench.realtime_reference")
SUBSCRIBERS: set[ServerConnection] = set()


async def _handler(connection: ServerConnection) -> None:
    path = connection.request.path if connection.request else "/sub"
    if path.startswith("/pub"):
        async for message in connection:
            broadcast(SUBSCRIBERS, message)
        return
    SUBSCRIBERS.add(connection)
    try:
        await connection.send('{"type":"hello","spaces":[1]}')
        await connection.wait_closed()
    finally:
        SUBSCRIBERS.discard(connection)


async def _relay_from_redis(redis_url: str, channel: str) -> None:
    import redis.asyncio as aioredis

    client: Any = aioredis.Redis.from_url(redis_url)
    pubsub = client.pubsub(ignore_subscribe_messages=True)
    await pubsub.subscribe(channel)
    async for item in pubsub.listen():
        data = item.get("data")
        if isinstance(data, bytes):
            broadcast(SUBSCRIBERS, data.decode("utf-8"))


async def main_async(kind: str, host: str, port: int, redis_url: str, channel: str) -> None:
    stop = asyncio.get_running_loop().create_future()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set_result, None)
    # No compression, as daphne (autobahn) does not negotiate it either: equal work per frame.
    async with serve(_handler, host, port, compression=None, max_size=65536, ping_interval=20):
        relay = (
            asyncio.create_task(_relay_from_redis(redis_url, channel)) if kind == "relay" else None
        )
        print("LISTENING", flush=True)
        await stop
        if relay:
            relay.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["bare", "relay"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6391/0")
    parser.add_argument("--channel", default="bench.space.1")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    assert websockets.__version__
    asyncio.run(main_async(args.kind, args.host, args.port, args.redis_url, args.channel))


if __name__ == "__main__":
    main()
