"""``Modalities``: per-modality feature arrays that scikit-learn's tools can split by sample.

A fusion model's ``X`` is a mapping modality -> array (``[N, D]`` or ``[N, T, D]``). A plain dict
works for ``fit``/``predict``, but scikit-learn's ``cross_val_score``, ``GridSearchCV`` and
``train_test_split`` index X by rows and count its samples with ``len``/``shape``: a dict has
neither (its length is the number of modalities), so they stop with "Expected sequence or
array-like, got dict" before the estimator sees it. ``Modalities(text=X_text, audio=X_audio)`` is
the same mapping with a sample count (``shape == (N,)``) and row indexing (``m[idx]`` for an
index array, a slice or a boolean mask gives the rows of every modality), which is all those
tools need; string keys still give a modality's array.
"""
from __future__ import annotations

from typing import Any, Iterator, Mapping

import numpy as np

from affectkit.core.errors import InputError


class Modalities(Mapping[str, np.ndarray]):
    """Modality name -> feature array, all with the same number of samples N."""

    def __init__(self, data: Mapping[str, Any] | None = None, **arrays: Any) -> None:
        merged = {**(dict(data) if data is not None else {}), **arrays}
        if not merged:
            raise InputError("Modalities needs at least one modality")
        self._arrays = {str(k): np.asarray(v) for k, v in merged.items()}
        sizes = {k: (a.shape[0] if a.ndim else None) for k, a in self._arrays.items()}
        if len(set(sizes.values())) != 1 or None in sizes.values():
            raise InputError(f"modalities disagree on the number of samples: {sizes}")
        self.shape = (next(iter(sizes.values())),)

    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str):
            return self._arrays[key]
        if isinstance(key, tuple):  # scikit-learn asks for X[rows, ...]
            key = key[0] if len(key) == 2 and key[1] is Ellipsis else key
        return Modalities({k: a[key] for k, a in self._arrays.items()})

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:  # Mapping's length: the modalities (the samples are shape[0])
        return len(self._arrays)

    def __repr__(self) -> str:
        dims = ", ".join(f"{k}={a.shape}" for k, a in self._arrays.items())
        return f"Modalities({dims})"
