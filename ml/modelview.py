"""The text the encoder reads: repeated sentences, words and letters collapsed.

A post that repeats one harmless sentence twenty times ("Jeg tog bussen hjem fra træning. "
x 20) is far from anything the head was trained on: the encoder's mean pool of a window of
identical sentences drifts, and sammen-risk-6 called such posts crisis (EXPERIMENTS.md
section 12). Repetition adds no risk information, so the model reads each distinct sentence
once, a word at most three times in a row and a letter at most three times in a row. The
rules still read the original text, so "jeg vil dø jeg vil dø jeg vil dø" is raised by them
whatever the model makes of the shorter view. Offsets map back, so evidence found on the view
highlights the original text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_RUN = 3  # a letter or a word repeated more often than this in a row is cut to this

_SENTENCE = re.compile(r"[^.!?…\n]*(?:[.!?…]+|\n+|$)\s*")
_LETTER_RUN = re.compile(rf"(.)\1{{{MAX_RUN},}}", re.DOTALL)
_WORD_RUN = re.compile(rf"\b(\w+)\b(?:\W+\1\b){{{MAX_RUN},}}", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_KEY_SPACE = re.compile(r"\s+")
_KEY_EDGES = ".!?…,;:-\u2013\u2014\"'«»()[]* \t\n"  # en and em dashes too


@dataclass(frozen=True)
class ModelView:
    """``text`` for the encoder, and the original offset of each of its characters."""

    text: str
    original_positions: tuple[int, ...] | None  # None: the view is the original text

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a view span [start, end) to the original text (it may cover cut text)."""
        if self.original_positions is None or start >= end:
            return start, end
        return self.original_positions[start], self.original_positions[end - 1] + 1


def model_view(text: str) -> ModelView:
    """Collapse repeats as the module docstring says; the identity for most posts."""
    keep = bytearray(b"\x01") * len(text)
    seen: set[str] = set()
    for match in _SENTENCE.finditer(text):
        start, end = match.span()
        if start == end:
            continue
        key = _KEY_SPACE.sub(" ", text[start:end].casefold()).strip(_KEY_EDGES)
        if key and key in seen:
            keep[start:end] = bytes(end - start)
        seen.add(key)
    for match in _WORD_RUN.finditer(text):
        words = list(_WORD.finditer(text, match.start(), match.end()))
        cut_from = words[MAX_RUN - 1].end()
        keep[cut_from : match.end()] = bytes(match.end() - cut_from)
    for match in _LETTER_RUN.finditer(text):
        cut_from = match.start() + MAX_RUN
        keep[cut_from : match.end()] = bytes(match.end() - cut_from)
    if all(keep):
        return ModelView(text, None)
    positions = tuple(i for i, flag in enumerate(keep) if flag)
    return ModelView("".join(text[i] for i in positions), positions)
