"""Missing or corrupt weights: a clear error naming the build command; rules keep working."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ml import ModelUnavailable, RiskLevel, RiskScoringError, load_scorer
from ml.build_encoder import DEFAULT_WEIGHTS_DIR, MANIFEST_NAME
from tests.conftest import missing_service

ENCODER_DIR = DEFAULT_WEIGHTS_DIR / "encoder"
MODEL_DIR = Path(__file__).resolve().parents[2] / "ml" / "model"


def _copy_encoder(target: Path, *, truncate: str | None = None) -> Path:
    """Link the built encoder into ``target``; optionally write a truncated copy of one file."""
    if not (ENCODER_DIR / MANIFEST_NAME).exists():
        missing_service("encoder not built: python -m ml.build_encoder")
    encoder = target / "encoder"
    encoder.mkdir(parents=True)
    for path in ENCODER_DIR.iterdir():
        if path.name == truncate:
            (encoder / path.name).write_bytes(path.read_bytes()[: 1 << 20])
        else:
            (encoder / path.name).symlink_to(path)
    return target


def test_missing_weights_raise_model_unavailable_naming_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match=r"python -m ml\.build_encoder"):
        load_scorer("transformer", model_path=str(tmp_path))
    assert issubclass(ModelUnavailable, RiskScoringError)


@pytest.mark.model
def test_corrupt_weights_raise_model_unavailable_and_rules_still_work(tmp_path: Path) -> None:
    weights = _copy_encoder(tmp_path, truncate="model.safetensors")
    with pytest.raises(ModelUnavailable, match=r"python -m ml\.build_encoder"):
        load_scorer("transformer", model_path=str(weights))
    lexicon = load_scorer("lexicon")
    assert lexicon.score_batch(["jeg vil tage mit eget liv"])[0].level == RiskLevel.CRISIS


@pytest.mark.model
def test_corrupt_tokenizer_is_detected(tmp_path: Path) -> None:
    weights = _copy_encoder(tmp_path, truncate="tokenizer.json")
    with pytest.raises(ModelUnavailable, match="corrupt"):
        load_scorer("transformer", model_path=str(weights))


@pytest.mark.model
def test_corrupt_head_raises_model_unavailable(tmp_path: Path) -> None:
    from ml.backends.transformer import TransformerScorer

    head = tmp_path / "model"
    shutil.copytree(MODEL_DIR, head)
    np.savez(head / "head.npz", level_weight=np.full((384, 4), np.nan, dtype=np.float32))
    with pytest.raises(ModelUnavailable, match="head"):
        TransformerScorer(head_dir=head)
