"""Perturbations of a test set's features, for scoring one trained model under degraded input.

Conditions (names appear as rows of the results JSON's robustness table):
  clean                   the test features as they are
  drop:<modality>         that modality removed (absent from X; only for tasks with 2+ modalities)
  missing:<rate>          random feature-level missingness ("random modality feature missing",
                          as in TFR-Net / EMT-DLFR): in every modality, each time step of a sequence
                          (padding excluded), or each entry of a vector, is zeroed with probability
                          ``rate`` (10% to 70%)
  noise:<sigma>           Gaussian noise: each feature gets N(0, (sigma x its training std)^2),
                          padding steps and missing rows left as they are
  dilution                text dilution: an irrelevant passage appended to every text, then the
                          text re-embedded (tasks whose text features come from raw text only)
Every random draw uses numpy default_rng(seed), so a table is reproducible. A modality given as
raw texts (``text.raw``: an object array of strings) is left as it is by the feature-level
conditions; only ``dilution`` changes it.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

MISSING_RATES = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)
NOISE_SIGMAS = (0.1, 0.5, 1.0)
DILUTION_TEXT = ("By the way, the community library on Elm Street will extend its opening hours next month, "
                 "and the number 12 bus timetable stays the same on weekdays.")


def _numeric(x) -> bool:
    return np.asarray(x).dtype != object


def drop_modality(X: dict[str, np.ndarray], modality: str) -> dict[str, np.ndarray]:
    return {k: v for k, v in X.items() if k != modality}


def random_missing(X: dict[str, np.ndarray], rate: float, seed: int = 0) -> dict[str, np.ndarray]:
    """Zero each sequence step (not padding) or each vector entry with probability ``rate``."""
    rng = np.random.default_rng(seed)
    out = {}
    for k in sorted(X):
        if not _numeric(X[k]):
            out[k] = X[k]
            continue
        x = np.array(X[k], dtype=np.float32, copy=True)
        if x.ndim == 3:
            mask = rng.random(x.shape[:2]) < rate
            x[mask] = 0.0
        else:
            mask = rng.random(x.shape) < rate
            x[mask & ~np.isnan(x)] = 0.0
        out[k] = x
    return out


def feature_std(X: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-feature std over the non-padding, non-missing steps/rows (training set)."""
    out = {}
    for k, x in X.items():
        if not _numeric(x):
            continue
        x = np.asarray(x, dtype=np.float64)
        flat = x.reshape(-1, x.shape[-1])
        keep = ~np.isnan(flat).all(1) & np.any(np.nan_to_num(flat) != 0, axis=1)
        out[k] = flat[keep].std(0) if keep.any() else np.zeros(x.shape[-1])
    return out


def gaussian_noise(X: dict[str, np.ndarray], sigma: float, std: dict[str, np.ndarray], seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    out = {}
    for k in sorted(X):
        if not _numeric(X[k]):
            out[k] = X[k]
            continue
        x = np.array(X[k], dtype=np.float32, copy=True)
        noise = rng.normal(size=x.shape).astype(np.float32) * (sigma * std[k]).astype(np.float32)
        if x.ndim == 3:
            noise *= np.any(x != 0, axis=2, keepdims=True)  # padding stays padding
        out[k] = x + noise
    return out


def conditions(X_train: dict[str, np.ndarray], modalities: list[str], text_dilution: Callable | None,
               seed: int = 0) -> list[tuple[str, Callable]]:
    """(name, X_test -> perturbed X_test) for every condition that applies to this task."""
    std = feature_std(X_train)
    out: list[tuple[str, Callable]] = [("clean", lambda X: X)]
    if len(modalities) > 1:
        out += [(f"drop:{m}", (lambda m: lambda X: drop_modality(X, m))(m)) for m in modalities]
    if not any(_numeric(x) for x in X_train.values()):  # raw texts only: no feature-level condition applies
        return out + ([("dilution", text_dilution)] if text_dilution is not None else [])
    out += [(f"missing:{r:.1f}", (lambda r: lambda X: random_missing(X, r, seed))(r)) for r in MISSING_RATES]
    out += [(f"noise:{s:g}", (lambda s: lambda X: gaussian_noise(X, s, std, seed))(s)) for s in NOISE_SIGMAS]
    if text_dilution is not None:
        out.append(("dilution", text_dilution))
    return out
