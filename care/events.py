"""Frames the care message socket pushes, and the groups they go to.

Each party of a conversation has a group of their own (`care.thread.<link>.<user>`), so a frame
is addressed to the youth, the clinician or both, never "whoever listens". The youth's message
reaches the clinician's group only once screening publishes it: a pending or held message is
only ever framed to its author. Pushes are hints; the page is the record (a client that missed a
frame fetches the thread again on reconnect).

Frames go through the channel layer as a "care.event" with the frame as a dict, not as
pre-serialised text, because the consumer re-checks the link before it forwards each one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, TypedDict

from realtime.publish import publish_on_commit

EVENT_TYPE = "care.event"


class MessageData(TypedDict):
    id: int
    sender: str
    sender_id: int
    body: str
    status: str
    created_at: str
    read_at: str | None


class MessageFrame(TypedDict):
    type: Literal["care.message"]
    message: MessageData


class RemovedFrame(TypedDict):
    type: Literal["care.message_removed"]
    id: int


class ReadFrame(TypedDict):
    type: Literal["care.read"]
    ids: list[int]
    read_at: str


class LinkEndedFrame(TypedDict):
    type: Literal["care.link_ended"]


Frame = MessageFrame | RemovedFrame | ReadFrame | LinkEndedFrame


def thread_group(*, link_id: int, user_id: int) -> str:
    return f"care.thread.{link_id}.{user_id}"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def message_frame(message: Any) -> MessageFrame:
    return {
        "type": "care.message",
        "message": {
            "id": message.pk,
            "sender": message.sender.username,
            "sender_id": message.sender_id,
            "body": message.body,
            "status": str(message.status),
            "created_at": message.created_at.isoformat(),
            "read_at": _iso(message.read_at),
        },
    }


def publish(*, link_id: int, user_ids: list[int], frame: Frame) -> None:
    """Send `frame` to each listed party of the link once the transaction commits."""
    for user_id in user_ids:
        publish_on_commit(
            thread_group(link_id=link_id, user_id=user_id),
            {"type": EVENT_TYPE, "frame": dict(frame)},
        )
