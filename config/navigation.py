"""The main menu: which pages each role sees. One list, so the menu never drifts per template."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

YOUTH = "youth"
PEER = "peer_worker"
CLINICIAN = "clinician"
ADMIN = "clinic_admin"


@dataclass(frozen=True, slots=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str]


NAV: list[NavItem] = [
    NavItem("community:spaces", _("Fællesskab"), frozenset({YOUTH, PEER, CLINICIAN})),
    NavItem("journeys:list", _("Rejser"), frozenset({YOUTH})),
    NavItem("toolkit:home", _("Værktøjskasse"), frozenset({YOUTH})),
    NavItem("care:my_care", _("Min behandler"), frozenset({YOUTH})),
    NavItem("moderation:mine", _("Beskeder fra Sammen"), frozenset({YOUTH})),
    NavItem("moderation:dashboard", _("Moderation"), frozenset({PEER, CLINICIAN, ADMIN})),
    NavItem("care:caseload", _("Mine unge"), frozenset({CLINICIAN})),
    NavItem("moderation:kpis", _("Nøgletal"), frozenset({CLINICIAN, ADMIN})),
    NavItem("care:outcome_export", _("Udfaldsdata"), frozenset({ADMIN})),
]


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
