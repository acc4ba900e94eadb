"""Bench-only settings: ``config.settings`` with channels_redis's RedisPubSubChannelLayer.

One PUBLISH per group send and one SUBSCRIBE per group per process, instead of the sorted-set
queues of ``RedisChannelLayer``. Its ``on_reconnect`` hooks are never called (channels_redis
issue 406), so clients must resync by seq whichever layer runs (DESIGN.md section 5).
"""

from config.settings import *  # noqa: F403
from config.settings import REDIS_URL

_PUBSUB_LAYER: dict[str, object] = {
    "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30}]},
}
CHANNEL_LAYERS = {"default": _PUBSUB_LAYER}
