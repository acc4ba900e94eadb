"""JSON API for community.js: parse -> one service/selector call -> serialise.

Session auth; Django's CSRF middleware guards every write (the client sends X-CSRFToken).
A space the user cannot read answers 404, as the HTML views do.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community import permissions, selectors, services
from community.limits import LimitError
from community.models import Post, Space

MAX_JSON_BYTES = 64 * 1024  # a 5,000-character post in any script fits many times over


def _error(code: str, message: Any, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"error": code, "message": str(message), **extra}, status=status)


def _not_found() -> JsonResponse:
    return _error("not_found", _("Ikke fundet."), 404)


def _authenticated(request: HttpRequest) -> bool:
    return bool(request.user.is_authenticated)


def _readable_space(request: HttpRequest, space_id: int) -> Space | None:
    space = Space.objects.filter(pk=space_id).first()
    if space is None or not permissions.can_read_space(request.user, space):
        return None
    return space


def _json_body(request: HttpRequest) -> dict[str, Any] | None:
    if len(request.body) > MAX_JSON_BYTES:
        return None
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


@require_GET
def space_events(request: HttpRequest, space_id: int) -> JsonResponse:
    """`?after_seq=N&limit=L`: frames after N in seq order, `has_more` when a page was cut."""
    if not _authenticated(request):
        return _error("not_authenticated", _("Log ind først."), 403)
    space = _readable_space(request, space_id)
    if space is None:
        return _not_found()
    try:
        after_seq = max(0, int(request.GET.get("after_seq", "0")))
        limit = int(request.GET.get("limit", "100"))
    except ValueError:
        return _error("bad_request", _("after_seq og limit skal være tal."), 400)
    frames, has_more = selectors.space_events_after(
        space_id=space.pk, after_seq=after_seq, limit=limit
    )
    last = frames[-1]["seq"] if frames else after_seq
    return JsonResponse(
        {"space": space.pk, "events": frames, "has_more": has_more, "last_seq": last}
    )


@require_POST
def post_create(request: HttpRequest, space_id: int) -> JsonResponse:
    """Create a post, or a comment when `parent` is given. Saved PENDING; answers 201."""
    if not _authenticated(request):
        return _error("not_authenticated", _("Log ind først."), 403)
    space = _readable_space(request, space_id)
    if space is None:
        return _not_found()
    data = _json_body(request)
    if data is None:
        return _error("bad_request", _("Kunne ikke læse forespørgslen."), 400)
    body = data.get("body")
    if not isinstance(body, str):
        return _error("bad_request", _("Skriv lidt tekst, før du sender."), 400)
    try:
        parent_id = data.get("parent")
        if parent_id is not None:
            parent = Post.objects.select_related("space").filter(pk=int(parent_id)).first()
            if parent is None or parent.space_id != space.pk:
                return _not_found()
            post = services.comment_create(author=request.user, parent=parent, body=body)
        else:
            post = services.post_create(
                author=request.user,
                space=space,
                body=body,
                content_warning_topic=data.get("content_warning_topic") or None,
            )
    except PermissionDenied:
        return _error("forbidden", _("Du kan ikke skrive her."), 403)
    except LimitError as exc:
        status = 429 if exc.retry_after else 400
        response = _error(exc.code, exc.message, status)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response
    except services.CommunityError as exc:
        return _error(exc.code, exc.message, 400)
    except (ValidationError, ValueError, TypeError):
        return _error("invalid", _("Noget i opslaget var ikke gyldigt."), 400)
    return JsonResponse({"id": post.pk, "status": post.status}, status=201)


@require_POST
def reaction_toggle(request: HttpRequest, post_id: int) -> JsonResponse:
    if not _authenticated(request):
        return _error("not_authenticated", _("Log ind først."), 403)
    post = selectors.post_for_viewer(post_id=post_id, viewer=request.user)
    if post is None or post.status != Post.Status.PUBLISHED:
        return _not_found()
    data = _json_body(request)
    if data is None or not isinstance(data.get("kind"), str):
        return _error("bad_request", _("Vælg en reaktion."), 400)
    try:
        on, counts = services.reaction_toggle(user=request.user, post=post, kind=data["kind"])
    except ValidationError:
        return _error("invalid", _("Den reaktion findes ikke."), 400)
    except services.CommunityError as exc:
        return _error(exc.code, exc.message, 400)
    return JsonResponse({"post": post.pk, "on": on, "counts": counts})
