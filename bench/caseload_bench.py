"""Caseload page at 500 youths per clinician: SQL queries and milliseconds per page.

Builds a throwaway SQLite database (or uses DATABASE_URL), links 500 youths to one clinician
through the real invitation flow, gives them 14 days of check-ins, flags and journey progress,
then requests caseload pages through Django's test client as the clinician.

    .venv/bin/python bench/caseload_bench.py [--youths 500] [--repeat 20]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--youths", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--no-analyze", action="store_true", help="PostgreSQL: skip ANALYZE after the setup"
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="caseload-bench-")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    settings.ALLOWED_HOSTS = ["*"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("migrate", verbosity=0)

    from accounts.models import CareLink, Clinic, ClinicMembership, Role, User
    from care import services
    from journeys.models import Journey, JourneyProgress
    from moderation.models import Flag
    from toolkit.models import DailyCheckIn

    clinic = Clinic.objects.create(name="Bench", slug="bench")
    clinician = User.objects.create_user(username="bench_kliniker", role=Role.CLINICIAN)
    ClinicMembership.objects.create(clinic=clinic, user=clinician)
    journey = Journey.objects.create(
        slug="bench",
        topic="worry",
        basis="cbt",
        title={"da": "b", "en": "b"},
        summary={"da": "b", "en": "b"},
        about={"da": "b", "en": "b"},
    )
    started = time.perf_counter()
    today = timezone.localdate()
    now = timezone.now()
    scopes = [s.value for s in CareLink.Scope]
    checkins, flags, progress = [], [], []
    for i in range(args.youths):
        youth = User.objects.create_user(
            username=f"bench_ung_{i}", role=Role.YOUTH, birth_year=2008, birth_month=1
        )
        ClinicMembership.objects.create(clinic=clinic, user=youth)
        invitation = services.invitation_create(clinician=clinician, youth=youth)
        services.invitation_accept(invitation=invitation, youth=youth, scopes=scopes)
        checkins += [
            DailyCheckIn(owner=youth, day=today - dt.timedelta(days=d), mood=(i + d) % 11)
            for d in range(14)
        ]
        if i % 10 == 0:
            flags.append(
                Flag(
                    subject_type="post",
                    subject_id=i,
                    tier="elevated" if i % 20 else "crisis",
                    author=youth,
                    opened_at=now,
                    due_at=now + dt.timedelta(minutes=30),
                )
            )
        progress.append(
            JourneyProgress(youth=youth, journey=journey, completed_at=now if i % 3 == 0 else None)
        )
    DailyCheckIn.objects.bulk_create(checkins)
    Flag.objects.bulk_create(flags)
    JourneyProgress.objects.bulk_create(progress)
    User.objects.filter(role=Role.YOUTH).update(last_login=now - dt.timedelta(days=2))
    print(f"setup: {args.youths} youths in {time.perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql" and not args.no_analyze:
        # A live database has planner statistics (autovacuum); a freshly bulk-loaded one does
        # not, and without them PostgreSQL nests loops over guardian's grants (~10x slower).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    client = Client()
    client.force_login(clinician)
    for label, query in (
        ("page 1, needs-attention sort", ""),
        ("page 10", "?side=10"),
        ("filter tier=crisis", "?tier=crisis"),
        ("filter attention only", "?attention=1"),
        ("search q=ung_4", "?q=ung_4"),
    ):
        timings, queries = [], 0
        client.get("/behandling/" + query)  # warm-up
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as ctx:
                t0 = time.perf_counter()
                response = client.get("/behandling/" + query)
                timings.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
            queries = len(ctx.captured_queries)
        timings.sort()
        p90 = timings[int(len(timings) * 0.9) - 1]
        print(
            f"{label:32s} queries={queries:3d}  median={statistics.median(timings):6.1f} ms  "
            f"p90={p90:6.1f} ms  (n={args.repeat}, {connection.vendor})"
        )


if __name__ == "__main__":
    main()
