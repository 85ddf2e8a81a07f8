"""Temperature scaling (Guo et al., 2017): one scalar T per head, fit on held-out data.

A head's probabilities p become softmax(log p / T). Since log p equals the head's logits up to
a per-row constant, this is exactly temperature scaling of the logits: the arg-max (the label)
never changes, only how confident the scores are. T > 1 softens an over-confident head, T < 1
sharpens an under-confident one. T is the minimiser of the negative log-likelihood of the
held-out labels, searched on log T (a smooth, one-dimensional, convex problem).

Fusion needs this: averaging the probabilities of two heads is only meaningful when a 0.8 from
either one means "right about 80% of the time".
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from affectkit.core.errors import InputError

EPS = 1e-12
T_BOUNDS = (0.05, 20.0)


def _as_probs(probs: np.ndarray | Sequence[Sequence[float]]) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] < 2:
        raise InputError(f"expected probabilities of shape (n, classes >= 2), got {p.shape}")
    if not np.all(np.isfinite(p)) or (p < 0).any():
        raise InputError("probabilities must be finite and non-negative")
    return p


def temperature_scale(probs: np.ndarray | Sequence[Sequence[float]], temperature: float) -> np.ndarray:
    """Rows of ``probs`` re-tempered: softmax(log p / T); T = 1 returns them (renormalised)."""
    if not (temperature > 0 and np.isfinite(temperature)):
        raise InputError(f"temperature must be a positive number, got {temperature!r}")
    z = np.log(np.clip(_as_probs(probs), EPS, None)) / float(temperature)
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def negative_log_likelihood(probs: np.ndarray, y: Sequence[int]) -> float:
    """Mean of -log p[true class] (natural log), probabilities clipped at 1e-12."""
    p = _as_probs(probs)
    y = np.asarray(y, dtype=np.int64)
    if len(y) != len(p):
        raise InputError(f"{len(p)} probability rows but {len(y)} labels")
    return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], EPS, None))))


def fit_temperature(probs: np.ndarray | Sequence[Sequence[float]], y: Sequence[int],
                    bounds: tuple[float, float] = T_BOUNDS) -> float:
    """The temperature in ``bounds`` that minimises the NLL of labels ``y`` (class indices)."""
    from scipy.optimize import minimize_scalar

    p = _as_probs(probs)
    y = np.asarray(y, dtype=np.int64)
    if len(p) == 0:
        raise InputError("no held-out rows to fit a temperature on")
    if y.min() < 0 or y.max() >= p.shape[1]:
        raise InputError(f"labels must be class indices in [0, {p.shape[1]})")
    logp = np.log(np.clip(p, EPS, None))

    def nll(log_t: float) -> float:
        z = logp / np.exp(log_t)
        z = z - z.max(axis=1, keepdims=True)
        lse = np.log(np.exp(z).sum(axis=1))
        return float(np.mean(lse - z[np.arange(len(y)), y]))

    lo, hi = np.log(bounds[0]), np.log(bounds[1])
    res = minimize_scalar(nll, bounds=(lo, hi), method="bounded", options={"xatol": 1e-6})
    return float(np.exp(res.x))
