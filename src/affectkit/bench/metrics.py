"""Metrics named for exactly what they compute (tested against hand-computed cases)."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, recall_score


def accuracy(y_true: Sequence, y_pred: Sequence) -> float:
    return float(accuracy_score(y_true, y_pred))


def weighted_f1(y_true: Sequence, y_pred: Sequence) -> float:
    """Per-class F1 averaged with weights = true support (MELD's standard figure)."""
    return float(f1_score(y_true, y_pred, average="weighted", zero_division=0))


def macro_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence | None = None) -> float:
    """Unweighted mean of per-class F1 over ``labels`` (default: labels seen in y_true or y_pred)."""
    return float(f1_score(y_true, y_pred, average="macro", labels=labels, zero_division=0))


def uar(y_true: Sequence, y_pred: Sequence) -> float:
    """Unweighted average recall: mean per-class recall over the classes present in y_true."""
    return float(recall_score(y_true, y_pred, average="macro", labels=sorted(set(y_true)), zero_division=0))


def multilabel_macro_f1(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean over labels (columns) of binary F1 (GoEmotions' standard figure)."""
    return float(f1_score(np.asarray(y_true), np.asarray(y_pred), average="macro", zero_division=0))


def tune_thresholds(y_true: np.ndarray, probs: np.ndarray, grid: np.ndarray | None = None) -> np.ndarray:
    """Per-label threshold maximising that label's F1 on held-out (dev) data."""
    grid = np.arange(0.05, 0.951, 0.025) if grid is None else grid
    y_true = np.asarray(y_true).astype(bool)
    out = np.full(probs.shape[1], 0.5)
    for j in range(probs.shape[1]):
        best = -1.0
        for t in grid:
            pred = probs[:, j] >= t
            tp = np.sum(pred & y_true[:, j])
            denom = pred.sum() + y_true[:, j].sum()
            f1 = 2 * tp / denom if denom else 0.0
            if f1 > best:
                best, out[j] = f1, t
    return out


def per_label_f1(y_true: np.ndarray, y_pred: np.ndarray, labels: Sequence) -> dict:
    """Binary F1 of each column of a multi-label prediction, named by ``labels``."""
    scores = f1_score(np.asarray(y_true), np.asarray(y_pred), average=None, zero_division=0)
    return {str(l): round(float(s), 4) for l, s in zip(labels, scores)}


def per_class_f1(y_true: Sequence, y_pred: Sequence, labels: Sequence) -> dict:
    scores = f1_score(y_true, y_pred, average=None, labels=list(labels), zero_division=0)
    return {str(l): round(float(s), 4) for l, s in zip(labels, scores)}


def expected_calibration_error(probs: np.ndarray, y_true: Sequence[int], n_bins: int = 15) -> float:
    """Top-label ECE (Guo et al., 2017): rows binned by their highest probability into
    ``n_bins`` equal-width bins on [0, 1]; the mean over bins of |accuracy - mean confidence|,
    weighted by the bin's share of rows. ``y_true`` holds class indices (columns of ``probs``)."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y_true, dtype=np.int64)
    conf = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    # bin b holds confidences in (b/n, (b+1)/n]; a confidence of exactly 0 goes to the first bin
    bins = np.clip(np.ceil(conf * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    ece = 0.0
    for b in range(n_bins):
        m = bins == b
        if m.any():
            ece += m.mean() * abs(correct[m].mean() - conf[m].mean())
    return float(ece)
