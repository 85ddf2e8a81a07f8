"""Fusion models for researchers: scikit-learn-style estimators on per-modality features.

The contract every registered model follows (the research harness relies on it):

- ``X`` is a ``dict[str, np.ndarray]``: modality name ("text", "audio", "vision", ...) -> float32
  array, either ``[N, D]`` (one vector per sample) or ``[N, T, D]`` (a sequence per sample,
  padded at the end with all-zero time steps). Wrapped as ``Modalities(text=..., audio=...)`` it
  also goes through scikit-learn's splitters (``cross_val_score``, ``GridSearchCV``,
  ``train_test_split``), which cannot index a plain dict by rows.
- A modality missing for sample ``i`` is all-NaN in that sample's rows; a modality missing for all
  samples may simply be absent from the dict at predict time. Models never fail on either.
- ``y`` is ``[N]``: integer class ids (classification) or floats (regression, e.g. MOSI sentiment
  in [-3, 3]). Constructor parameter ``task`` is "classification", "regression" or "auto"
  (integers -> classification).
- ``fit(X, y)`` returns self; ``predict(X)``; ``predict_proba(X)`` for classification;
  ``get_params``/``set_params`` and explicit keyword constructor parameters (no work in
  ``__init__``), so ``sklearn.base.clone`` works.

Models register themselves in ``FUSION_MODELS`` under a short name ("late", "concat", "tfn",
"lmf", "mult", "misa", plus simple baselines) so that ``affectkit train/bench --model NAME`` finds
them.
"""
from __future__ import annotations

from affectkit.core.registry import Registry

FUSION_MODELS: Registry = Registry("fusion model")

__all__ = ["FUSION_MODELS"]

# The models register themselves on import (after FUSION_MODELS exists: they import it).
from affectkit.bench.fusion_models.base import FusionEstimator  # noqa: E402
from affectkit.bench.fusion_models.modalities import Modalities  # noqa: E402
from affectkit.bench.fusion_models import concat, late, lmf, misa, mult, tfn  # noqa: E402,F401

__all__ += ["FusionEstimator", "Modalities", "load_model"]


def load_model(path: str) -> FusionEstimator:
    """A fusion model saved with ``save(path)``, whichever registered model it is."""
    return FusionEstimator.load(path)
