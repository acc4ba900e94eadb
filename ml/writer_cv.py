"""Leave-one-writer-out comparison of head recipes: ``python -m ml.writer_cv``.

The corpus test split shares its writers' style with the training split and overstated
crisis recall on blind text by 5 to 25 points (``ml/model/EXPERIMENTS.md`` section 10). The
spent blind sets and the panel were each written by writers who saw no other corpus rows and
no model output, so holding one of them out, training a recipe on everything else, and
scoring the held-out set estimates how the recipe does on posts by a new writer, without
looking at the sealed set in ``ml/eval`` or the test split.

Folds: each held-out writer set is one fold, the rest of the fitting set (train and
calibration splits) is cut into four more folds by group. One head is fitted per fold
on all other folds. Thresholds for a held-out set come, as in ``ml.train``, from out-of-fold
scores, here of every row outside that set; the set itself is scored by the head that never
saw it, with the rule floor on top (the production path, labelled language). Reads the
embedding cache ``ml.train`` writes; run ``python -m ml.train`` once first.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ml.backends.lexicon import match_rules, rule_floor
from ml.backends.transformer import Head
from ml.encoder import Encoder
from ml.evaluation import auroc, read_labelled_tsv
from ml.language import LANGUAGES
from ml.train import (
    CACHE_DIR,
    CATEGORIES,
    CORPUS_DIR,
    CRISIS_TARGET,
    FROZEN_SPLIT_SEED,
    GATE_GRID,
    HARD_NEGATIVE_WEIGHT,
    NONE_FLAGGED_CAP,
    POOL_LAYERS,
    Calibration,
    Thresholds,
    WindowCache,
    assign_folds,
    choose_operating_point,
    corpus_split,
    embed_with_cache,
    fetch_rmhd,
    load_corpus,
    predict_levels,
    rmhd_author_split,
    rmhd_sample,
    rmhd_training_levels,
    rmhd_training_rows,
    stack_windows,
    text_scores,
    train_head_with_extra,
)
from ml.types import RiskLevel

# Writer sets held out one at a time: (name, corpus files). Each was written blind.
WRITER_SETS = (
    ("blind1", ("da_blind1.tsv", "en_blind1.tsv")),
    ("blind2", ("da_blind2.tsv", "en_blind2.tsv")),
    ("blind3", ("da_blind3.tsv", "en_blind3.tsv")),
    ("blind4", ("da_blind4.tsv", "en_blind4.tsv")),
    ("panel6", ("da_panel6.tsv", "en_panel6.tsv")),
    ("writers7", ("da_writers7.tsv", "en_writers7.tsv")),
    ("blind5", ("da_blind5.tsv", "en_blind5.tsv")),
    ("blind6", ("da_blind6.tsv", "en_blind6.tsv")),
    ("blind7", ("da_blind7.tsv", "en_blind7.tsv")),
    ("focus9", ("da_focus9.tsv", "en_focus9.tsv")),
    ("blind8", ("da_blind8.tsv", "en_blind8.tsv")),
    ("w10a", ("da_w10a.tsv", "en_w10a.tsv")),
    ("w10b", ("da_w10b.tsv", "en_w10b.tsv")),
    ("blind9", ("da_blind9.tsv", "en_blind9.tsv")),
    ("blind10", ("da_blind10.tsv", "en_blind10.tsv")),
    ("blind11", ("da_blind11.tsv", "en_blind11.tsv")),
    ("e11a", ("da_e11a.tsv", "en_e11a.tsv")),
    ("e11b", ("da_e11b.tsv", "en_e11b.tsv")),
    ("blind12", ("da_blind12.tsv", "en_blind12.tsv")),
    ("e12a", ("da_e12a.tsv", "en_e12a.tsv")),
    ("e12b", ("da_e12b.tsv", "en_e12b.tsv")),
)


@dataclass(frozen=True)
class Recipe:
    """How a head is fitted and its operating point chosen."""

    name: str
    weight_decay: float = 1e-5
    hard_negative_weight: float = HARD_NEGATIVE_WEIGHT
    gate_grid: tuple[float, ...] = GATE_GRID
    none_flagged_cap: float = NONE_FLAGGED_CAP
    crisis_target: float | None = CRISIS_TARGET
    floor_aware: bool = False  # ml.train --floor-aware
    pool_layers: tuple[int, ...] = POOL_LAYERS  # ml.train --pool-layers
    # RMHD training rows, as ml.train's --rmhd-* options (weight 0: none).
    rmhd_train_weight: float = 0.0
    rmhd_suicidewatch_level: int = int(RiskLevel.ELEVATED)
    rmhd_mental_health_level: int = int(RiskLevel.LOW)
    rmhd_per_control: int = 40
    # Writer sets never trained on (still held out and scored), to measure what a set adds.
    untrained_sets: tuple[str, ...] = ()


def _headless(
    arrays: dict[str, np.ndarray], calibration: Calibration, thresholds: Thresholds
) -> Head:
    """A ``Head`` from fitted arrays, for scoring here; it never leaves this module."""
    return Head(
        arrays["level_weight"],
        arrays["level_bias"],
        arrays["category_weight"],
        arrays["category_bias"],
        CATEGORIES,
        calibration,
        thresholds,
        "writer-cv",
        "",
    )


def evaluate_recipe(
    recipe: Recipe,
    seed: int = FROZEN_SPLIT_SEED,
    rest_folds: int = 4,
    cache_layers: tuple[int, ...] | None = None,
    pool_excluding: tuple[str, ...] = (),
) -> dict[str, dict[str, float]]:
    """Held-out-writer figures per writer set and pooled over all of them.

    ``cache_layers`` (a superset of the recipe's layers) reads one cache embedded with those
    layers and slices it, so recipes that differ only in their layers share one encoder pass.
    ``pool_excluding`` adds ``pooled_excluding``: pooled over the other sets only, so a recipe
    that trains on new sets and one that does not compare on the same held-out posts.
    """
    unknown = (set(recipe.untrained_sets) | set(pool_excluding)) - {n for n, _ in WRITER_SETS}
    if unknown:
        raise ValueError(f"unknown writer sets {sorted(unknown)}")
    cache_layers = cache_layers or recipe.pool_layers
    missing = set(recipe.pool_layers) - set(cache_layers)
    if missing:
        raise ValueError(f"cache layers {cache_layers} lack {sorted(missing)}")
    rows = load_corpus()
    source = {}
    for name, files in WRITER_SETS:
        for file in files:
            for row in read_labelled_tsv(CORPUS_DIR / file):
                source[row.text.casefold()] = name
    writer = np.array([source.get(r.text.casefold(), "") for r in rows])
    splits = np.array(corpus_split(rows, seed))
    fit_index = np.flatnonzero(splits != "test")
    encoder = Encoder(pool_layers=cache_layers, num_threads=1)
    cache = WindowCache(
        CACHE_DIR, encoder.encoder_hash, tag="-P" + "-".join(map(str, cache_layers))
    )
    windows = embed_with_cache(encoder, [r.text for r in rows], cache, desc="embed corpus")
    if tuple(cache_layers) != tuple(recipe.pool_layers):
        columns = layer_columns(cache_layers, recipe.pool_layers, encoder.dim // len(cache_layers))
        windows = [w[:, columns] for w in windows]
    truth = np.array([int(r.level) for r in rows], dtype=np.int64)
    langs = np.array([r.lang for r in rows])
    kinds = np.array([r.kind for r in rows])
    category_matrix = np.array(
        [[c in r.categories for c in CATEGORIES] for r in rows], dtype=np.float32
    )

    fold = np.full(len(rows), -1)
    names = [name for name, _ in WRITER_SETS]
    for k, name in enumerate(names):
        fold[fit_index[writer[fit_index] == name]] = k
    rest = fit_index[writer[fit_index] == ""]
    fold[rest] = len(names) + assign_folds([rows[i] for i in rest], rest_folds, seed)
    trainable = ~np.isin(writer, recipe.untrained_sets)

    rmhd = _RmhdRows(recipe, seed, encoder, cache, cache_layers)

    def fit(index: np.ndarray) -> dict[str, np.ndarray]:
        index = index[trainable[index]]
        corpus_part = stack_windows(
            index, windows, truth, langs, kinds, category_matrix, recipe.hard_negative_weight
        )
        rmhd_part = rmhd.training_rows(float(len(index)))
        return train_head_with_extra(
            corpus_part, rmhd_part, weight_decay=recipe.weight_decay, seed=seed
        )

    raw = np.zeros((len(rows), 3))
    for k in range(len(names) + rest_folds):
        held = fit_index[fold[fit_index] == k]
        head = _headless(fit(fit_index[fold[fit_index] != k]), {}, {})
        raw[held] = text_scores(head, [windows[i] for i in held])
        print(f"{recipe.name}: fold {k + 1} of {len(names) + rest_folds} fitted", file=sys.stderr)  # noqa: T201

    floors = np.array([int(rule_floor(match_rules(r.text))) for r in rows])
    results: dict[str, dict[str, float]] = {}
    pooled_truth, pooled_predicted, pooled_langs, pooled_names = [], [], [], []
    for k, name in enumerate(names):
        held = fit_index[fold[fit_index] == k]
        others = fit_index[(fold[fit_index] != k) & trainable[fit_index]]
        calibration, thresholds, _ = choose_operating_point(
            raw[others], truth[others], langs[others],
            gate_grid=recipe.gate_grid, none_flagged_cap=recipe.none_flagged_cap,
            crisis_target=recipe.crisis_target,
            floors=floors[others] if recipe.floor_aware else None,
        )  # fmt: skip
        # predict_levels reads only the calibration and thresholds of this head.
        scorer = _headless({"level_weight": np.zeros((1, 4)), "level_bias": np.zeros(4),
                            "category_weight": np.zeros((1, 0)), "category_bias": np.zeros(0)},
                           calibration, thresholds)  # fmt: skip
        _, predicted = predict_levels(scorer, raw[held], langs[held])
        predicted = np.maximum(predicted, floors[held])
        results[name] = summarise(truth[held], predicted, langs[held])
        pooled_truth.append(truth[held])
        pooled_predicted.append(predicted)
        pooled_langs.append(langs[held])
        pooled_names.append(np.full(len(held), name))
    pooled = [np.concatenate(part) for part in (pooled_truth, pooled_predicted, pooled_langs)]
    results["pooled"] = summarise(*pooled)
    if pool_excluding:
        kept = ~np.isin(np.concatenate(pooled_names), pool_excluding)
        results["pooled_excluding"] = summarise(*(part[kept] for part in pooled))
    results["rmhd"] = rmhd.heldout_auroc(_headless(fit(fit_index), {}, {}))
    return results


class _RmhdRows:
    """The RMHD sample as ``ml.train`` uses it: training rows from half of its authors (when
    the recipe trains on it) and the external check on the other half."""

    def __init__(
        self,
        recipe: Recipe,
        seed: int,
        encoder: Encoder,
        cache: WindowCache,
        cache_layers: tuple[int, ...],
    ) -> None:
        posts = rmhd_sample(fetch_rmhd(CACHE_DIR), recipe.rmhd_per_control, seed)
        windows = embed_with_cache(encoder, [p["post"] for p in posts], cache, desc="embed RMHD")
        if tuple(cache_layers) != tuple(recipe.pool_layers):
            columns = layer_columns(
                cache_layers, recipe.pool_layers, encoder.dim // len(cache_layers)
            )
            windows = [w[:, columns] for w in windows]
        subreddits = [p["subreddit"].lower() for p in posts]
        self.windows = windows
        self.levels = rmhd_training_levels(
            subreddits, recipe.rmhd_suicidewatch_level, recipe.rmhd_mental_health_level
        )
        self.weight = recipe.rmhd_train_weight
        self.train = rmhd_author_split(posts, seed) & (self.weight > 0) & (self.levels >= 0)
        self.heldout = ~rmhd_author_split(posts, seed)
        self.suicidewatch = np.array([name == "suicidewatch" for name in subreddits], dtype=int)

    def training_rows(self, total: float) -> tuple[np.ndarray, ...]:
        return rmhd_training_rows(self.windows, self.levels, self.train, self.weight, total)

    def heldout_auroc(self, head: Head) -> dict[str, float]:
        """SuicideWatch against the rest on the held-out authors, by P(elevated+) and P(crisis).

        Always the held-out half, trained on or not, so recipes compare on the same posts.
        """
        raw = text_scores(head, [self.windows[i] for i in np.flatnonzero(self.heldout)])
        labels = self.suicidewatch[self.heldout]
        return {
            "auroc_elevated_plus": round(auroc(labels, raw[:, 1]), 4),
            "auroc_crisis": round(auroc(labels, raw[:, 2]), 4),
        }


def layer_columns(
    cache_layers: Sequence[int], pool_layers: Sequence[int], width: int
) -> np.ndarray:
    """Columns of a ``cache_layers`` embedding that hold the ``pool_layers`` embedding.

    Each layer's mean pool is normalised on its own (``Encoder.embed_ids``), so a slice of a
    wider embedding equals the narrower embedding exactly.
    """
    cache_layers = list(cache_layers)
    return np.concatenate([np.arange(width) + width * cache_layers.index(k) for k in pool_layers])


def summarise(truth: np.ndarray, predicted: np.ndarray, langs: np.ndarray) -> dict[str, float]:
    """Crisis recall per language, elevated+ recall, level-none flagged, elevated called crisis,
    and the share of crisis posts no human would see (below elevated)."""
    out: dict[str, float] = {}
    for lang in LANGUAGES:
        m = langs == lang
        out[f"crisis_{lang}"] = _share(
            predicted[m & (truth == RiskLevel.CRISIS)] == RiskLevel.CRISIS
        )
        out[f"none_flagged_{lang}"] = _share(
            predicted[m & (truth == RiskLevel.NONE)] >= RiskLevel.ELEVATED
        )
    out["elevated_plus"] = _share(predicted[truth >= RiskLevel.ELEVATED] >= RiskLevel.ELEVATED)
    out["none_flagged"] = _share(predicted[truth == RiskLevel.NONE] >= RiskLevel.ELEVATED)
    out["elevated_called_crisis"] = _share(
        predicted[truth == RiskLevel.ELEVATED] == RiskLevel.CRISIS
    )
    # The misses that matter most: crisis posts below elevated are published, unseen.
    out["crisis_unseen"] = _share(predicted[truth == RiskLevel.CRISIS] < RiskLevel.ELEVATED)
    out["crisis_support"] = float((truth == RiskLevel.CRISIS).sum())
    return {k: round(v, 4) for k, v in out.items()}


def _share(flags: np.ndarray) -> float:
    return float(flags.mean()) if len(flags) else float("nan")


def main(argv: Sequence[str] | None = None) -> int:
    """Evaluate the recipes named on the command line (JSON objects of ``Recipe`` fields)."""
    parser = argparse.ArgumentParser(
        prog="python -m ml.writer_cv", description=__doc__.splitlines()[0]
    )
    example = '{"name": "g96", "gate_grid": [0.96, 0.97], "crisis_target": 0.955}'
    parser.add_argument("recipes", nargs="+", help=f"JSON recipes, e.g. '{example}'")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--cache-layers",
        default=None,
        help="embed once with these layers (comma-separated) and slice each recipe's from them",
    )
    parser.add_argument(
        "--pool-excluding",
        default="",
        help="comma-separated writer sets left out of an extra pooled figure, pooled_excluding",
    )
    args = parser.parse_args(argv)
    pool_excluding = tuple(name for name in args.pool_excluding.split(",") if name)
    cache_layers = (
        tuple(int(k) for k in args.cache_layers.split(",")) if args.cache_layers else None
    )
    import torch

    torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True)
    for text in args.recipes:
        spec = json.loads(text)
        for field in ("gate_grid", "pool_layers", "untrained_sets"):
            if field in spec:
                spec[field] = tuple(spec[field])
        recipe = Recipe(**spec)
        results = evaluate_recipe(recipe, cache_layers=cache_layers, pool_excluding=pool_excluding)
        print(json.dumps({"recipe": spec, "results": results}))  # noqa: T201
    return 0


if __name__ == "__main__":
    sys.exit(main())
