"""The texts a user accepts at sign-up, each with a version derived from its wording.

The version is a label plus a hash of the Danish and English texts, so an edited text can never
be stored under an old version by mistake.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.safestring import SafeString, mark_safe

_DIR = Path(__file__).resolve().parent / "templates" / "accounts" / "documents"
DOCUMENT_LABELS = {"terms": "1", "privacy": "1", "self_consent": "1", "duty_to_notify": "1"}


@dataclass(frozen=True, slots=True)
class Document:
    key: str
    version: str
    html: dict[str, SafeString]


@cache
def document(key: str) -> Document:
    """Load a document's Danish and English HTML (trusted, from the repository)."""
    texts = {
        lang: (_DIR / f"{key}.{lang}.html").read_text(encoding="utf-8") for lang in ("da", "en")
    }
    digest = hashlib.sha256((texts["da"] + "\0" + texts["en"]).encode()).hexdigest()[:8]
    return Document(
        key=key,
        version=f"{DOCUMENT_LABELS[key]}-{digest}",
        html={lang: mark_safe(text) for lang, text in texts.items()},  # noqa: S308 - repo files
    )


def document_html(key: str, language: str) -> SafeString:
    doc = document(key)
    return doc.html.get(language, doc.html["da"])
