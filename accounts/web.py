"""Small view helpers every youth-facing app shares: who may open a page, which content language.

They live in accounts because every app may import it, and each app had grown its own copy.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from accounts.models import User

View = TypeVar("View", bound=Callable[..., HttpResponse])

CONTENT_LANGUAGES = ("da", "en")


def content_language() -> str:
    """The active language as one Sammen ships content in; anything else reads Danish."""
    code = (translation.get_language() or "da")[:2]
    return code if code in CONTENT_LANGUAGES else "da"


def youth_required(view: View) -> View:
    """Logged in and a youth; anyone else gets 404 (these are the youth's own pages)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not cast(User, request.user).is_youth:
            raise Http404
        return view(request, *args, **kwargs)

    return cast(View, wrapper)
