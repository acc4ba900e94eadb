"""Re-enqueue posts still PENDING after --older-than seconds (a dry run without --for-real)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from moderation.services.screening import pending_reenqueue


class Command(BaseCommand):
    help = "The sweep: the PENDING row, not the queue, guarantees screening."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=settings.MODERATION["SWEEP_OLDER_THAN_SECONDS"],
            help="seconds a subject has been pending",
        )
        parser.add_argument("--for-real", action="store_true", help="enqueue; otherwise only list")

    def handle(self, *args: Any, **options: Any) -> None:
        found = pending_reenqueue(
            older_than_seconds=options["older_than"], for_real=options["for_real"]
        )
        verb = "re-enqueued" if options["for_real"] else "would re-enqueue"
        for subject_type, subject_id in found:
            self.stdout.write(f"{verb} {subject_type}:{subject_id}")
        self.stdout.write(f"{len(found)} {verb}")
