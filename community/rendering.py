"""The only place community markup is made: escape, line breaks, safe links, nh3, no bidi tricks.

Templates escape everything else. The output of `render_body` is marked safe only because nh3
has just reduced it to <p>, <br> and <a href> with a fixed rel.
"""

from __future__ import annotations

import html
import re

import nh3
from django.utils.safestring import SafeString, mark_safe

# Bidi embeddings/overrides/isolates (U+202A-202E, U+2066-2069) reorder text on screen and hide
# what a link or a word really is; zero-width characters hide words from filters and readers.
_INVISIBLE = re.compile("[\u202a-\u202e\u2066-\u2069\u200b-\u200f\u2060\ufeff\u061c]")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_TRAILING_PUNCTUATION = ".,;:!?)]}'\""
LINK_REL = "nofollow noopener ugc"


def strip_invisible(text: str) -> str:
    """Remove direction-control and zero-width characters."""
    return _INVISIBLE.sub("", text)


def normalise_for_duplicates(text: str) -> str:
    """The form two bodies are compared in for duplicate rejection."""
    return " ".join(strip_invisible(text).casefold().split())


def _line_to_html(line: str) -> str:
    """Escape one raw line, turning http(s) URLs into links (the URL is escaped too)."""
    out = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0)
        trailing = ""
        while url and url[-1] in _TRAILING_PUNCTUATION:
            trailing = url[-1] + trailing
            url = url[:-1]
        out.append(html.escape(line[position : match.start()], quote=True))
        safe = html.escape(url, quote=True)
        out.append(f'<a href="{safe}">{safe}</a>' if url else "")
        out.append(html.escape(trailing, quote=True))
        position = match.end()
    out.append(html.escape(line[position:], quote=True))
    return "".join(out)


def render_body(text: str) -> SafeString:
    """Plain text to safe HTML: paragraphs on blank lines, <br> on line breaks, http(s) links."""
    clean = strip_invisible(text).replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in re.split(r"\n\s*\n", clean) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        lines = [_line_to_html(line) for line in paragraph.strip("\n").split("\n")]
        parts.append("<p>" + "<br>".join(lines) + "</p>")
    sanitised = nh3.clean(
        "".join(parts),
        tags={"p", "br", "a"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https"},
        link_rel=LINK_REL,
        strip_comments=True,
    )
    return mark_safe(sanitised)  # noqa: S308 - nh3 output limited to p, br, a[href]
