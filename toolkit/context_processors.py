"""For every page: the safety plan one tap from the crisis button, and whether WHO-5 is due.

Both only for logged-in youths. `TOOLKIT_WHO5_DUE` is a callable, so the query runs only on
pages that show the prompt: `{% include "toolkit/includes/who5_prompt.html" with
who5_due=TOOLKIT_WHO5_DUE %}`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from toolkit.selectors import who5_due_for


def crisis_extra_links(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not getattr(user, "is_youth", False):
        return {}
    return {
        "CRISIS_EXTRA_LINKS": [
            {"url": reverse("toolkit:safety_plan"), "label": _("Min sikkerhedsplan")}
        ],
        "TOOLKIT_WHO5_DUE": lambda: who5_due_for(youth=user),
    }
