"""Print every violation of the safety-path invariants; exit non-zero if there is any."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from moderation.reconcile import violations_find


class Command(BaseCommand):
    help = "Check DESIGN.md section 3's invariants. 0 rows is the healthy state."

    def handle(self, *args: Any, **options: Any) -> None:
        violations = violations_find()
        for violation in violations:
            self.stdout.write(str(violation))
        self.stderr.write(f"{len(violations)} violation(s)")
        if violations:
            sys.exit(1)
