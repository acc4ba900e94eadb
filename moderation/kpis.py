"""Moderation KPIs: response times per tier, backlog, flag shares, model agreement, fairness.

Computed in Python over a time window; the volumes of one clinic per month are small. Move to
SQL percentile aggregates on PostgreSQL if that stops being true.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from moderation.models import Flag, RiskAssessment, Tier

LEVEL_NAMES = {0: "none", 1: "low", 2: "elevated", 3: "crisis"}


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _minutes(pairs: Iterable[tuple[dt.datetime, dt.datetime | None]]) -> list[float]:
    return [(end - start).total_seconds() / 60 for start, end in pairs if end is not None]


def _slice(assessments: list[RiskAssessment], key: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, list[RiskAssessment]] = defaultdict(list)
    for a in assessments:
        groups[getattr(a, key) or "?"].append(a)
    out = {}
    for name, rows in sorted(groups.items()):
        levels = Counter(LEVEL_NAMES.get(a.level, "?") for a in rows)
        flagged = sum(1 for a in rows if a.level >= 2 or not a.scored)
        out[name] = {
            "n": len(rows),
            "flagged_share": flagged / len(rows),
            "levels": {lv: levels.get(lv, 0) / len(rows) for lv in LEVEL_NAMES.values()},
        }
    return out


def kpis_compute(*, days: int = 30, now: dt.datetime | None = None) -> dict[str, Any]:
    """Every figure on the KPIs page for the last `days` days."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=days)
    flags = list(Flag.objects.filter(opened_at__gte=since).select_related("assessment"))
    per_tier = {}
    for tier in Tier.values:
        rows = [f for f in flags if f.tier == tier]
        looked = _minutes((f.opened_at, f.first_looked_at) for f in rows)
        # A flag superseded by the author's edit was closed by screening, not by a person.
        resolved = _minutes(
            (f.opened_at, f.resolved_at) for f in rows if f.resolution != Flag.Resolution.SUPERSEDED
        )
        per_tier[tier] = {
            "opened": len(rows),
            "first_look_p50": percentile(looked, 50),
            "first_look_p90": percentile(looked, 90),
            "resolution_p50": percentile(resolved, 50),
            "resolution_p90": percentile(resolved, 90),
            "backlog": sum(1 for f in rows if f.status != Flag.Status.RESOLVED),
            "overdue": sum(1 for f in rows if f.status != Flag.Status.RESOLVED and f.due_at < now),
        }
    assessments = list(RiskAssessment.objects.filter(created_at__gte=since))
    feedback = [f.model_agreed for f in flags if f.model_agreed is not None]
    agreement_by: dict[str, dict[str, float | int]] = {}
    for key in ("language", "age_band"):
        buckets: dict[str, list[bool]] = defaultdict(list)
        for f in flags:
            if f.model_agreed is not None and f.assessment is not None:
                buckets[getattr(f.assessment, key) or "?"].append(bool(f.model_agreed))
        agreement_by[key] = {k: sum(v) / len(v) for k, v in sorted(buckets.items())}
    return {
        "days": days,
        "per_tier": per_tier,
        "backlog_total": sum(t["backlog"] for t in per_tier.values()),
        "assessed": len(assessments),
        "overall": _slice(assessments, "subject_type").get("post"),
        "by_language": _slice(assessments, "language"),
        "by_age_band": _slice(assessments, "age_band"),
        "agreement_rate": (sum(feedback) / len(feedback)) if feedback else None,
        "agreement_n": len(feedback),
        "agreement_by": agreement_by,
        "unscored_share": (
            sum(1 for a in assessments if not a.scored) / len(assessments) if assessments else None
        ),
    }
