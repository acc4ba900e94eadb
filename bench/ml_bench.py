"""Benchmark the risk scorer on one core: ``python bench/ml_bench.py``.

Measures, for fp32 and dynamic int8 (``torch.ao.quantization.quantize_dynamic`` on the Linear
layers), or one of them or bf16 (the encoder under CPU autocast) with ``--variant``: load time,
p50/p99 latency at batch 1 and throughput at batch 8 and 32 for short posts (about 12 words) and
100-word posts, peak RSS, and the accuracy change on the held-out test split of ``python -m
ml.train`` (same seed, same group split). With ``--evidence-split``: routing throughput without
occlusion (``score_batch(texts, occlusion=False)``, what moderation's screening runs) against
the same scorer with it, and the cost of ``explain_batch`` per held post (what the explain task
runs after routing).

Not a test: numbers depend on the machine and on what else runs on it. The process pins
itself to one CPU and one torch thread. Results are printed as Markdown for bench/README.md.
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHORT_POSTS = [
    "har haft en lang dag i skolen og er bare træt nu",
    "anyone else nervous about the maths exam on friday?",
    "min veninde ignorerer mig og jeg ved ikke hvorfor",
    "i miss my old friends since we moved, it's hard",
    "jeg glæder mig til sommerferien, skal til Bornholm",
    "does it get easier after the first week at a new school",
    "mine forældre skændes hele tiden og jeg kan ikke sove",
    "i feel kind of empty lately, not sure why",
]
HUNDRED_WORDS = (
    "I started at a new school this autumn and it has been harder than I thought. The "
    "classes are bigger, the teachers move fast and most people already have their groups. "
    "At lunch I usually sit with two girls from my maths class, but they mostly talk to "
    "each other. In the evenings I play football, which helps, and my older brother calls "
    "sometimes. I am not in danger or anything, I just feel a bit lonely and tired, and I "
    "wonder if other people felt the same way when they changed schools and how long it "
    "took before it felt normal again for them."
)


# Posts the model holds (elevated or crisis), Danish and English: what occlusion is paid for.
HELD_POSTS = [
    "jeg har skrevet et brev til min mor og gemt pillerne. i nat er det slut",
    "min ven skriver han vil tage sit liv i nat og nu svarer han ikke",
    "jeg skærer i mig selv igen, det er det eneste der hjælper",
    "farvel alle sammen. tak for alt, I hører ikke fra mig igen",
    "i have the pills in my drawer and tonight i'm finally going to do it",
    "my friend just texted me that she is going to kill herself tonight",
    "this is my last post. thank you all, goodbye",
    "I started cutting again. Nobody knows. It helps for a while",
]


def peak_rss_mb() -> float:
    """Peak resident set size of this process in MB (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_calls(call: Callable[[], object], repeats: int) -> list[float]:
    """Wall time of each call, in seconds, after one warm-up call."""
    call()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return timings


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def measure(scorer: object, repeats: int) -> dict[str, float]:
    """Latency and throughput figures for one scorer."""
    score_batch = scorer.score_batch  # type: ignore[attr-defined]
    results: dict[str, float] = {}
    corpora = {"short": SHORT_POSTS, "100w": [HUNDRED_WORDS]}
    for name, posts in corpora.items():
        first = posts[0]
        singles = time_calls(functools.partial(score_batch, [first]), repeats)
        results[f"{name}_p50_ms"] = statistics.median(singles) * 1000
        results[f"{name}_p99_ms"] = percentile(singles, 0.99) * 1000
        for batch in (8, 32):
            texts = [posts[i % len(posts)] for i in range(batch)]
            rounds = max(3, repeats // batch)
            timings = time_calls(functools.partial(score_batch, texts), rounds)
            results[f"{name}_b{batch}_per_s"] = batch / statistics.median(timings)
    return results


def measure_split(scorer: object, repeats: int) -> dict[str, float]:
    """Routing without occlusion against scoring with it, and explain_batch per held post.

    Same scorer, same process, same texts: the ratios are like for like. The short posts mix
    held and published posts as the default table does; the held posts are all held, the worst
    case for occlusion.
    """
    from ml.types import RiskLevel

    score_batch = scorer.score_batch  # type: ignore[attr-defined]
    explain_batch = scorer.explain_batch  # type: ignore[attr-defined]
    routing = functools.partial(score_batch, occlusion=False)
    results: dict[str, float] = {}
    results["short_held"] = float(
        sum(s.level >= RiskLevel.ELEVATED for s in score_batch(SHORT_POSTS))
    )
    results["held_held"] = float(
        sum(s.level >= RiskLevel.ELEVATED for s in score_batch(HELD_POSTS))
    )
    for name, posts in (("short", SHORT_POSTS), ("held", HELD_POSTS)):
        for batch in (8, 32):
            texts = [posts[i % len(posts)] for i in range(batch)]
            rounds = max(3, repeats // batch)
            for label, call in (("with", score_batch), ("routing", routing)):
                timings = time_calls(functools.partial(call, texts), rounds)
                results[f"{name}_b{batch}_{label}_per_s"] = batch / statistics.median(timings)
    singles = time_calls(functools.partial(explain_batch, HELD_POSTS[:1]), repeats)
    results["explain_b1_ms"] = statistics.median(singles) * 1000
    rounds = max(3, repeats // len(HELD_POSTS))
    timings = time_calls(functools.partial(explain_batch, HELD_POSTS), rounds)
    results["explain_b8_ms_per_post"] = statistics.median(timings) * 1000 / len(HELD_POSTS)
    return results


def print_split(variants: Sequence[str], split: dict[str, dict[str, float]]) -> None:
    """The routing/explain table, with ratios against the same run's with-evidence figures."""
    print()
    first = split[variants[0]]
    print(
        f"routing without occlusion, then explain_batch ({int(first['short_held'])} of "
        f"{len(SHORT_POSTS)} short posts held; {int(first['held_held'])} of {len(HELD_POSTS)} "
        "held posts held)"
    )
    print()
    print("| figure | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    for name, what in (("short", "short posts"), ("held", "held posts")):
        for batch in (8, 32):
            for label, how in (("with", "with occlusion"), ("routing", "routing, no occlusion")):
                key = f"{name}_b{batch}_{label}_per_s"
                print(
                    f"| {what}/s, batch {batch}, {how} | "
                    + " | ".join(f"{split[v][key]:.1f}" for v in variants)
                    + " |"
                )
            ratios = [
                split[v][f"{name}_b{batch}_routing_per_s"] / split[v][f"{name}_b{batch}_with_per_s"]
                for v in variants
            ]
            ratio = " | ".join(f"{r:.2f}x" for r in ratios)
            print(f"| {what}, batch {batch}: routing / with occlusion | {ratio} |")
    print(
        "| explain_batch, 1 held post (ms) | "
        + " | ".join(f"{split[v]['explain_b1_ms']:.1f}" for v in variants)
        + " |"
    )
    print(
        "| explain_batch, batch of 8 held posts (ms per post) | "
        + " | ".join(f"{split[v]['explain_b8_ms_per_post']:.1f}" for v in variants)
        + " |"
    )


def heldout_accuracy(scorer: object) -> dict[str, float]:
    """Routing metrics on the training run's held-out test split."""
    import numpy as np

    from ml.evaluation import compute_report
    from ml.train import corpus_split, load_corpus

    rows = load_corpus()
    splits = corpus_split(rows, seed=13)
    test = [r for r, s in zip(rows, splits, strict=True) if s == "test"]
    scores = scorer.score_batch([r.text for r in test])  # type: ignore[attr-defined]
    truth = [int(r.level) for r in test]
    predicted = [int(s.level) for s in scores]
    report = compute_report(truth, predicted, [r.lang for r in test])
    return {
        "n": float(len(test)),
        "crisis_recall_da": report.per_language["da"]["crisis_recall"],
        "crisis_recall_en": report.per_language["en"]["crisis_recall"],
        "elevated_plus_recall": report.elevated_plus_recall,
        "none_flagged": report.none_flagged_elevated,
        "levels": np.asarray(predicted),  # type: ignore[dict-item]
    }


def main() -> int:
    """Run fp32 then int8 in this process and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    parser.add_argument("--no-accuracy", action="store_true")
    parser.add_argument(
        "--no-evidence",
        action="store_true",
        help="skip occlusion evidence (encoder, head and rules only)",
    )
    parser.add_argument(
        "--evidence-split",
        action="store_true",
        help="also measure routing without occlusion and explain_batch per held post",
    )
    parser.add_argument("--head-dir", default=None, help="head artefacts (default ml/model)")
    parser.add_argument(
        "--variant",
        choices=("both", "fp32", "int8", "bf16"),
        default="both",
        help="run one variant alone to get its own peak RSS (both: the int8 RSS is cumulative)",
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads; the process is pinned to as many CPUs",
    )
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.threads]))
    load_before = os.getloadavg()

    started = time.perf_counter()
    import torch

    from ml.backends.transformer import TransformerScorer

    import_s = time.perf_counter() - started
    rows: dict[str, dict[str, float]] = {}
    split: dict[str, dict[str, float]] = {}
    accuracy: dict[str, dict[str, float]] = {}
    variants = ("fp32", "int8") if args.variant == "both" else (args.variant,)
    scorer_version = ""
    for variant in variants:
        started = time.perf_counter()
        scorer = TransformerScorer(
            head_dir=args.head_dir,
            num_threads=args.threads,
            quantize_int8=variant == "int8",
            with_evidence=not args.no_evidence,
            precision="bf16" if variant == "bf16" else "fp32",
        )
        load_s = time.perf_counter() - started
        rows[variant] = {"load_s": load_s, **measure(scorer, args.repeats)}
        if args.evidence_split:
            split[variant] = measure_split(scorer, args.repeats)
        rows[variant]["peak_rss_mb"] = peak_rss_mb()
        scorer_version = scorer.model_version
        if not args.no_accuracy:
            accuracy[variant] = heldout_accuracy(scorer)
        del scorer

    print(f"date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, ")
    print(
        f"torch {torch.__version__}, {args.threads} thread(s), pinned to {args.threads} CPU(s); "
        f"import {import_s:.1f} s; model {scorer_version}"
        + ("; occlusion evidence off" if args.no_evidence else "")
    )
    print(
        "load average (1/5/15 min) before: "
        + " ".join(f"{v:.2f}" for v in load_before)
        + ", after: "
        + " ".join(f"{v:.2f}" for v in os.getloadavg())
    )
    print()
    print("| figure | " + " | ".join(variants) + " |")
    print("|---|" + "---|" * len(variants))
    labels = {
        "load_s": "load time (s, incl. sha256 check)",
        "short_p50_ms": "short post, batch 1, p50 (ms)",
        "short_p99_ms": "short post, batch 1, p99 (ms)",
        "short_b8_per_s": "short posts/s, batch 8",
        "short_b32_per_s": "short posts/s, batch 32",
        "100w_p50_ms": "100-word post, batch 1, p50 (ms)",
        "100w_p99_ms": "100-word post, batch 1, p99 (ms)",
        "100w_b8_per_s": "100-word posts/s, batch 8",
        "100w_b32_per_s": "100-word posts/s, batch 32",
        "peak_rss_mb": "peak RSS of the process so far (MB)",
    }
    for key, label in labels.items():
        print(f"| {label} | " + " | ".join(f"{rows[v][key]:.1f}" for v in variants) + " |")
    if split:
        print_split(variants, split)
    if accuracy:
        for key in ("crisis_recall_da", "crisis_recall_en", "elevated_plus_recall", "none_flagged"):
            cells = " | ".join(f"{accuracy[v][key]:.3f}" for v in variants)
            print(f"| held-out {key.replace('_', ' ')} | {cells} |")
        if len(variants) == 2:
            import numpy as np

            same = accuracy["fp32"]["levels"] == accuracy["int8"]["levels"]
            print(f"| held-out texts with the fp32 level | 1.000 | {float(np.mean(same)):.3f} |")
        print(f"\nheld-out test split: {int(accuracy[variants[0]]['n'])} texts")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
