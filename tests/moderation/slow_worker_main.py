"""A `db_worker` whose model hangs inside score_batch: the fault tests kill it mid-batch.

Run as a script by test_moderation_faults.py with DATABASE_URL pointing at the test database.
It writes SLOW_WORKER_MARKER when a batch has reached the model, then sleeps.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from moderation import risk  # noqa: E402


class HangingScorer:
    model_version = "hanging-1"

    def score_batch(self, texts: Sequence[str]) -> list[object]:
        Path(os.environ["SLOW_WORKER_MARKER"]).write_text(str(len(texts)))
        time.sleep(600)
        return []


risk._scorer = lambda: HangingScorer()  # type: ignore[assignment]
call_command("db_worker", "--no-startup-delay", "--no-reload", "--interval", "0.1")
