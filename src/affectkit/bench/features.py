"""Feature matrices for the harness, computed once and cached (store.cache.FeatureCache).

- ``text.minilm`` sentence embeddings of a list of texts, keyed by the texts' content (sha256
  of the texts in order), so a dataset's embeddings are computed once per machine.
- voice features of audio files (``voice.emotion_input``, the bundled speech head's input),
  keyed by file content as everywhere else in the cache.
- face pixels: 48x48 grayscale crops area-downsampled to ``size`` x ``size``, scaled to [0, 1].
"""
from __future__ import annotations

import hashlib
import logging
import time
from typing import Sequence

import numpy as np

log = logging.getLogger("affectkit.bench")


def texts_digest(texts: Sequence[str]) -> str:
    """sha256 of the texts in order (NUL-separated UTF-8): the cache key's content part."""
    h = hashlib.sha256()
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


def text_embeddings(texts: Sequence[str], cache_root: str | None = None, chunk: int = 4096) -> np.ndarray:
    """``text.minilm`` embeddings [N, 384] float32, in order; cached in chunks of ``chunk``
    texts (a killed run keeps the chunks it finished)."""
    from affectkit.perceive.text import MiniLMEmbedding
    from affectkit.store.cache import FeatureCache

    texts = [str(t) for t in texts]
    ex = MiniLMEmbedding()
    cache = FeatureCache(cache_root)
    parts = []
    for a in range(0, len(texts), chunk):
        block = texts[a:a + chunk]
        key = cache.key(texts_digest(block), ex.name, ex.version, {"batch_size": 64})
        df = cache.load(ex.name, key)
        if df is None:
            t0 = time.perf_counter()
            df = ex.extract(block)
            log.info("text.minilm: %d texts in %.1f s", len(block), time.perf_counter() - t0)
            cache.save(ex.name, key, df)
        parts.append(df.to_numpy(dtype=np.float32))
    if not parts:
        return np.zeros((0, ex.dims), dtype=np.float32)
    return np.concatenate(parts, axis=0)


def voice_features(paths: Sequence[str], cache_root: str | None = None, jobs: int = 1) -> np.ndarray:
    """The bundled speech-emotion head's input features (``voice.emotion_input``: Whisper-base
    encoder layers 0-3 pooled) per whole file [N, D] float32; cached by file content.
    Needs the voice extra (pip install 'affectkit[voice]')."""
    from affectkit.bench.voice_eval import extract_features
    from affectkit.train.voice import make_extractor

    return extract_features(list(paths), make_extractor(), cache_root, jobs=jobs).to_numpy(dtype=np.float32)


def face_pixels(images: np.ndarray, size: int = 24) -> np.ndarray:
    """uint8 crops [N, H, W] -> float32 [N, size*size] in [0, 1] (area downsampling by block means
    when H and W are multiples of ``size``, else nearest sampling)."""
    x = np.asarray(images, dtype=np.float32) / 255.0
    n, h, w = x.shape
    if h % size == 0 and w % size == 0:
        x = x.reshape(n, size, h // size, size, w // size).mean(axis=(2, 4))
    else:
        rows = (np.arange(size) * h / size).astype(int)
        cols = (np.arange(size) * w / size).astype(int)
        x = x[:, rows][:, :, cols]
    return x.reshape(n, size * size).astype(np.float32)
