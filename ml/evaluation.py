"""Metrics shared by ``python -m ml.train`` and ``python -m ml evaluate``.

What matters clinically is recall at the levels that send a post to a human (elevated and
crisis), per language, and the share of harmless posts that would be held for nothing.
Everything here is plain numpy so it runs wherever the model does.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ml.types import RiskLevel

LEVELS = tuple(RiskLevel)
IntLike = Sequence[int] | np.ndarray
StrLike = Sequence[str] | np.ndarray
FloatLike = Sequence[float] | np.ndarray


@dataclass(frozen=True)
class LabelledText:
    """One labelled corpus row."""

    text: str
    lang: str
    level: RiskLevel
    categories: tuple[str, ...] = ()
    group: str = ""
    kind: str = ""


@dataclass
class Report:
    """Per-level and per-language metrics for one set of predictions."""

    n: int
    per_level: dict[str, dict[str, float]] = field(default_factory=dict)
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: list[list[int]] = field(default_factory=list)
    none_flagged_elevated: float = 0.0
    elevated_plus_recall: float = 0.0

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form."""
        return {
            "n": self.n,
            "per_level": self.per_level,
            "per_language": self.per_language,
            "confusion": self.confusion,
            "none_flagged_elevated_plus": self.none_flagged_elevated,
            "elevated_plus_recall": self.elevated_plus_recall,
        }


def read_labelled_tsv(path: Path) -> list[LabelledText]:
    """Read a TSV with at least the columns level, lang, text (group, category, kind optional).

    Category cells may hold several categories joined by ``|``.
    """
    rows: list[LabelledText] = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        missing = {"level", "lang", "text"} - set(reader.fieldnames or ())
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)}")
        for line_number, row in enumerate(reader, start=2):
            try:
                level = RiskLevel.from_name(row["level"])
            except (KeyError, AttributeError) as error:
                raise ValueError(f"{path}:{line_number}: bad level {row.get('level')!r}") from error
            text = (row.get("text") or "").strip()
            if not text:
                continue
            categories = tuple(
                c.strip() for c in (row.get("category") or "").split("|") if c.strip()
            )
            rows.append(
                LabelledText(
                    text=text,
                    lang=(row.get("lang") or "").strip(),
                    level=level,
                    categories=categories,
                    group=(row.get("group") or "").strip(),
                    kind=(row.get("kind") or "").strip(),
                )
            )
    return rows


def _safe_div(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator else float("nan")


def compute_report(truth: IntLike, predicted: IntLike, langs: StrLike) -> Report:
    """Precision and recall per level, crisis and elevated+ recall per language, confusion."""
    y = np.asarray(truth, dtype=np.int64)
    p = np.asarray(predicted, dtype=np.int64)
    lang_array = np.asarray(langs)
    report = Report(n=len(y))
    confusion = np.zeros((len(LEVELS), len(LEVELS)), dtype=np.int64)
    for t, q in zip(y, p, strict=True):
        confusion[t, q] += 1
    report.confusion = confusion.tolist()
    for level in LEVELS:
        tp = int(((y == level) & (p == level)).sum())
        report.per_level[level.label] = {
            "support": int((y == level).sum()),
            "precision": _safe_div(tp, (p == level).sum()),
            "recall": _safe_div(tp, (y == level).sum()),
        }
    none = y == RiskLevel.NONE
    report.none_flagged_elevated = _safe_div((p[none] >= RiskLevel.ELEVATED).sum(), none.sum())
    high = y >= RiskLevel.ELEVATED
    report.elevated_plus_recall = _safe_div((p[high] >= RiskLevel.ELEVATED).sum(), high.sum())
    for lang in sorted(set(lang_array.tolist())):
        mask = lang_array == lang
        yl, pl = y[mask], p[mask]
        crisis = yl == RiskLevel.CRISIS
        high_l = yl >= RiskLevel.ELEVATED
        none_l = yl == RiskLevel.NONE
        report.per_language[lang] = {
            "n": int(mask.sum()),
            "crisis_recall": _safe_div((pl[crisis] == RiskLevel.CRISIS).sum(), crisis.sum()),
            "crisis_caught_elevated_plus": _safe_div(
                (pl[crisis] >= RiskLevel.ELEVATED).sum(), crisis.sum()
            ),
            "elevated_plus_recall": _safe_div(
                (pl[high_l] >= RiskLevel.ELEVATED).sum(), high_l.sum()
            ),
            "none_flagged_elevated_plus": _safe_div(
                (pl[none_l] >= RiskLevel.ELEVATED).sum(), none_l.sum()
            ),
            "exact_accuracy": _safe_div((yl == pl).sum(), len(yl)),
        }
    return report


def bootstrap_ci(
    metric: Callable[[np.ndarray], float],
    groups: StrLike,
    *,
    n_resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """95% percentile interval of ``metric(row_indices)`` resampling whole groups.

    Resampling groups rather than rows respects that paraphrases of one post are not
    independent evidence.
    """
    group_array = np.asarray(groups)
    unique, inverse = np.unique(group_array, return_inverse=True)
    members = [np.flatnonzero(inverse == g) for g in range(len(unique))]
    rng = np.random.default_rng(seed)
    values = []
    for _ in range(n_resamples):
        chosen = rng.integers(0, len(unique), size=len(unique))
        rows = np.concatenate([members[g] for g in chosen])
        value = metric(rows)
        if not np.isnan(value):
            values.append(value)
    if not values:
        return float("nan"), float("nan")
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def auroc(labels: IntLike, scores: FloatLike) -> float:
    """Area under the ROC curve via the rank-sum formula (ties get average ranks)."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return float("nan")
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s), dtype=np.float64)
    sorted_scores = s[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i : j + 1]] = (i + j) / 2.0 + 1.0
        i = j + 1
    return float((ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def format_report(report: Report, title: str = "") -> str:
    """A plain-text table of a report, for terminals and the model card."""
    lines = [title] if title else []
    lines.append(f"n={report.n}")
    lines.append("level      support  precision  recall")
    for name, values in report.per_level.items():
        lines.append(
            f"{name:<10} {values['support']:>7}  {values['precision']:>9.3f}  "
            f"{values['recall']:>6.3f}"
        )
    lines.append(f"elevated+ recall: {report.elevated_plus_recall:.3f}")
    lines.append(f"none flagged elevated+: {report.none_flagged_elevated:.3f}")
    for lang, values in report.per_language.items():
        lines.append(
            f"[{lang}] n={values['n']} crisis recall={values['crisis_recall']:.3f} "
            f"crisis caught (elevated+)={values['crisis_caught_elevated_plus']:.3f} "
            f"elevated+ recall={values['elevated_plus_recall']:.3f} "
            f"none flagged elevated+={values['none_flagged_elevated_plus']:.3f}"
        )
    lines.append("confusion (rows truth none/low/elevated/crisis, columns predicted):")
    lines.extend("  " + " ".join(f"{v:>5}" for v in row) for row in report.confusion)
    return "\n".join(lines)
