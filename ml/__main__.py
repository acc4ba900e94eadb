"""Command line: ``python -m ml score`` and ``python -m ml evaluate FILE.tsv``.

``score`` reads JSON lines ``{"text": ...}`` on stdin and writes exactly one JSON line per
input line, in order: a score, or ``{"error": ...}`` for a line that cannot be scored
(invalid UTF-8, bad JSON, no "text" string). The model loads once; lines are scored in
batches. Evidence offsets are Python character (code point) offsets into "text".

``evaluate`` scores a labelled TSV (columns level, lang, text) and prints per-level
precision and recall, crisis recall per language, the share of level-none texts flagged
elevated or above, and the confusion matrix.

Exit codes: 0 done, 2 the scorer could not load (the message names the build command).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ml import load_scorer
from ml.errors import RiskScoringError
from ml.types import RiskScore, RiskScorer

MAX_LINE_BYTES = 1 << 20  # a post is at most ~100 kB; a 1 MB line is an upstream bug


def score_to_json(score: RiskScore) -> dict[str, Any]:
    """The wire form of a RiskScore (the contract of ``python -m ml score``)."""
    return {
        "level": score.level.label,
        "probability": round(float(score.probability), 4),
        "categories": list(score.categories),
        "evidence": [[e.start, e.end] for e in score.evidence],
        "model_version": score.model_version,
    }


def _parse_line(raw: bytes) -> str | dict[str, str]:
    """Return the text to score, or an error object for this line."""
    if len(raw) > MAX_LINE_BYTES:
        return {"error": f"line longer than {MAX_LINE_BYTES} bytes"}
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return {"error": f"line is not valid UTF-8 (byte {error.start})"}
    if not line.strip():
        return {"error": 'empty line; expected a JSON object with a "text" string'}
    try:
        payload = json.loads(line)
    except json.JSONDecodeError as error:
        return {"error": f"invalid JSON: {error.msg} at column {error.colno}"}
    if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
        return {"error": 'expected a JSON object with a "text" string'}
    text: str = payload["text"]
    return text


def _score_safely(scorer: RiskScorer, texts: list[str]) -> list[dict[str, Any]]:
    """Score a batch; if the batch fails, score one by one so one text cannot sink others."""
    try:
        return [score_to_json(s) for s in scorer.score_batch(texts)]
    except (RiskScoringError, ValueError, TypeError, RuntimeError):
        results = []
        for text in texts:
            try:
                results.append(score_to_json(scorer.score_batch([text])[0]))
            except (RiskScoringError, ValueError, TypeError, RuntimeError) as error:
                results.append({"error": f"scoring failed: {type(error).__name__}: {error}"})
        return results


def _lines(stream: IO[bytes]) -> Iterator[bytes]:
    for raw in stream:
        yield raw.rstrip(b"\r\n")


def run_score(scorer: RiskScorer, stdin: IO[bytes], stdout: IO[str], batch_size: int) -> int:
    """Stream stdin to stdout, one output line per input line; returns the line count."""
    count = 0
    pending: list[str | dict[str, str]] = []

    def flush() -> None:
        texts = [item for item in pending if isinstance(item, str)]
        scored = iter(_score_safely(scorer, texts)) if texts else iter(())
        for item in pending:
            result = next(scored) if isinstance(item, str) else item
            stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        stdout.flush()
        pending.clear()

    for raw in _lines(stdin):
        pending.append(_parse_line(raw))
        count += 1
        if len(pending) >= batch_size:
            flush()
    flush()
    return count


def run_evaluate(scorer: RiskScorer, path: Path, as_json: bool) -> int:
    """Score a labelled TSV and print the report."""
    from ml.evaluation import compute_report, format_report, read_labelled_tsv

    rows = read_labelled_tsv(path)
    scores = scorer.score_batch([r.text for r in rows])
    report = compute_report(
        [int(r.level) for r in rows], [int(s.level) for s in scores], [r.lang for r in rows]
    )
    if as_json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report, f"{path} scored by {scorer.model_version}"))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, load the scorer once, run the command."""
    parser = argparse.ArgumentParser(prog="python -m ml", description="Sammen risk model")
    parser.add_argument("--scorer", choices=("transformer", "lexicon"), default="transformer")
    parser.add_argument("--model-path", default=None, help="weights root (default ml/weights)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    sub = parser.add_subparsers(dest="command", required=True)
    score = sub.add_parser("score", help="JSON lines in, JSON lines out")
    score.add_argument("--batch-size", type=int, default=32)
    evaluate = sub.add_parser("evaluate", help="score a labelled TSV and report metrics")
    evaluate.add_argument("file", type=Path)
    evaluate.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)

    try:
        if args.scorer == "transformer":
            from ml.backends.transformer import TransformerScorer

            scorer: RiskScorer = TransformerScorer(args.model_path, num_threads=args.threads)
        else:
            scorer = load_scorer("lexicon")
    except RiskScoringError as error:
        print(f"python -m ml: {error}", file=sys.stderr)
        return 2
    if args.command == "score":
        run_score(scorer, sys.stdin.buffer, sys.stdout, max(1, args.batch_size))
        return 0
    return run_evaluate(scorer, args.file, args.json)


if __name__ == "__main__":
    raise SystemExit(main())
