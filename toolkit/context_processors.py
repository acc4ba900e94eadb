"""The safety plan one tap from the crisis button, on every page, for logged-in youths."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


def crisis_extra_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_youth", False):
        return {}
    return {
        "CRISIS_EXTRA_LINKS": [
            {"url": reverse("toolkit:safety_plan"), "label": _("Min sikkerhedsplan")}
        ]
    }
