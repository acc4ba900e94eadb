"""Pseudonymous handles: what a youth may be called in front of peers.

Handles must not identify anyone (DESIGN.md section 2): no real full names, phone numbers, e-mail
addresses, URLs or social-media handles. Each refusal says why, so a young person can pick another
name without guessing. Look-alike and invisible characters are refused because they let two
handles appear identical ("maja" in Latin and in Cyrillic letters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

MIN_LENGTH = 3
MAX_LENGTH = 24
_DATA = Path(__file__).resolve().parent / "data"
_ALLOWED_PUNCTUATION = "_-."
_PHONE = re.compile(r"(?:\+?\d[\s\-.]?){8,}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}", re.IGNORECASE)
_URL = re.compile(
    r"(https?:|www\.|\.(?:dk|com|net|org|io|me|tv|gg|app|se|no|de|uk|eu)\b|/)", re.IGNORECASE
)
_SOCIAL_PREFIXES = ("@", "snap:", "sc:", "insta:", "ig:", "tiktok:", "discord:")


@dataclass(frozen=True, slots=True)
class HandleProblem:
    """Why a handle was refused; `code` is stable for tests, `message` is shown to the youth."""

    code: str
    message: str | Promise


def _words(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def first_names() -> frozenset[str]:
    return _words(_DATA / "first_names.txt")


@cache
def surnames() -> frozenset[str]:
    return _words(_DATA / "surnames.txt")


def canonical_handle(handle: str) -> str:
    """The form used for case-insensitive uniqueness: NFKC, then casefold."""
    return unicodedata.normalize("NFKC", handle).casefold()


def _is_invisible(char: str) -> bool:
    # Cf covers zero-width spaces and joiners, direction marks and the BOM.
    return unicodedata.category(char) in {"Cf", "Cc", "Co", "Cn"}


def _is_latin_letter(char: str) -> bool:
    return char.isalpha() and "LATIN" in unicodedata.name(char, "")


_SURNAME_SUFFIXES = (
    "sen", "son", "gaard", "gård", "berg", "bjerg", "holm", "lund", "skov", "strup", "dal", "mose",
    "høj", "hoj", "feldt", "borg",
)  # fmt: skip


def _looks_like_surname(word: str, original: str) -> bool:
    return (
        word in surnames()
        or word.endswith(_SURNAME_SUFFIXES)
        or (original[:1].isupper() and original[1:].islower())
    )


def _looks_like_full_name(handle: str) -> bool:
    """First name + something surname-like ("Jonas Berg", "mette_hansen", "annasmith")."""
    originals = [p for p in re.split(r"[\s_.\-]+", handle) if p]
    parts = [p.casefold() for p in originals]
    if (
        len(parts) >= 2
        and parts[0] in first_names()
        and parts[1].isalpha()
        and len(parts[1]) >= 2
        and _looks_like_surname(parts[1], originals[1])
    ):
        return True
    if len(parts) >= 2 and parts[-1] in surnames() and parts[0].isalpha():
        return True
    joined = "".join(parts)
    return any(
        joined.startswith(first) and joined[len(first) :] in surnames() for first in first_names()
    )


def handle_problem(handle: str) -> HandleProblem | None:
    """Return the first reason the handle is refused, or None when it is fine."""
    if any(_is_invisible(ch) for ch in handle):
        return HandleProblem(
            "invisible", _("Dit brugernavn indeholder usynlige tegn. Skriv det igen uden dem.")
        )
    stripped = handle.strip()
    if unicodedata.normalize("NFKC", stripped) != stripped:
        return HandleProblem(
            "lookalike",
            _("Dit brugernavn indeholder specialtegn, der ligner almindelige bogstaver."),
        )
    lowered = stripped.casefold()
    if _EMAIL.search(stripped):
        return HandleProblem("email", _("Et brugernavn må ikke være en e-mailadresse."))
    if lowered.startswith(_SOCIAL_PREFIXES):
        return HandleProblem(
            "social", _("Et brugernavn må ikke ligne et brugernavn fra sociale medier (fx @navn).")
        )
    if _PHONE.search(stripped):
        return HandleProblem("phone", _("Et brugernavn må ikke indeholde et telefonnummer."))
    if _URL.search(stripped):
        return HandleProblem("url", _("Et brugernavn må ikke være et link eller en webadresse."))
    if _looks_like_full_name(stripped):
        return HandleProblem(
            "real_name",
            _(
                "Det ligner et rigtigt for- og efternavn. Vælg et kaldenavn, så andre ikke kan "
                "se, hvem du er."
            ),
        )
    if len(stripped) < MIN_LENGTH or len(stripped) > MAX_LENGTH:
        return HandleProblem("length", _("Et brugernavn skal være mellem 3 og 24 tegn langt."))
    for ch in stripped:
        if ch.isalpha() and not _is_latin_letter(ch):
            return HandleProblem(
                "lookalike",
                _("Brug kun almindelige bogstaver (a-å), tal og tegnene _ - . i dit brugernavn."),
            )
        if not (ch.isalnum() or ch in _ALLOWED_PUNCTUATION):
            return HandleProblem(
                "charset",
                _("Brug kun bogstaver, tal og tegnene _ - . i dit brugernavn (ingen mellemrum)."),
            )
    if not any(ch.isalpha() for ch in stripped):
        return HandleProblem("charset", _("Et brugernavn skal indeholde mindst ét bogstav."))
    return None
