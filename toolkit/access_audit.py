"""The one seam between toolkit's staff-facing views and the access audit (issue 7, item 6).

Every staff view of a youth's toolkit data, granted or refused, is recorded through here. The
clinician workspace registers its recorder in its `apps.py ready()`; toolkit does not import it.
Without a recorder the view fails instead of showing data unaudited.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured

# recorder(viewer_id, youth_id, resource, object_id, granted)
Recorder = Callable[[int, int, str, int | None, bool], None]

_recorder: Recorder | None = None


def register_recorder(fn: Recorder) -> None:
    global _recorder
    _recorder = fn


def record_staff_access(
    *, viewer_id: int, youth_id: int, resource: str, object_id: int | None, granted: bool
) -> None:
    """Record one staff view of a youth's data. Raises if no recorder is registered."""
    if _recorder is None:
        raise ImproperlyConfigured(
            "No access-audit recorder registered; staff views of toolkit data would go unaudited."
        )
    _recorder(viewer_id, youth_id, resource, object_id, granted)
