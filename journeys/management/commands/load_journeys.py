"""Load journeys/content/*.yaml: validate every file, then upsert by slug and version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from journeys.services import DEFAULT_CONTENT_DIR, ContentInvalid, journeys_load


class Command(BaseCommand):
    help = "Validate and load journey content files (refuses all on any problem)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--path", default=str(DEFAULT_CONTENT_DIR), help="content directory")
        parser.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        parser.add_argument(
            "--embed",
            action="store_true",
            help="also cache the journeys' encoder vectors for recommendations (needs the model)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["path"])
        try:
            report = journeys_load(directory=directory, dry_run=options["dry_run"])
        except ContentInvalid as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {directory}; nothing was loaded."
            ) from exc
        prefix = "dry run: would have " if report.dry_run else ""
        self.stdout.write(
            f"{prefix}created {len(report.created)}, updated {len(report.updated)}, "
            f"unchanged {len(report.unchanged)}, retired steps {len(report.retired_steps)}"
        )
        for slug in report.created:
            self.stdout.write(f"  created {slug}")
        for slug in report.updated:
            self.stdout.write(f"  updated {slug}")
        for key in report.retired_steps:
            self.stdout.write(f"  retired step {key}")
        if options["embed"] and not report.dry_run:
            from journeys import similarity

            count = similarity.journey_vectors_warm()
            if count is None:
                self.stderr.write("embeddings skipped: the encoder is unavailable")
            else:
                self.stdout.write(f"cached {count} journey embeddings")
