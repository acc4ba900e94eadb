"""The rule layer: versioned Danish and English phrases that can only raise a risk level.

It is transparent (moderators can read every phrase in ``ml/rules/``), needs nothing but the
standard library, and keeps working when the transformer cannot load: then it is the whole
scorer and moderation marks the posts unscored. Context (idioms, quotes, helpline numbers,
news, supportive replies) lowers the priority of a hit but never clears it: a lowered hit
still yields at least LOW with its evidence span.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ml.textnorm import Token, normalise_phrase, tokenize
from ml.types import Evidence, RiskLevel, RiskScore

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
RULES_VERSION = 4
LEXICON_VERSION = f"lexicon-{RULES_VERSION}"
LANGUAGES = ("da", "en")
MAX_GAP_WORDS = 1  # extra words allowed between the words of a phrase
# A phrase with a "near" anchor set (version 3) needs an anchor within this many words of it:
# "har en plan" is a crisis beside "dø" and harmless beside "eksamen".
NEAR_WINDOW_WORDS = 20

# Nominal probabilities for rule-only scores. They are not calibrated; they only order levels
# so the moderation queue can sort rule-only assessments next to model ones.
RULE_PROBABILITY = {
    RiskLevel.NONE: 0.0,
    RiskLevel.LOW: 0.3,
    RiskLevel.ELEVATED: 0.6,
    RiskLevel.CRISIS: 0.9,
}
_EVIDENCE_WEIGHT = {RiskLevel.LOW: 0.3, RiskLevel.ELEVATED: 0.6, RiskLevel.CRISIS: 1.0}
_DOCUMENT_CONTEXTS = ("helpline", "news", "support", "farewell")
# Quoted passages: ASCII and typographic double quotes, guillemets, and "> " reply lines.
_QUOTE_PATTERN = re.compile(r'"[^"\n]{3,}"|“[^”\n]{3,}”|„[^“”\n]{3,}[“”]|«[^»\n]{3,}»|»[^«\n]{3,}«')
# Single quotes only count when they stand outside words, so "don't ... it's" is no quote.
_SINGLE_QUOTE_PATTERN = re.compile(r"(?<![\w'])['\u2018][^'\u2018\u2019\n]{3,80}['\u2019](?![\w'])")
_REPLY_LINE_PATTERN = re.compile(r"^[ \t]*>[^\n]*", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Phrase:
    """One rule: normalised words plus the level and category it asserts."""

    words: tuple[str, ...]
    level: RiskLevel
    category: str
    source: str  # the phrase as written in the rules file, for audit and debugging
    near: str | None = None  # anchor set that must stand within NEAR_WINDOW_WORDS words


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A phrase found in a text, with its level after context lowering."""

    start: int
    end: int
    base_level: RiskLevel
    level: RiskLevel
    category: str
    phrase: str
    lowered_by: str | None  # "idiom", "quote", "helpline", "news", "support", "farewell"


class PhraseIndex:
    """Phrases indexed by their first word, so matching costs about one dict lookup a word."""

    def __init__(self, phrases: Iterable[Phrase], *, max_gap: int = MAX_GAP_WORDS) -> None:
        self._max_gap = max_gap
        self._exact: dict[str, list[Phrase]] = {}
        self._prefix: dict[str, list[tuple[str, Phrase]]] = {}
        for phrase in phrases:
            first = phrase.words[0]
            if first.endswith("*"):
                stem = first[:-1]
                self._prefix.setdefault(stem[:3], []).append((stem, phrase))
            else:
                self._exact.setdefault(first, []).append(phrase)

    def find(self, tokens: Sequence[Token]) -> list[tuple[Phrase, int, int]]:
        """Return (phrase, first token index, last token index) for every match."""
        found: list[tuple[Phrase, int, int]] = []
        for position, token in enumerate(tokens):
            candidates = list(self._exact.get(token.text, ()))
            for stem, phrase in self._prefix.get(token.text[:3], ()):
                if token.text.startswith(stem):
                    candidates.append(phrase)
            for phrase in candidates:
                last = _match_rest(phrase.words, tokens, position, self._max_gap)
                if last is not None:
                    found.append((phrase, position, last))
        return found


def _word_matches(pattern: str, word: str) -> bool:
    if pattern.endswith("*"):
        return word.startswith(pattern[:-1])
    return word == pattern


def _match_rest(
    words: Sequence[str], tokens: Sequence[Token], first: int, max_gap: int
) -> int | None:
    """Match words[1:] after tokens[first], allowing ``max_gap`` extra words between."""
    position = first
    for word in words[1:]:
        for step in range(1, max_gap + 2):
            candidate = position + step
            if candidate < len(tokens) and _word_matches(word, tokens[candidate].text):
                position = candidate
                break
        else:
            return None
    return position


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE))


@functools.cache
def load_phrases(lang: str, version: int = RULES_VERSION) -> tuple[Phrase, ...]:
    """Load and normalise one language's rules file (cached; the files are read-only)."""
    phrases = []
    for row in _read_tsv(RULES_DIR / f"{lang}.v{version}.tsv"):
        words = normalise_phrase(row["phrase"])
        if words:
            level = RiskLevel.from_name(row["level"])
            near = (row.get("near") or "").strip() or None
            phrases.append(Phrase(tuple(words), level, row["category"], row["phrase"], near))
    return tuple(phrases)


@functools.cache
def load_anchors(version: int = RULES_VERSION) -> tuple[tuple[str, Phrase], ...]:
    """Load the anchor phrases as (set, phrase) pairs for both languages (version 3 on)."""
    path = RULES_DIR / f"anchors.v{version}.tsv"
    if not path.exists():
        return ()
    anchors = []
    for row in _read_tsv(path):
        words = normalise_phrase(row["phrase"])
        if words:
            anchors.append((row["set"], Phrase(tuple(words), RiskLevel.NONE, "", row["phrase"])))
    return tuple(anchors)


@functools.cache
def load_contexts(version: int = RULES_VERSION) -> tuple[tuple[str, Phrase], ...]:
    """Load the context phrases as (kind, phrase) pairs for both languages."""
    contexts = []
    for row in _read_tsv(RULES_DIR / f"contexts.v{version}.tsv"):
        words = normalise_phrase(row["phrase"])
        if words:
            contexts.append((row["kind"], Phrase(tuple(words), RiskLevel.NONE, "", row["phrase"])))
    return tuple(contexts)


@functools.cache
def _anchor_indexes() -> dict[str, PhraseIndex]:
    by_set: dict[str, list[Phrase]] = {}
    for name, phrase in load_anchors():
        by_set.setdefault(name, []).append(phrase)
    return {name: PhraseIndex(phrases) for name, phrases in by_set.items()}


def _near_anchor(
    first: int, last: int, anchors: Sequence[tuple[int, int]], window: int = NEAR_WINDOW_WORDS
) -> bool:
    """True when an anchor (token span) lies within ``window`` words of tokens first..last."""
    return any(a_last >= first - window and a_first <= last + window for a_first, a_last in anchors)


@functools.cache
def _indexes() -> tuple[PhraseIndex, dict[str, PhraseIndex]]:
    # Both languages are matched on every text: posts mix languages, and a Danish teenager
    # writing "kms" in English slang must still hit the English rule.
    rules = PhraseIndex(p for lang in LANGUAGES for p in load_phrases(lang))
    by_kind: dict[str, list[Phrase]] = {}
    for kind, phrase in load_contexts():
        by_kind.setdefault(kind, []).append(phrase)
    # Contexts match exactly: with a gap, the idiom "slå mig ihjel" would swallow the
    # crisis phrase "slå mig selv ihjel" and lower it.
    contexts = {kind: PhraseIndex(phrases, max_gap=0) for kind, phrases in by_kind.items()}
    return rules, contexts


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _QUOTE_PATTERN.finditer(text)]
    spans.extend(m.span() for m in _SINGLE_QUOTE_PATTERN.finditer(text))
    spans.extend(m.span() for m in _REPLY_LINE_PATTERN.finditer(text))
    return spans


def _inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    return any(s <= start and end <= e for s, e in spans)


def _ends_inside(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """True when the hit overlaps an idiom and ends within it.

    "min mor slår mig" ends inside the idiom "slår mig ihjel" and is lowered; "dræber mig
    selv" runs past the idiom "dræber mig" and keeps its level.
    """
    return any(s < end <= e and start < e for s, e in spans)


def _lower(level: RiskLevel, kind: str) -> RiskLevel:
    """Idioms drop a hit to LOW; other contexts drop it one level; never below LOW."""
    if kind == "idiom":
        return RiskLevel.LOW
    return RiskLevel(max(RiskLevel.LOW, level - 1))


def match_rules(text: str) -> list[RuleHit]:
    """Find every rule hit in ``text``, with context lowering applied, in text order."""
    if not text:
        return []
    tokens = tokenize(text)
    if not tokens:
        return []
    rules, contexts = _indexes()
    matches = rules.find(tokens)
    if not matches:
        return []
    context_spans: dict[str, list[tuple[int, int]]] = {
        kind: [(tokens[a].start, tokens[b].end) for _, a, b in index.find(tokens)]
        for kind, index in contexts.items()
    }
    document_context = next((k for k in _DOCUMENT_CONTEXTS if context_spans.get(k)), None)
    quotes = _quoted_spans(text)
    anchors = _anchors_by_set(tokens, context_spans.get("idiom", ()), matches)
    hits = []
    for phrase, first, last in matches:
        if phrase.near is not None and not _near_anchor(first, last, anchors.get(phrase.near, ())):
            continue
        start, end = tokens[first].start, tokens[last].end
        level, lowered_by = phrase.level, None
        if _ends_inside(start, end, context_spans.get("idiom", ())):
            lowered_by = "idiom"
        elif _inside(start, end, quotes):
            lowered_by = "quote"
        elif document_context is not None:
            lowered_by = document_context
        if lowered_by is not None:
            level = _lower(level, lowered_by)
        hits.append(
            RuleHit(start, end, phrase.level, level, phrase.category, phrase.source, lowered_by)
        )
    hits.sort(key=lambda h: (h.start, h.end))
    return hits


def _anchors_by_set(
    tokens: Sequence[Token],
    idioms: Sequence[tuple[int, int]],
    matches: Sequence[tuple[Phrase, int, int]],
) -> dict[str, list[tuple[int, int]]]:
    """Anchor token spans per set, skipping anchors inside an idiom ("døde af grin").

    Only computed when some matched phrase needs an anchor, so ordinary texts pay nothing.
    """
    wanted = {phrase.near for phrase, _, _ in matches if phrase.near is not None}
    found: dict[str, list[tuple[int, int]]] = {}
    for name, index in _anchor_indexes().items():
        if name not in wanted:
            continue
        found[name] = [
            (a, b)
            for _, a, b in index.find(tokens)
            if not _ends_inside(tokens[a].start, tokens[b].end, idioms)
            and not _inside(tokens[a].start, tokens[b].end, idioms)
        ]
    return found


def rule_floor(hits: Sequence[RuleHit]) -> RiskLevel:
    """The lowest level the model may report given these hits."""
    return max((h.level for h in hits), default=RiskLevel.NONE)


def hit_evidence(
    hits: Sequence[RuleHit], *, min_level: RiskLevel = RiskLevel.LOW
) -> list[Evidence]:
    """Evidence spans for hits at or above ``min_level``, merged when identical."""
    seen: dict[tuple[int, int], float] = {}
    for hit in hits:
        if hit.level >= min_level:
            weight = _EVIDENCE_WEIGHT.get(hit.level, 0.0)
            seen[(hit.start, hit.end)] = max(weight, seen.get((hit.start, hit.end), 0.0))
    return [Evidence(s, e, w) for (s, e), w in sorted(seen.items())]


def hit_categories(hits: Sequence[RuleHit], *, min_level: RiskLevel = RiskLevel.LOW) -> list[str]:
    """Categories of hits at or above ``min_level``, strongest first, without repeats."""
    ordered = sorted(hits, key=lambda h: -h.level)
    categories: list[str] = []
    for hit in ordered:
        if hit.level >= min_level and hit.category not in categories:
            categories.append(hit.category)
    return categories


class LexiconScorer:
    """The rule layer on its own: the fail-safe scorer when the model is unavailable."""

    model_version: str = LEXICON_VERSION

    def score_one(self, text: str) -> RiskScore:
        """Score one text from rule hits alone."""
        hits = match_rules(text)
        level = rule_floor(hits)
        return RiskScore(
            level=level,
            probability=RULE_PROBABILITY[level],
            categories=tuple(hit_categories(hits)),
            evidence=tuple(hit_evidence(hits)),
            model_version=self.model_version,
        )

    def score_batch(self, texts: Sequence[str], *, occlusion: bool = True) -> list[RiskScore]:
        """Score texts in order; one RiskScore per input.

        ``occlusion`` is accepted for the ``EvidenceExplainer`` contract and changes nothing:
        rule evidence is all this scorer has, and it is cheap.
        """
        return [self.score_one(text) for text in texts]

    def explain_batch(self, texts: Sequence[str]) -> list[tuple[Evidence, ...]]:
        """The rule spans of each text: the same evidence ``score_batch`` returns."""
        return [tuple(hit_evidence(match_rules(text))) for text in texts]
