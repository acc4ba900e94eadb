"""The encoder in bf16: opt-in, only where the CPU computes it natively, levels kept.

bench/README.md measures the speed; these tests hold the contract: the same levels as fp32
on the model tests' sentences, independent of batching, and a version that says bf16.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ml.encoder import Encoder, native_bf16
from tests.ml.test_ml_scorer import CRISIS_TEXTS, HARMLESS_TEXTS, NON_PROSE_TEXTS


def test_native_bf16_is_read_from_the_cpu_flags(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_bf16\n")
    assert native_bf16(cpuinfo)
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512_vnni\n")
    assert not native_bf16(cpuinfo)
    assert not native_bf16(tmp_path / "absent")


def test_an_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="precision"):
        Encoder(precision="fp16")


@pytest.mark.model
def test_bf16_keeps_the_fp32_levels_and_says_so_in_the_version(
    risk_scorer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ml.backends import transformer

    # Where the CPU lacks native bf16 it is emulated: slow, but the same arithmetic.
    monkeypatch.setattr(transformer, "native_bf16", lambda: True)
    bf16 = transformer.TransformerScorer(num_threads=1, precision="bf16")
    texts = [text for _, text in CRISIS_TEXTS + HARMLESS_TEXTS] + NON_PROSE_TEXTS
    fp32_scores = risk_scorer.score_batch(texts)
    batched = bf16.score_batch(texts)
    alone = [bf16.score_batch([text])[0] for text in texts]
    assert [s.level for s in batched] == [s.level for s in fp32_scores]
    assert [s.level for s in alone] == [s.level for s in batched]
    for ours, theirs in zip(batched, fp32_scores, strict=True):
        assert ours.probability == pytest.approx(theirs.probability, abs=0.02)
    assert bf16.model_version == f"{risk_scorer.model_version}+bf16"
    # and the arithmetic really is bf16: close to fp32's embeddings, not equal to them
    ours_vectors, _ = bf16.encoder.embed_windows(texts[:6])
    fp32_vectors, _ = risk_scorer.encoder.embed_windows(texts[:6])
    assert not np.array_equal(ours_vectors, fp32_vectors)
    pools = ours_vectors.shape[1] // int(bf16.encoder.model.config.hidden_size)
    assert np.min(np.sum(ours_vectors * fp32_vectors, axis=1)) > 0.99 * pools  # cosine per pool
    assert batched[0].model_version == bf16.model_version


@pytest.mark.model
def test_bf16_falls_back_to_fp32_where_the_cpu_lacks_it(
    risk_scorer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from ml.backends import transformer

    monkeypatch.setattr(transformer, "native_bf16", lambda: False)
    scorer = transformer.TransformerScorer(num_threads=1, precision="bf16")
    assert scorer.encoder.precision == "fp32"
    assert scorer.model_version == risk_scorer.model_version
    assert "bf16_not_native" in caplog.text
