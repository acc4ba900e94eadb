"""Measure a committed head on the probe set: ``python -m ml.probe [--head-dir DIR]``.

The probe set is the corpus rows whose group starts with ``da-t-`` or ``en-t-``: harmless
posts with time words and goodbye-ish phrasing ("vi ses i morgen", "goodbye 9th grade").
The first head read those words as crisis cues, so the share of them held for a human is
tracked on its own, for every head, next to the held-out targets.

Used once to measure the head a retrain replaces (its figures are kept in
``ml/model/probe_baseline.json`` for the model card), and by ``python -m ml.train`` for the
new head. Embeddings come from the same cache as training, so a run costs seconds.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ml.language import LANGUAGES
from ml.types import RiskLevel

logger = logging.getLogger("ml.probe")

PROBE_GROUP_PREFIXES = ("da-t-", "en-t-")


def is_probe_group(group: str) -> bool:
    """True for the groups of the harmless time/goodbye probe set."""
    return group.startswith(PROBE_GROUP_PREFIXES)


def probe_figures(
    predicted: np.ndarray, langs: np.ndarray, index: np.ndarray
) -> dict[str, dict[str, float]]:
    """Per language: rows, share flagged elevated or above, share flagged crisis."""
    out: dict[str, dict[str, float]] = {}
    for lang in ("all", *LANGUAGES):
        rows = index if lang == "all" else index[langs[index] == lang]
        if len(rows) == 0:
            continue
        out[lang] = {
            "n": len(rows),
            "flagged_elevated_plus": round(
                float((predicted[rows] >= RiskLevel.ELEVATED).mean()), 4
            ),
            "flagged_crisis": round(float((predicted[rows] == RiskLevel.CRISIS).mean()), 4),
        }
    return out


def probe_report(
    predicted: np.ndarray, langs: np.ndarray, groups: Sequence[str], splits: np.ndarray
) -> dict[str, dict[str, dict[str, float]]]:
    """Probe figures on the whole probe set and on its held-out (test split) part."""
    probe = np.array([is_probe_group(g) for g in groups], dtype=bool)
    return {
        "all_rows": probe_figures(predicted, langs, np.flatnonzero(probe)),
        "test_split": probe_figures(predicted, langs, np.flatnonzero(probe & (splits == "test"))),
    }


def main(argv: list[str] | None = None) -> int:
    """Score the corpus with the head in ``--head-dir`` and print the probe figures."""
    from ml.backends.lexicon import match_rules, rule_floor
    from ml.backends.transformer import load_head
    from ml.build_encoder import DEFAULT_WEIGHTS_DIR
    from ml.encoder import Encoder
    from ml.language import detect_language
    from ml.train import (
        CACHE_DIR,
        CORPUS_DIR,
        MODEL_DIR,
        WindowCache,
        corpus_split,
        embed_with_cache,
        headline_metrics,
        load_corpus,
        predict_levels,
        text_scores,
    )

    parser = argparse.ArgumentParser(prog="python -m ml.probe", description=__doc__.splitlines()[0])
    parser.add_argument("--head-dir", type=Path, default=MODEL_DIR)
    parser.add_argument("--seed", type=int, default=13, help="the split seed of ml.train")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None, help="write the figures as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")

    head = load_head(args.head_dir)
    rows = load_corpus(CORPUS_DIR)
    encoder = Encoder(DEFAULT_WEIGHTS_DIR, num_threads=args.threads)
    cache = WindowCache(CACHE_DIR, encoder.encoder_hash)
    windows = embed_with_cache(encoder, [r.text for r in rows], cache, desc="embed corpus")
    splits = np.array(corpus_split(rows, args.seed))
    truth = np.array([int(r.level) for r in rows], dtype=np.int64)
    langs = np.array([r.lang for r in rows])
    groups = np.array([r.group for r in rows])
    detected = np.array([detect_language(r.text) for r in rows])
    floors = np.array([int(rule_floor(match_rules(r.text))) for r in rows])
    _, predicted = predict_levels(head, text_scores(head, windows), detected)
    predicted = np.maximum(predicted, floors)
    test = np.flatnonzero(splits == "test")
    result = {
        "head": head.version,
        "probe": probe_report(predicted, langs, groups.tolist(), splits),
        "test_intervals": headline_metrics(
            truth[test], predicted[test], langs[test], groups[test], args.seed
        ),
    }
    text = json.dumps(result, indent=2, sort_keys=True)
    print(text)  # noqa: T201
    if args.out is not None:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
