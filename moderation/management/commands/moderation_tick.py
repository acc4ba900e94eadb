"""The periodic safety tick: sweep stragglers, ingest reports, expire claims, climb the ladder.

`--loop` repeats every MODERATION["TICK_SECONDS"]; the run script and docker-compose start it
beside the task worker (`manage.py db_worker`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from moderation.services import escalation, flags, sanctions, screening

logger = logging.getLogger(__name__)


def tick_once() -> dict[str, int]:
    """One pass. Each step is idempotent, so overlapping ticks are harmless."""
    policy = settings.MODERATION
    return {
        "swept": len(
            screening.pending_reenqueue(
                older_than_seconds=int(policy["SWEEP_OLDER_THAN_SECONDS"]), for_real=True
            )
        ),
        "reports": flags.reports_ingest(),
        "claims_expired": escalation.claims_expire(),
        "escalated": escalation.flags_escalate_overdue(),
        "sanctions_lifted": sanctions.sanctions_lift_expired(),
    }


class Command(BaseCommand):
    help = "Run the moderation sweep and escalation once, or forever with --loop."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=float, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        interval = options["interval"] or float(settings.MODERATION["TICK_SECONDS"])
        while True:
            if options["loop"]:
                close_old_connections()  # a long-running process must drop dead connections
            try:
                counts = tick_once()
            except Exception:  # a failed pass is logged; the next one retries
                logger.exception("moderation.tick.failed")
                if not options["loop"]:
                    raise
            else:
                if any(counts.values()) or not options["loop"]:
                    self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if not options["loop"]:
                return
            time.sleep(interval)
