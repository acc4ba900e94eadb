"""Frozen contracts of the risk model: the only types other packages may rely on.

Plain dataclasses and a Protocol, no Django and no torch, so moderation can import them
cheaply and tests can fake a scorer (PostHog's facade/contracts style).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

CATEGORIES: tuple[str, ...] = (
    "suicide",
    "self_harm",
    "eating",
    "abuse",
    "substance",
    "harm_to_others",
    "bullying",
    "personal_info",
)


class RiskLevel(enum.IntEnum):
    """Ordered risk levels; moderation holds posts at ELEVATED and above for a human."""

    NONE = 0
    LOW = 1
    ELEVATED = 2
    CRISIS = 3

    @classmethod
    def from_name(cls, name: str) -> RiskLevel:
        """Parse a lower-case level name as used in data files and JSON ("crisis")."""
        return cls[name.strip().upper()]

    @property
    def label(self) -> str:
        """The lower-case name used in JSON output and data files."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Evidence:
    """A character span of the scored text that raised the score, shown to moderators."""

    start: int  # character offsets into the scored text
    end: int
    weight: float  # how much this span raised the level


@dataclass(frozen=True, slots=True)
class RiskScore:
    """The assessment of one text; stored with its model version for audit."""

    level: RiskLevel
    probability: float  # 0..1, calibrated
    categories: tuple[str, ...]  # e.g. ("self_harm",)
    evidence: tuple[Evidence, ...]
    model_version: str  # stored on every assessment, for audit


class RiskScorer(Protocol):
    """Anything that scores a batch of texts; one RiskScore per input, in order."""

    model_version: str

    def score_batch(self, texts: Sequence[str]) -> list[RiskScore]: ...


@runtime_checkable
class EvidenceExplainer(Protocol):
    """A scorer whose costly evidence can follow the routing decision instead of delaying it.

    ``score_batch(texts, occlusion=False)`` decides the level with only the cheap rule-hit
    evidence; ``explain_batch(texts)`` later returns, per text, exactly the evidence that
    ``score_batch(texts)`` with occlusion would have returned (model spans merged with rule
    spans). Moderation routes first and fills in the moderator's highlights afterwards.
    """

    model_version: str

    def score_batch(self, texts: Sequence[str], *, occlusion: bool = True) -> list[RiskScore]: ...

    def explain_batch(self, texts: Sequence[str]) -> list[tuple[Evidence, ...]]: ...
