"""The transformer scorer: e5 windows, a small committed head, per-language thresholds.

Pipeline for each text: cut into token windows (``ml.encoder``), embed each window, apply
the head (softmax over levels plus a sigmoid per category), calibrate per language (Platt
maps fitted by ``python -m ml.train``), pick the level with per-language thresholds chosen
for target recall, take the maximum over windows, then apply the rule floor from the
lexicon (which can only raise). Evidence comes from sentence or phrase occlusion on the
highest-scoring window, plus the rule hits; ``score_batch(texts, occlusion=False)`` skips the
occlusion for a faster routing decision and ``explain_batch`` computes it afterwards.

torch is imported when the scorer builds its Encoder; importing ``ml`` or the rule layer never
imports it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.backends.lexicon import (
    LEXICON_VERSION,
    RULE_PROBABILITY,
    RuleHit,
    hit_categories,
    hit_evidence,
    match_rules,
    rule_floor,
)
from ml.encoder import Encoder, Window, native_bf16
from ml.errors import BUILD_COMMAND, ModelUnavailable
from ml.language import LANGUAGES, detect_language
from ml.modelview import ModelView, model_view
from ml.types import Evidence, RiskLevel, RiskScore

logger = logging.getLogger("ml.backends.transformer")

DEFAULT_HEAD_DIR = Path(__file__).resolve().parent.parent / "model"
LEVEL_NAMES = tuple(level.label for level in RiskLevel)
SCORED_LEVELS = (RiskLevel.LOW, RiskLevel.ELEVATED, RiskLevel.CRISIS)
MAX_OCCLUSION_SEGMENTS = 12
CATEGORY_THRESHOLD = 0.5
_SENTENCE_END = re.compile(r"[^.!?\n]+[.!?\n]*")
_PHRASE_BREAK = re.compile(r"[^,;:\u2013\u2014-]+[,;:\u2013\u2014-]*")


def platt_map(scores: np.ndarray, maps: dict[str, tuple[float, float]]) -> np.ndarray:
    """Map each column of uncalibrated P(level >= k) through its level's Platt (a, b)."""
    clipped = np.clip(scores, 1e-6, 1 - 1e-6)
    logit = np.log(clipped / (1 - clipped))
    out = np.empty_like(scores)
    for column, level in enumerate(SCORED_LEVELS):
        a, b = maps[level.label]
        out[:, column] = 1.0 / (1.0 + np.exp(-(a * logit[:, column] + b)))
    return out


@dataclass(frozen=True)
class Head:
    """The trained head and its per-language calibration and thresholds (plain arrays)."""

    level_weight: np.ndarray  # [dim, 4]
    level_bias: np.ndarray  # [4]
    category_weight: np.ndarray  # [dim, n_categories]
    category_bias: np.ndarray  # [n_categories]
    categories: tuple[str, ...]
    calibration: dict[str, dict[str, tuple[float, float]]]  # lang -> level -> (a, b)
    thresholds: dict[str, dict[str, float]]  # lang -> level -> threshold on calibrated score
    version: str
    encoder_sha256: str
    encoder_layers: int = 12  # layers run; the deepest pool layer
    pool_layers: tuple[int, ...] = ()  # features: normalised mean pools after these layers

    def level_scores(self, embeddings: np.ndarray) -> np.ndarray:
        """Uncalibrated P(level >= k) for k = low, elevated, crisis: shape [n, 3]."""
        logits = embeddings @ self.level_weight + self.level_bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        at_least = np.cumsum(probs[:, ::-1], axis=1)[:, ::-1]  # P(>=0), P(>=1), ...
        return at_least[:, 1:]

    def calibrated(self, scores: np.ndarray, lang: str) -> np.ndarray:
        """Platt-map each column of ``level_scores`` with the language's fitted (a, b)."""
        return platt_map(scores, self.calibration[lang])

    def levels(self, calibrated: np.ndarray, lang: str) -> np.ndarray:
        """Per row: CRISIS needs both the elevated and the crisis threshold, ELEVATED the
        elevated one, LOW the low one; otherwise NONE.

        Chaining crisis to elevated keeps a text whose "crisis" score alone is barely above
        its (very recall-oriented) threshold from skipping straight past the elevated test.
        """
        limits = self.thresholds[lang]
        low = calibrated[:, 0] >= limits["low"]
        elevated = calibrated[:, 1] >= limits["elevated"]
        crisis = elevated & (calibrated[:, 2] >= limits["crisis"])
        return np.where(crisis, 3, np.where(elevated, 2, np.where(low, 1, 0))).astype(np.int64)

    def levels_each(self, calibrated: np.ndarray, langs: Sequence[str]) -> np.ndarray:
        """``levels`` for rows in mixed languages: each row by its own language's thresholds."""
        row_langs = np.asarray(langs)
        levels = np.zeros(len(calibrated), dtype=np.int64)
        for lang in LANGUAGES:
            rows = row_langs == lang
            if rows.any():
                levels[rows] = self.levels(calibrated[rows], lang)
        return levels

    def assess(self, raw: np.ndarray, langs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Calibrated scores and levels for rows of ``level_scores``, each in its language.

        Training (out-of-fold figures, the sealed-set report) and the scorer both go through
        here, so a threshold means the same thing in both.
        """
        row_langs = np.asarray(langs)
        calibrated = np.zeros_like(raw)
        for lang in LANGUAGES:
            rows = row_langs == lang
            if rows.any():
                calibrated[rows] = self.calibrated(raw[rows], lang)
        return calibrated, self.levels_each(calibrated, langs)

    def category_probs(self, embeddings: np.ndarray) -> np.ndarray:
        """Independent sigmoid probability per category: shape [n, n_categories]."""
        logits = embeddings @ self.category_weight + self.category_bias
        return 1.0 / (1.0 + np.exp(-logits))


def load_head(head_dir: Path = DEFAULT_HEAD_DIR) -> Head:
    """Load the committed head; raise ModelUnavailable if any artefact is missing or bad."""
    try:
        with np.load(head_dir / "head.npz", allow_pickle=False) as arrays:
            level_weight = np.asarray(arrays["level_weight"], dtype=np.float32)
            level_bias = np.asarray(arrays["level_bias"], dtype=np.float32)
            category_weight = np.asarray(arrays["category_weight"], dtype=np.float32)
            category_bias = np.asarray(arrays["category_bias"], dtype=np.float32)
        schema = json.loads((head_dir / "labels.json").read_text(encoding="utf-8"))
        calibration_raw = json.loads((head_dir / "calibration.json").read_text(encoding="utf-8"))
        thresholds_raw = json.loads((head_dir / "thresholds.json").read_text(encoding="utf-8"))
        calibration = {
            lang: {
                level.label: (
                    float(calibration_raw[lang][level.label]["a"]),
                    float(calibration_raw[lang][level.label]["b"]),
                )
                for level in SCORED_LEVELS
            }
            for lang in LANGUAGES
        }
        thresholds = {
            lang: {level.label: float(thresholds_raw[lang][level.label]) for level in SCORED_LEVELS}
            for lang in LANGUAGES
        }
        categories = tuple(schema["categories"])
        if tuple(schema["levels"]) != LEVEL_NAMES or level_weight.shape[1] != len(LEVEL_NAMES):
            raise ValueError("level schema does not match ml.types.RiskLevel")
        pooled = len(schema.get("pool_layers", ())) or 1
        if level_weight.shape[0] % pooled:
            raise ValueError("head width does not match the pool layers")
        if category_weight.shape != (level_weight.shape[0], len(categories)):
            raise ValueError("category head shape does not match the label schema")
        if not np.isfinite(level_weight).all() or not np.isfinite(category_weight).all():
            raise ValueError("head weights contain non-finite values")
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelUnavailable(
            f"risk head at {head_dir} is missing or invalid ({error}); restore ml/model/ from git "
            "or retrain with `python -m ml.train`"
        ) from error
    return Head(
        level_weight=level_weight,
        level_bias=level_bias,
        category_weight=category_weight,
        category_bias=category_bias,
        categories=categories,
        calibration=calibration,
        thresholds=thresholds,
        version=str(schema["model_version"]),
        encoder_sha256=str(schema.get("encoder_sha256", "")),
        encoder_layers=int(schema.get("encoder_layers", 12)),
        pool_layers=tuple(int(k) for k in schema.get("pool_layers", ())),
    )


def _segments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentences within [start, end); a single sentence falls back to phrases, then words."""
    piece = text[start:end]
    spans = [(start + m.start(), start + m.end()) for m in _SENTENCE_END.finditer(piece)]
    spans = [(s, e) for s, e in spans if text[s:e].strip()]
    if len(spans) <= 1:
        spans = [(start + m.start(), start + m.end()) for m in _PHRASE_BREAK.finditer(piece)]
        spans = [(s, e) for s, e in spans if text[s:e].strip()]
    if len(spans) <= 1:
        words = [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", piece)]
        chunk = max(1, len(words) // 4)  # about four chunks of words for a one-liner
        spans = [
            (words[i][0], words[min(i + chunk, len(words)) - 1][1])
            for i in range(0, len(words), chunk)
        ]
    while len(spans) > MAX_OCCLUSION_SEGMENTS:  # merge neighbours to bound the cost
        spans = [
            (spans[i][0], spans[min(i + 1, len(spans) - 1)][1]) for i in range(0, len(spans), 2)
        ]
    return spans


class TransformerScorer:
    """The production scorer: encoder + head + per-language thresholds + the rule floor."""

    def __init__(
        self,
        model_path: str | None = None,
        *,
        head_dir: str | Path | None = None,
        num_threads: int = 1,
        quantize_int8: bool = False,
        with_evidence: bool = True,
        batch_size: int = 32,
        precision: str = "fp32",
    ) -> None:
        """``precision="bf16"`` runs the encoder in bf16 where the CPU computes it natively
        and falls back to fp32, with a warning, where it does not (emulated bf16 is slower);
        scores made in bf16 carry ``+bf16`` in their model version."""
        self.head = load_head(Path(head_dir) if head_dir else DEFAULT_HEAD_DIR)
        if precision == "bf16" and not native_bf16():
            logger.warning("ml.scorer.bf16_not_native", extra={"using": "fp32"})
            precision = "fp32"
        self.encoder = Encoder(
            model_path,
            num_threads=num_threads,
            quantize_int8=quantize_int8,
            num_layers=self.head.encoder_layers,
            pool_layers=self.head.pool_layers or None,
            precision=precision,
        )
        if self.head.encoder_sha256 and not self.head.encoder_sha256.startswith(
            self.encoder.encoder_hash
        ):
            raise ModelUnavailable(
                "the encoder weights differ from the ones the head was trained on; "
                f"run `{BUILD_COMMAND} --force`"
            )
        self.model_version = f"{self.head.version}+{LEXICON_VERSION}"
        if self.encoder.precision != "fp32":
            self.model_version += f"+{self.encoder.precision}"
        self.with_evidence = with_evidence
        self.batch_size = batch_size

    def _window_results(
        self, texts: Sequence[str], langs: Sequence[str]
    ) -> tuple[list[Window], np.ndarray, np.ndarray, np.ndarray]:
        """Embed all windows; return windows, calibrated scores, levels and category probs."""
        embeddings, windows = self.encoder.embed_windows(texts, batch_size=self.batch_size)
        raw = self.head.level_scores(embeddings)
        calibrated, levels = self.head.assess(raw, [langs[w.text_index] for w in windows])
        return windows, calibrated, levels, self.head.category_probs(embeddings)

    def _best_windows(
        self, views: Sequence[ModelView]
    ) -> tuple[list[str], list[Window], np.ndarray, np.ndarray, np.ndarray, dict[int, int]]:
        """Languages, windows and per-window results, and each text's highest-scoring window.

        Windows and their spans belong to each text's model view, not to the text itself.
        """
        seen = [view.text for view in views]
        langs = [detect_language(text) for text in seen]
        windows, calibrated, levels, category_probs = self._window_results(seen, langs)
        best: dict[int, int] = {}
        for row, window in enumerate(windows):
            current = best.get(window.text_index)
            key = (levels[row], calibrated[row, 1], calibrated[row, 2])
            if current is None or key > (
                levels[current],
                calibrated[current, 1],
                calibrated[current, 2],
            ):
                best[window.text_index] = row
        return langs, windows, calibrated, levels, category_probs, best

    def _text_levels(
        self, langs: Sequence[str], windows: Sequence[Window], calibrated: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Per text: the highest calibrated score of each level over its windows, and its level.

        ``ml.train`` chooses the thresholds on exactly this aggregate (``text_scores``, the
        column-wise maximum over windows; Platt maps are monotone, so calibrating first gives
        the same maxima). A long post whose alarming window and most crisis-like window differ
        is therefore judged here as it was when the thresholds' recall was measured.
        """
        text_calibrated = np.zeros((len(langs), calibrated.shape[1]))
        owners = np.array([w.text_index for w in windows], dtype=np.int64)
        np.maximum.at(text_calibrated, owners, calibrated)
        return text_calibrated, self.head.levels_each(text_calibrated, langs)

    def _occlusion_for_held(
        self,
        views: Sequence[ModelView],
        langs: Sequence[str],
        windows: Sequence[Window],
        levels: np.ndarray,
        best: dict[int, int],
    ) -> dict[int, list[Evidence]]:
        """Occlusion spans for every text whose model level is ELEVATED or above.

        Occlusion costs a forward pass per segment; only held posts need it, since moderators
        see evidence for what lands in their queue. The variants of every held post in the
        batch go through the encoder together, sorted by length.
        """
        held = [
            (index, windows[best[index]], langs[index], RiskLevel(int(levels[best[index]])))
            for index in range(len(views))
            if levels[best[index]] >= RiskLevel.ELEVATED
        ]
        found = self._occlusion_batch([view.text for view in views], held)
        return {  # spans of the view, mapped back to the text the moderator sees
            index: [
                Evidence(*views[index].span_to_original(item.start, item.end), item.weight)
                for item in items
            ]
            for index, items in found.items()
        }

    def score_batch(
        self, texts: Sequence[str], *, occlusion: bool | None = None
    ) -> list[RiskScore]:
        """Score texts in order; one RiskScore per input. Raises only RiskScoringError.

        ``occlusion`` (default: the constructor's ``with_evidence``) adds the model's evidence
        spans for held texts, one extra encoder pass per segment. Without it the level,
        probability and categories are the same and the evidence is the rule hits alone;
        ``explain_batch`` computes the rest later.
        """
        clean = [_clean(text) for text in texts]
        if not clean:
            return []
        views = [model_view(text) for text in clean]
        langs, windows, calibrated, levels, category_probs, best = self._best_windows(views)
        text_calibrated, text_levels = self._text_levels(langs, windows, calibrated)
        occluded: dict[int, list[Evidence]] = {}
        if self.with_evidence if occlusion is None else occlusion:
            occluded = self._occlusion_for_held(views, langs, windows, levels, best)
        results = []
        for index, text in enumerate(clean):
            row = best[index]  # the window evidence and categories come from
            model_level = RiskLevel(int(text_levels[index]))
            probability = float(text_calibrated[index, 1])  # calibrated P(elevated+)
            hits = match_rules(text)
            floor = rule_floor(hits)
            level = max(model_level, floor)
            categories = self._categories(category_probs[row], model_level, hits)
            evidence = _merge_evidence(occluded.get(index, []), hit_evidence(hits))
            if level >= RiskLevel.ELEVATED and not categories:  # a held post needs a category
                categories = [self.head.categories[int(np.argmax(category_probs[row]))]]
            results.append(
                RiskScore(
                    level=level,
                    probability=max(probability, RULE_PROBABILITY[floor]),
                    categories=tuple(categories) if level > RiskLevel.NONE else (),
                    evidence=tuple(evidence),
                    model_version=self.model_version,
                )
            )
        return results

    def explain_batch(self, texts: Sequence[str]) -> list[tuple[Evidence, ...]]:
        """Per text, the evidence ``score_batch(texts, occlusion=True)`` returns for it.

        Costs one encoder pass per window plus one per occlusion segment of each text the
        model holds; texts it does not hold get their rule spans only, as in ``score_batch``.
        Floats depend slightly on batch composition (padding), so pass the texts in the same
        batch as they were scored in to reproduce score_batch's evidence exactly.
        """
        clean = [_clean(text) for text in texts]
        if not clean:
            return []
        views = [model_view(text) for text in clean]
        langs, windows, _calibrated, levels, _probs, best = self._best_windows(views)
        occluded = self._occlusion_for_held(views, langs, windows, levels, best)
        return [
            tuple(_merge_evidence(occluded.get(index, []), hit_evidence(match_rules(text))))
            for index, text in enumerate(clean)
        ]

    def _categories(
        self, probs: np.ndarray, model_level: RiskLevel, hits: Sequence[RuleHit]
    ) -> list[str]:
        categories: list[str] = []
        if model_level >= RiskLevel.LOW:
            order = np.argsort(-probs)
            categories = [self.head.categories[i] for i in order if probs[i] >= CATEGORY_THRESHOLD]
        for category in hit_categories(hits):
            if category not in categories:
                categories.append(category)
        return categories

    def _occlusion_batch(
        self, texts: Sequence[str], held: Sequence[tuple[int, Window, str, RiskLevel]]
    ) -> dict[int, list[Evidence]]:
        """Per held text: spans whose removal lowers the calibrated score of its level most."""
        out: dict[int, list[Evidence]] = {}
        jobs: list[tuple[int, Window, str, RiskLevel, list[tuple[int, int]], int]] = []
        sequences: list[list[int]] = []
        for index, window, lang, level in held:
            text = texts[index]
            segments = _segments(text, window.char_start, window.char_end)
            if len(segments) < 2:
                out[index] = [Evidence(window.char_start, window.char_end, 1.0)] if segments else []
                continue
            variants = [text[window.char_start : window.char_end]]
            for start, end in segments:
                variants.append(text[window.char_start : start] + " " + text[end : window.char_end])
            encodings = self.encoder.tokenizer.encode_batch(variants, add_special_tokens=False)
            jobs.append((index, window, lang, level, segments, len(sequences)))
            sequences.extend(e.ids[: len(window.token_ids) + 8] for e in encodings)
        if not jobs:
            return out
        embeddings = self.encoder.embed_ids(sequences, batch_size=self.batch_size)
        raw = self.head.level_scores(embeddings)
        for index, _window, lang, level, segments, first in jobs:
            column = SCORED_LEVELS.index(level)
            scores = self.head.calibrated(raw[first : first + len(segments) + 1], lang)[:, column]
            out[index] = _evidence_from_drops(texts[index], scores, segments)
        return out


def _evidence_from_drops(
    text: str, scores: np.ndarray, segments: Sequence[tuple[int, int]]
) -> list[Evidence]:
    """Up to three segments by score drop (first score: the whole window), weights sum to 1."""
    base = float(scores[0])
    drops = [(base - float(s), span) for s, span in zip(scores[1:], segments, strict=True)]
    useful = [(d, span) for d, span in drops if d > 0.02]
    if not useful:
        best_drop, best_span = max(drops)
        useful = [(max(best_drop, 0.0), best_span)]
    total = sum(d for d, _ in useful) or 1.0
    useful.sort(key=lambda item: -item[0])
    return [
        Evidence(_strip_start(text, s, e), _strip_end(text, s, e), round(d / total, 4))
        for d, (s, e) in useful[:3]
    ]


def _strip_start(text: str, start: int, end: int) -> int:
    while start < end and text[start].isspace():
        start += 1
    return start


def _strip_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _merge_evidence(model: Sequence[Evidence], rules: Sequence[Evidence]) -> list[Evidence]:
    """Union of model and rule spans, sorted by position, duplicates keep the larger weight."""
    merged: dict[tuple[int, int], float] = {}
    for item in (*model, *rules):
        key = (item.start, item.end)
        merged[key] = max(item.weight, merged.get(key, 0.0))
    return [Evidence(s, e, w) for (s, e), w in sorted(merged.items())]


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(text: str) -> str:
    """Replace control characters with spaces so offsets stay aligned with the input."""
    if not isinstance(text, str):
        raise TypeError(f"texts must be str, not {type(text).__name__}")
    return _CONTROL.sub(" ", text)
