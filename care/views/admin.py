"""The clinic admin's page: the anonymised outcome dataset."""

from __future__ import annotations

import logging
from typing import cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from accounts.models import Role, User
from care import gdpr

logger = logging.getLogger(__name__)


@login_required
def outcome_export(request: HttpRequest) -> HttpResponse:
    """The anonymised outcome dataset of the admin's clinics (JSON download or a page)."""
    if getattr(request.user, "role", None) != Role.CLINIC_ADMIN:
        raise Http404
    data = gdpr.outcome_dataset_for_admin(admin=cast(User, request.user))
    logger.info("care.outcome_export", extra={"rows": len(data["rows"])})
    if request.GET.get("format") == "json":
        response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
        response["Content-Disposition"] = 'attachment; filename="sammen-udfald-anonymt.json"'
        return response
    return render(request, "care/outcome_export.html", {"data": data})
