"""Cheap Danish/English detection for per-language calibration.

The encoder scores Danish lower than English for the same content, so thresholds are set
per language. Posts are short and full of slang, so a stopword vote is enough; ties go to
Danish, whose thresholds are the more sensitive ones (Sammen is a Danish service).
"""

from __future__ import annotations

import re

LANGUAGES = ("da", "en")
_WORD = re.compile(r"[a-zæøåäöé']+")
_DANISH_WORDS = (
    "og jeg ikke det er at en til på med har som de mig min mit mine du vil kan bare så "
    "der hvad hvis skal var være også ved nu eller fra mere når hun han os dig din dit "
    "dem noget nogen alle aldrig altid hele godt lidt meget synes ville kunne skulle "
    "gider orker fordi igen sig selv hjem skole mor far ven veninde kæreste tror hjælp "
    "ik lige helt"
)
_ENGLISH_WORDS = (
    "the and i to is it you not my me a of that in just have was for don't can't im i'm "
    "this what if be are with so but they he she we all about like feel know want get do "
    "would could should never always anymore really because anyone someone help school "
    "mom dad friend friends tonight myself life going"
)
_DANISH = frozenset(_DANISH_WORDS.split())
_ENGLISH = frozenset(_ENGLISH_WORDS.split())


def detect_language(text: str) -> str:
    """Return "da" or "en" from a stopword vote, with æ/ø/å as strong Danish evidence."""
    words = _WORD.findall(text.casefold())
    danish = sum(word in _DANISH for word in words)
    english = sum(word in _ENGLISH for word in words)
    danish += 2 * sum(ch in "æøå" for ch in text.casefold()[:2000])
    return "en" if english > danish else "da"
