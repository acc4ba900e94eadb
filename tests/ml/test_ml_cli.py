"""The command-line contracts: ``python -m ml score`` and ``python -m ml evaluate``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_ml(
    *args: str, stdin: bytes = b"", timeout: int = 240
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "-m", "ml", *args],
        input=stdin,
        capture_output=True,
        cwd=ROOT,
        timeout=timeout,
        check=False,
    )


BAD_AND_GOOD_LINES = b"\n".join(
    [
        json.dumps({"text": "jeg vil tage mit eget liv i nat"}).encode(),
        b"not json",
        b"\xff\xfe invalid utf-8",
        b"",
        json.dumps({"txt": "wrong key"}).encode(),
        json.dumps({"text": 42}).encode(),
        json.dumps({"text": ""}).encode(),
        json.dumps({"text": "\U0001f642" * 20}).encode(),
        json.dumps({"text": "ctrl \x00\x07 chars"}).encode(),
        json.dumps(["a list"]).encode(),
    ]
)


def _check_contract(stdout: bytes) -> list[dict[str, object]]:
    lines = stdout.decode("utf-8").splitlines()
    results = [json.loads(line) for line in lines]
    assert len(results) == 10
    assert results[0]["level"] == "crisis"
    assert set(results[0]) == {"level", "probability", "categories", "evidence", "model_version"}
    for index in (1, 2, 3, 4, 5, 9):
        assert set(results[index]) == {"error"}, results[index]
    for index in (6, 7, 8):
        assert results[index]["level"] in {"none", "low", "elevated", "crisis"}
    return results


def test_lexicon_score_cli_answers_every_line() -> None:
    result = run_ml("--scorer", "lexicon", "score", stdin=BAD_AND_GOOD_LINES)
    assert result.returncode == 0, result.stderr
    results = _check_contract(result.stdout)
    assert results[0]["model_version"] == "lexicon-4"
    assert results[0]["evidence"] == [[8, 25]]


@pytest.mark.model
def test_transformer_score_cli_answers_every_line() -> None:
    result = run_ml("score", stdin=BAD_AND_GOOD_LINES)
    assert result.returncode == 0, result.stderr
    results = _check_contract(result.stdout)
    assert str(results[0]["model_version"]).startswith("sammen-risk-")


@pytest.mark.model
@pytest.mark.timeout(900)
def test_score_cli_handles_thousands_of_lines() -> None:
    lines = [json.dumps({"text": f"hej nummer {i}, vi ses i morgen"}) for i in range(2000)]
    result = run_ml("score", "--batch-size", "64", stdin="\n".join(lines).encode(), timeout=880)
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2000


def test_evaluate_cli_prints_the_report(tmp_path: Path) -> None:
    tsv = tmp_path / "eval.tsv"
    tsv.write_text(
        "level\tlang\ttext\n"
        "crisis\tda\tjeg vil tage mit eget liv i nat\n"
        "none\tda\tjeg døde af grin\n"
        "crisis\ten\ti am going to kill myself tonight\n"
        "none\ten\tgreat game today\n",
        encoding="utf-8",
    )
    result = run_ml("--scorer", "lexicon", "evaluate", str(tsv))
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode()
    assert "[da] n=2 crisis recall=1.000" in out
    assert "none flagged elevated+: 0.000" in out
    assert "confusion" in out


def test_transformer_cli_with_missing_weights_fails_clearly(tmp_path: Path) -> None:
    result = run_ml("--model-path", str(tmp_path / "nowhere"), "score", stdin=b"")
    assert result.returncode == 2
    assert b"python -m ml.build_encoder" in result.stderr
