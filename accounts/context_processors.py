from typing import Any

from django.conf import settings
from django.http import HttpRequest


def crisis_lines(request: HttpRequest) -> dict[str, Any]:
    """The crisis lines, from the one place they are configured, for every page."""
    return {"CRISIS_LINES": settings.CRISIS_LINES}
