"""The only way services broadcast: after the transaction commits (Zulip's send_event_on_commit).

Pushes are hints, not the record (DESIGN.md section 3): the channel layer is at-most-once, so a
failed send is logged and dropped, never raised into the request that committed the data.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)


def _send(group: str, payload: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, payload)
    except Exception:  # the database is the record; clients resync on reconnect or a gap
        logger.warning(
            "realtime.publish.failed",
            extra={"group": group, "type": payload.get("type")},
            exc_info=True,
        )


def publish_on_commit(group: str, event: Mapping[str, Any]) -> None:
    """Send `event` to `group` once the current transaction commits (at once outside one).

    The event is round-tripped through JSON here so a bad payload fails at its source.
    """
    payload = json.loads(json.dumps(event))
    if "type" not in payload:
        raise ValueError("a channel-layer event needs a 'type'")
    transaction.on_commit(lambda: _send(group, payload))
