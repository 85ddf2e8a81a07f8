"""FER2013 (Goodfellow et al., 2013), read in place from ``face/fer2013/<split>/<class>/<n>.png``.

Splits are the official usage splits: Training (28,709), PublicTest (3,589, for model
selection), PrivateTest (3,589, for reporting). Folder names map onto the canonical emotion
space with :data:`affectkit.core.labels.FER2013_TO_EMOTION` (angry->anger, happy->joy, sad->sadness).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from affectkit.bench.datasets.paths import data_root
from affectkit.core.errors import DataError
from affectkit.core.labels import EMOTION, FER2013_TO_EMOTION

FER2013_SPLITS = ("Training", "PublicTest", "PrivateTest")


def fer2013_files(split: str, limit_per_class: int | None = None) -> list[tuple[Path, str]]:
    """(png path, canonical emotion) for one split, sorted by class folder then by file number."""
    if split not in FER2013_SPLITS:
        raise DataError(f"unknown FER2013 split {split!r} (one of {', '.join(FER2013_SPLITS)})")
    folder = data_root() / "face" / "fer2013" / split
    if not folder.is_dir():
        raise DataError(f"FER2013 split folder missing: {folder}")
    out: list[tuple[Path, str]] = []
    for cls in sorted(FER2013_TO_EMOTION):
        sub = folder / cls
        if not sub.is_dir():
            raise DataError(f"FER2013 class folder missing: {sub}")
        files = sorted(sub.glob("*.png"), key=lambda p: (len(p.stem), p.stem))
        if limit_per_class is not None:
            files = files[:limit_per_class]
        out += [(f, FER2013_TO_EMOTION[cls]) for f in files]
    if not out:
        raise DataError(f"no FER2013 images in {folder}")
    return out


def load_fer2013(split: str, limit_per_class: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 48, 48], labels int64 [N]) for one split; labels index the canonical
    :data:`affectkit.core.labels.EMOTION` space (anger disgust fear joy neutral sadness surprise)."""
    import cv2

    files = fer2013_files(split, limit_per_class)
    x = np.empty((len(files), 48, 48), dtype=np.uint8)
    y = np.empty(len(files), dtype=np.int64)
    for i, (path, label) in enumerate(files):
        img = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
        if img is None:
            raise DataError(f"{path}: not a readable image")
        if img.shape != (48, 48):
            img = cv2.resize(img, (48, 48), interpolation=cv2.INTER_AREA)
        x[i] = img
        y[i] = EMOTION.index(label)
    return x, y
