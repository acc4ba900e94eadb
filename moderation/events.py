"""Live dashboard events: numbered per queue, stored, then pushed on commit.

A queue is a clinic x audience ("modq.7.clinical"). Each event gets the queue's next sequence
number in the same transaction as the change it announces, so a client that sees a gap, or
reconnects, fetches `after_seq` from the database: pushes are hints, the rows are the record
(DESIGN.md section 3, the same rules as community's spaces).
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

from django.db.models import F

from moderation.models import (
    CLINICAL_TIERS,
    PRIVATE_SUBJECT_TYPES,
    Flag,
    QueueCounter,
    QueueEvent,
)
from realtime.publish import publish_on_commit

AUDIENCES = ("peer", "clinical")
# realtime.consumers.FRAME_EVENT_TYPE: a channel-layer event carrying one pre-serialised frame.
FRAME_EVENT_TYPE = "realtime.frame"
# Queue event kinds beyond the FlagEvent kinds: the model's highlights arrived after routing
# (`services.evidence`); the dashboard fetches the card again, as for any other kind.
KIND_EVIDENCE = "evidence"


class FlagChanged(TypedDict):
    """The frame a dashboard receives; `type` "flag.changed" maps to `flag_changed` handlers."""

    type: str
    queue: str
    seq: int
    kind: str
    flag_id: int
    subject_type: str
    subject_id: int
    tier: str
    status: str
    escalation_level: int


class ModerationAlert(TypedDict):
    """A personal alert to one staff member (escalation rung, on-call page)."""

    type: str
    flag_id: int
    tier: str
    rung: str


def _frame_text(frame: FlagChanged) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def queue_name(clinic_id: int | None, audience: str) -> str:
    return f"modq.{clinic_id or 0}.{audience}"


def alert_group(user_id: int) -> str:
    return f"modalert.{user_id}"


def audiences_for_flag(flag: Flag) -> tuple[str, ...]:
    """Crisis flags and private writing go to clinicians only; the rest to peers and clinicians."""
    if flag.tier in CLINICAL_TIERS or flag.subject_type in PRIVATE_SUBJECT_TYPES:
        return ("clinical",)
    return AUDIENCES


def _next_seq(queue: str) -> int:
    """Allocate the queue's next number. The UPDATE row-locks the counter until commit, so
    concurrent writers never share one; two queries, three only for a queue's first event."""
    counters = QueueCounter.objects.filter(queue=queue)
    if not counters.update(last_seq=F("last_seq") + 1):
        QueueCounter.objects.get_or_create(queue=queue)
        counters.update(last_seq=F("last_seq") + 1)
    return int(counters.values_list("last_seq", flat=True).get())


def flag_event_record(flag: Flag, kind: str) -> list[FlagChanged]:
    """Store and (on commit) push one `flag.changed` frame per queue that shows this flag.

    Must run inside the transaction that made the change.
    """
    frames: list[FlagChanged] = []
    for audience in audiences_for_flag(flag):
        queue = queue_name(flag.clinic_id, audience)
        seq = _next_seq(queue)
        QueueEvent.objects.create(queue=queue, seq=seq, flag=flag, kind=kind)
        frame = FlagChanged(
            type="flag.changed",
            queue=queue,
            seq=seq,
            kind=kind,
            flag_id=flag.pk,
            subject_type=flag.subject_type,
            subject_id=flag.subject_id,
            tier=flag.tier,
            status=flag.status,
            escalation_level=flag.escalation_level,
        )
        # Serialised once here; each daphne process fans the text out to its sockets
        # (realtime.fanout) without a handler or database hop per socket.
        publish_on_commit(queue, {"type": FRAME_EVENT_TYPE, "text": _frame_text(frame)})
        frames.append(frame)
    return frames


def alert_send(user_id: int, flag: Flag, rung: str) -> None:
    """A pre-serialised frame as well: a clinician may have the dashboard open in many tabs."""
    alert = ModerationAlert(type="moderation.alert", flag_id=flag.pk, tier=flag.tier, rung=rung)
    text = json.dumps(alert, separators=(",", ":"))
    publish_on_commit(alert_group(user_id), {"type": FRAME_EVENT_TYPE, "text": text})


def queue_events_after(queue: str, after_seq: int, limit: int = 500) -> list[dict[str, Any]]:
    """Stored frames of `queue` after `after_seq`, oldest first (the resync read)."""
    rows = (
        QueueEvent.objects.filter(queue=queue, seq__gt=after_seq)
        .select_related("flag")
        .order_by("seq")[:limit]
    )
    return [
        dict(
            FlagChanged(
                type="flag.changed",
                queue=row.queue,
                seq=row.seq,
                kind=row.kind,
                flag_id=row.flag_id,
                subject_type=row.flag.subject_type,
                subject_id=row.flag.subject_id,
                tier=row.flag.tier,
                status=row.flag.status,
                escalation_level=row.flag.escalation_level,
            )
        )
        for row in rows
    ]


def queue_last_seq(queue: str) -> int:
    counter = QueueCounter.objects.filter(queue=queue).first()
    return counter.last_seq if counter else 0
