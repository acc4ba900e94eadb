"""The main menu: which pages each role sees. One list, so the menu never drifts per template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise

YOUTH = "youth"
PEER = "peer_worker"
CLINICIAN = "clinician"
ADMIN = "clinic_admin"


@dataclass(frozen=True, slots=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]


NAV: list[NavItem] = []  # filled as the apps land; labels use _()


def nav_items(request: HttpRequest) -> dict[str, Any]:
    """Context processor: the menu entries for the logged-in user's role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"NAV_ITEMS": []}
    role = getattr(user, "role", "")
    return {
        "NAV_ITEMS": [
            {"url": reverse(item.url_name), "label": item.label}
            for item in NAV
            if role in item.roles
        ]
    }
