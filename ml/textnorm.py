"""Text normalisation for rule matching, keeping a map back to the original offsets.

Young people dodge filters, on purpose or not: "SELVMOOOORD", "selv\u200bmord", "doed",
"s e l v m o r d". Rules and texts go through the same folding, so a rule written once
matches these variants, and every match maps back to a span of the original text that
moderators see highlighted.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Danish letters fold to their two-letter keyboard spellings, which users type when their
# keyboard lacks them ("doed", "paa"); German umlauts follow the same convention.
_LETTER_FOLDS = {"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ß": "ss"}
_MIN_SPACED_LETTERS = 4  # "s e l v m o r d": joined when at least this many single letters


@dataclass(frozen=True, slots=True)
class Token:
    """A normalised word with the original character span it came from."""

    text: str
    start: int
    end: int


def _fold_char(char: str) -> str:
    """Casefold one character, fold Danish letters and strip accents ("é" -> "e")."""
    lowered = char.casefold()
    folded = []
    for part in lowered:
        if part in _LETTER_FOLDS:
            folded.append(_LETTER_FOLDS[part])
            continue
        decomposed = unicodedata.normalize("NFKD", part)
        folded.append("".join(c for c in decomposed if not unicodedata.combining(c)))
    return "".join(folded)


def normalise_with_offsets(text: str) -> tuple[str, list[int]]:
    """Return the normalised text and, per normalised char, the index of its source char.

    Invisible format characters (zero-width spaces and joiners, soft hyphens) are dropped,
    anything that is not a letter or digit becomes a space, runs of one repeated letter
    collapse to one (before and after folding, so "dræææbe" and "draebe" meet), and runs
    of spaces collapse to one.
    """
    out: list[str] = []
    index: list[int] = []
    previous_raw = ""
    for position, char in enumerate(text):
        category = unicodedata.category(char)
        if category == "Cf":  # zero-width and other invisible format characters
            continue
        lowered = char.casefold()
        if lowered.isalpha() and lowered == previous_raw:
            continue
        previous_raw = lowered
        folded = _fold_char(char) if char.isalnum() else " "
        for piece in folded or " ":
            if not piece.isalnum():
                piece = " "
            if out and out[-1] == piece and (piece == " " or piece.isalpha()):
                continue
            out.append(piece)
            index.append(position)
    return "".join(out), index


def tokenize(text: str) -> list[Token]:
    """Split into normalised word tokens with original spans; join spaced-out letters."""
    normalised, index = normalise_with_offsets(text)
    tokens: list[Token] = []
    cursor = 0
    length = len(normalised)
    while cursor < length:
        if normalised[cursor] == " ":
            cursor += 1
            continue
        end = cursor
        while end < length and normalised[end] != " ":
            end += 1
        tokens.append(Token(normalised[cursor:end], index[cursor], index[end - 1] + 1))
        cursor = end
    return _join_spaced_letters(tokens)


def _join_spaced_letters(tokens: list[Token]) -> list[Token]:
    """Merge runs of single-letter tokens ("s e l v m o r d") into one word."""
    merged: list[Token] = []
    run: list[Token] = []

    def flush() -> None:
        if len(run) >= _MIN_SPACED_LETTERS:
            word = _collapse_repeats("".join(t.text for t in run))
            merged.append(Token(word, run[0].start, run[-1].end))
        else:
            merged.extend(run)
        run.clear()

    for token in tokens:
        if token.end - token.start == 1 and token.text.isalpha():  # "æ" folds to "ae"
            run.append(token)
            continue
        flush()
        merged.append(token)
    flush()
    return merged


def _collapse_repeats(word: str) -> str:
    """Collapse runs of one repeated letter, as normalise_with_offsets does."""
    out: list[str] = []
    for char in word:
        if out and out[-1] == char and char.isalpha():
            continue
        out.append(char)
    return "".join(out)


def normalise_phrase(phrase: str) -> list[str]:
    """Normalise a rule phrase into word tokens; a trailing ``*`` marks a prefix match."""
    words: list[str] = []
    for raw in phrase.split():
        prefix = raw.endswith("*")
        tokens = [t.text for t in tokenize(raw.rstrip("*"))]
        if not tokens:
            continue
        if prefix:
            tokens[-1] += "*"
        words.extend(tokens)
    return words
