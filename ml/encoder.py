"""The e5 sentence encoder built by ``python -m ml.build_encoder``: load, window, embed.

multilingual-e5-small expects a ``"query: "`` prefix and mean pooling over all tokens
(specials included). Long texts are cut into overlapping token windows so one alarming
sentence in a long post keeps its own embedding instead of being averaged away; the risk
head scores every window and takes the maximum. ``embed`` averages the windows instead,
which is what similarity search (journey recommendations) wants.

torch is imported when an Encoder is created, not when this module is imported.
"""

from __future__ import annotations

import functools
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ml.build_encoder import (
    DEFAULT_WEIGHTS_DIR,
    ENCODER_SUBDIR,
    MANIFEST_NAME,
    sha256_file,
)
from ml.errors import BUILD_COMMAND, ModelUnavailable

logger = logging.getLogger("ml.encoder")

QUERY_PREFIX = "query: "
WINDOW_TOKENS = 128  # content tokens per window; most posts fit in one
WINDOW_STRIDE = 112  # 16 tokens of overlap so a sentence cut at a border appears whole once
DEFAULT_BATCH_SIZE = 32
_BOS_ID, _EOS_ID, _PAD_ID = 0, 2, 1
# fp32 is what the head was trained and calibrated on. bf16 (torch autocast) runs the encoder
# about 1.7x faster on a CPU with native bf16 and moved one level in 1,740 posts
# (bench/README.md); on a CPU without it, it is emulated and slower than fp32.
PRECISIONS = ("fp32", "bf16")
_NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def native_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes bf16 natively (AVX-512 BF16 or AMX), read from its flags."""
    try:
        text = cpuinfo.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    for line in text.splitlines():
        if line.startswith("flags"):
            return bool(_NATIVE_BF16_FLAGS & set(line.partition(":")[2].split()))
    return False


@dataclass(frozen=True, slots=True)
class Window:
    """One window of one text: which text, and the character span it covers."""

    text_index: int
    char_start: int
    char_end: int
    token_ids: tuple[int, ...]


def resolve_encoder_dir(model_path: str | Path | None) -> Path:
    """Accept either the weights root (``ml/weights``) or the encoder dir itself."""
    root = Path(model_path) if model_path else DEFAULT_WEIGHTS_DIR
    if root.name == ENCODER_SUBDIR or (root / MANIFEST_NAME).exists():
        return root
    return root / ENCODER_SUBDIR


def verify_encoder_dir(encoder_dir: Path) -> str:
    """Check every file against the manifest; return a short hash identifying the encoder.

    Raises ModelUnavailable naming the build command when anything is missing or differs,
    so corrupt weights never produce silently wrong scores.
    """
    manifest_path = encoder_dir / MANIFEST_NAME
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        files: dict[str, str] = manifest["files"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ModelUnavailable(
            f"encoder weights missing or unreadable at {encoder_dir} ({error}); "
            f"run `{BUILD_COMMAND}`"
        ) from error
    for name, expected in sorted(files.items()):
        path = encoder_dir / name
        try:
            actual = sha256_file(path)
        except OSError as error:
            raise ModelUnavailable(
                f"encoder file {path} is missing ({error}); run `{BUILD_COMMAND}`"
            ) from error
        if actual != expected:
            raise ModelUnavailable(
                f"encoder file {path} is corrupt (sha256 mismatch); run `{BUILD_COMMAND} --force`"
            )
    return files["model.safetensors"][:16]


class Encoder:
    """multilingual-e5-small on CPU with an explicit torch thread count.

    Thread safety: one instance may be shared; a lock serialises forward passes because
    torch's intra-op pool is per process anyway.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        num_threads: int = 1,
        quantize_int8: bool = False,
        verify: bool = True,
        num_layers: int | None = None,
        pool_layers: Sequence[int] | None = None,
        precision: str = "fp32",
    ) -> None:
        """``precision`` is one of ``PRECISIONS``: the encoder's arithmetic (pools are fp32
        either way). ``pool_layers`` (for example ``(6, 12)``, as the risk head reads) makes each
        embedding the concatenation of the normalised mean pools after those layers, and
        runs no layer beyond the deepest; ``num_layers`` only cuts the encoder. ``None``
        for both: the last layer of all twelve, as similarity search wants."""
        import torch

        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r} is not one of {PRECISIONS}")
        self.precision = precision
        self.encoder_dir = resolve_encoder_dir(model_path)
        self.encoder_hash = verify_encoder_dir(self.encoder_dir) if verify else "unverified"
        torch.set_num_threads(max(1, int(num_threads)))
        try:
            from tokenizers import Tokenizer
            from transformers import BertModel
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()

            self.tokenizer = Tokenizer.from_file(str(self.encoder_dir / "tokenizer.json"))
            self.tokenizer.no_padding()
            self.tokenizer.no_truncation()
            model = BertModel.from_pretrained(str(self.encoder_dir), local_files_only=True)
        except Exception as error:  # any load failure means the same thing to the caller
            raise ModelUnavailable(
                f"encoder at {self.encoder_dir} failed to load ({error}); run `{BUILD_COMMAND}`"
            ) from error
        model.eval()
        self.pool_layers = tuple(int(k) for k in pool_layers) if pool_layers else None
        if self.pool_layers is not None:
            if min(self.pool_layers) < 1:
                raise ModelUnavailable(f"pool layers {self.pool_layers} must be 1 or more")
            num_layers = max(self.pool_layers)
        if num_layers is not None:
            if not 1 <= num_layers <= len(model.encoder.layer):
                raise ModelUnavailable(
                    f"encoder has {len(model.encoder.layer)} layers, {num_layers} requested"
                )
            model.encoder.layer = model.encoder.layer[:num_layers]
            model.config.num_hidden_layers = num_layers
        self.num_layers = len(model.encoder.layer)
        if quantize_int8:
            model = torch.ao.quantization.quantize_dynamic(
                model, {torch.nn.Linear}, dtype=torch.qint8
            )
        self.model = model
        self.quantized = quantize_int8
        self.prefix_ids = tuple(
            self.tokenizer.encode(QUERY_PREFIX.strip(), add_special_tokens=False).ids
        )
        self._lock = threading.Lock()

    @property
    def dim(self) -> int:
        """Embedding width (384)."""
        return int(self.model.config.hidden_size) * len(self.pool_layers or (0,))

    def windows(
        self,
        texts: Sequence[str],
        *,
        window_tokens: int = WINDOW_TOKENS,
        stride: int = WINDOW_STRIDE,
    ) -> list[Window]:
        """Tokenise texts and cut them into windows; every text gets at least one window."""
        encodings = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        windows: list[Window] = []
        for index, (text, encoding) in enumerate(zip(texts, encodings, strict=True)):
            ids, offsets = encoding.ids, encoding.offsets
            if len(ids) <= window_tokens:
                windows.append(Window(index, 0, len(text), tuple(ids)))
                continue
            start = 0
            while True:
                end = min(start + window_tokens, len(ids))
                span = (offsets[start][0], offsets[end - 1][1])
                windows.append(Window(index, span[0], span[1], tuple(ids[start:end])))
                if end == len(ids):
                    break
                start += stride
        return windows

    def embed_ids(
        self, sequences: Sequence[Sequence[int]], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> np.ndarray:
        """Embed token-id sequences (content only); adds <s> query: ... </s>, mean-pools."""
        import torch

        out = np.zeros((len(sequences), self.dim), dtype=np.float32)
        if not sequences:
            return out
        order = sorted(range(len(sequences)), key=lambda i: len(sequences[i]))
        autocast = torch.autocast("cpu", torch.bfloat16, enabled=self.precision == "bf16")
        with self._lock, torch.inference_mode(), autocast:
            for batch_start in range(0, len(order), batch_size):
                batch = order[batch_start : batch_start + batch_size]
                rows = [[_BOS_ID, *self.prefix_ids, *sequences[i], _EOS_ID] for i in batch]
                width = max(len(r) for r in rows)
                ids = torch.full((len(rows), width), _PAD_ID, dtype=torch.long)
                mask = torch.zeros((len(rows), width), dtype=torch.long)
                for r, row in enumerate(rows):
                    ids[r, : len(row)] = torch.tensor(row, dtype=torch.long)
                    mask[r, : len(row)] = 1
                if self.pool_layers is None:
                    states = [self.model(input_ids=ids, attention_mask=mask).last_hidden_state]
                else:
                    every = self.model(
                        input_ids=ids, attention_mask=mask, output_hidden_states=True
                    ).hidden_states  # [0] is the embedding layer, [k] the output of layer k
                    states = [every[k] for k in self.pool_layers]
                weights = mask.unsqueeze(-1).to(states[0].dtype)
                pooled = torch.cat(
                    [
                        torch.nn.functional.normalize((h * weights).sum(1) / weights.sum(1), dim=-1)
                        for h in states
                    ],
                    dim=-1,
                )
                out[batch] = pooled.float().numpy()
        return out

    def embed_windows(
        self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE
    ) -> tuple[np.ndarray, list[Window]]:
        """Return one embedding per window, with the windows (owner text, char span)."""
        windows = self.windows(texts)
        return self.embed_ids([w.token_ids for w in windows], batch_size=batch_size), windows

    def embed(self, texts: Sequence[str], *, batch_size: int = DEFAULT_BATCH_SIZE) -> np.ndarray:
        """One L2-normalised vector per text; long texts average their windows."""
        vectors, windows = self.embed_windows(texts, batch_size=batch_size)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for vector, window in zip(vectors, windows, strict=True):
            out[window.text_index] += vector * max(1, len(window.token_ids))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)


_shared_lock = threading.Lock()


@functools.cache
def _shared(encoder_dir: str, num_threads: int) -> Encoder:
    return Encoder(encoder_dir, num_threads=num_threads)


def shared_encoder(model_path: str | Path | None = None, *, num_threads: int = 1) -> Encoder:
    """Return a process-wide Encoder per (path, threads), loading it on first use."""
    with _shared_lock:
        return _shared(str(resolve_encoder_dir(model_path)), num_threads)
