"""Template helpers: the only way a template shows user text as markup."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from community.rendering import render_body, strip_invisible

register = template.Library()


@register.filter
def post_body(text: str) -> SafeString:
    """Escaped, linkified, nh3-sanitised paragraphs (community.rendering.render_body)."""
    return render_body(text or "")


@register.filter
def visible_text(text: str) -> str:
    """Plain text without direction-control or zero-width characters (still auto-escaped)."""
    return strip_invisible(text or "")


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, 0) if mapping else 0
