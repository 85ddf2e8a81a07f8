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


# ---------------------------------------------------------------------------------------------
# Harness metrics: numpy only (fast enough for 1,000 bootstrap resamples), on class ids
# 0..n_classes-1, regression scores, or 0/1 label matrices. Each says exactly what it computes.
# ---------------------------------------------------------------------------------------------

def confusion(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """[n_classes, n_classes + 1] counts, rows = truth, columns = prediction; the last column
    counts predictions outside 0..n_classes-1 ("no answer", e.g. an LLM reply without a label,
    id -1): never right, a false negative for the true class, a false positive for none."""
    t = np.asarray(y_true, dtype=np.int64)
    p = np.asarray(y_pred, dtype=np.int64)
    p = np.where((p >= 0) & (p < n_classes), p, n_classes)
    return np.bincount(t * (n_classes + 1) + p, minlength=n_classes * (n_classes + 1)).reshape(n_classes, n_classes + 1)


def _f1_per_class(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 = 2 tp / (2 tp + fp + fn); 0 where the class is absent from truth and
    prediction alike (sklearn's zero_division=0)."""
    n = cm.shape[0]
    tp = np.diag(cm[:, :n]).astype(np.float64)
    denom = cm[:, :n].sum(0) + cm.sum(1)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def cls_accuracy(y_true, y_pred, n_classes: int) -> float:
    """Share of items predicted right (IEMOCAP's "weighted accuracy" WA; speech's WAR)."""
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred))) if len(y_true) else float("nan")


def cls_weighted_f1(y_true, y_pred, n_classes: int) -> float:
    """Per-class F1 averaged with weights = true support (MELD's, IEMOCAP's weighted F1)."""
    cm = confusion(y_true, y_pred, n_classes)
    support = cm.sum(1)
    return float((_f1_per_class(cm) * support).sum() / support.sum()) if support.sum() else float("nan")


def cls_macro_f1(y_true, y_pred, n_classes: int) -> float:
    """Unweighted mean of per-class F1 over the whole label space 0..n_classes-1; a class absent
    from both truth and prediction counts as F1 0 (sklearn ``labels=range(n), zero_division=0``)."""
    return float(_f1_per_class(confusion(y_true, y_pred, n_classes)).mean())


def cls_uar(y_true, y_pred, n_classes: int) -> float:
    """Unweighted average recall (IEMOCAP's "unweighted accuracy" UA; speech's UAR): the mean
    per-class recall over the classes present in the truth (absent classes are skipped)."""
    cm = confusion(y_true, y_pred, n_classes)
    support = cm.sum(1)
    present = support > 0
    return float((np.diag(cm[:, :-1])[present] / support[present]).mean()) if present.any() else float("nan")


def cls_binary_f1(y_true, y_pred, n_classes: int = 2) -> float:
    """F1 of the positive class (id 1) of a binary task."""
    return float(_f1_per_class(confusion(y_true, y_pred, 2))[1])


def reg_mae(y_true, y_pred) -> float:
    """Mean absolute error, in the label's own units (MOSI: [-3, 3], never x100)."""
    return float(np.mean(np.abs(np.asarray(y_pred, float) - np.asarray(y_true, float))))


def reg_rmse(y_true, y_pred) -> float:
    return float(np.sqrt(np.mean((np.asarray(y_pred, float) - np.asarray(y_true, float)) ** 2)))


def reg_pearson(y_true, y_pred) -> float:
    """Pearson correlation (np.corrcoef, as MMSA/MulT); NaN when either side is constant."""
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    if len(t) < 2 or t.std() == 0 or p.std() == 0:
        return float("nan")
    return float(np.corrcoef(p, t)[0, 1])


def _binary_weighted_f1(t: np.ndarray, p: np.ndarray) -> float:
    return cls_weighted_f1(t.astype(np.int64), p.astype(np.int64), 2)


def mosi_acc2_has0(y_true, y_pred) -> float:
    """Acc-2 "has-0" (negative/non-negative): truth >= 0 vs < 0, prediction >= 0 vs < 0, every
    item kept (MMSA ``Has0_acc_2``; MISA's left-hand figure)."""
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    return float(np.mean((t >= 0) == (p >= 0)))


def mosi_f1_has0(y_true, y_pred) -> float:
    """Weighted F1 of the has-0 binary split (MMSA ``Has0_F1_score``)."""
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    return _binary_weighted_f1(t >= 0, p >= 0)


def mosi_acc2_non0(y_true, y_pred) -> float:
    """Acc-2 "non-0" (negative/positive): items whose truth is exactly 0 are dropped; truth > 0 vs
    not, prediction > 0 vs not (a prediction of exactly 0 counts as negative), as MulT/MMSA
    ``Non0_acc_2``; MISA's right-hand figure."""
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    keep = t != 0
    return float(np.mean((t[keep] > 0) == (p[keep] > 0))) if keep.any() else float("nan")


def mosi_f1_non0(y_true, y_pred) -> float:
    """Weighted F1 of the non-0 binary split (zero-truth items dropped)."""
    t, p = np.asarray(y_true, float), np.asarray(y_pred, float)
    keep = t != 0
    return _binary_weighted_f1(t[keep] > 0, p[keep] > 0) if keep.any() else float("nan")


def _multiclass_acc(t: np.ndarray, p: np.ndarray, bound: float) -> float:
    # clip to [-bound, bound], then np.round (round half to even: 0.5 -> 0, 1.5 -> 2, -2.5 -> -2), as MMSA/MulT
    return float(np.mean(np.round(np.clip(p, -bound, bound)) == np.round(np.clip(t, -bound, bound))))


def mosi_acc7(y_true, y_pred) -> float:
    """Acc-7: both sides clipped to [-3, 3] and rounded (half to even) to the 7 integers -3..3."""
    return _multiclass_acc(np.asarray(y_true, float), np.asarray(y_pred, float), 3.0)


def mosi_acc5(y_true, y_pred) -> float:
    """Acc-5: both sides clipped to [-2, 2] and rounded (half to even) to the 5 integers -2..2."""
    return _multiclass_acc(np.asarray(y_true, float), np.asarray(y_pred, float), 2.0)


def _sims_bins(x: np.ndarray, edges: Sequence[float]) -> np.ndarray:
    # MMSA's CH-SIMS convention: values clipped to [-1, 1]; class i holds (edges[i], edges[i+1]]
    x = np.clip(np.asarray(x, float), -1.0, 1.0)
    out = np.zeros(len(x), dtype=np.int64)
    for i in range(len(edges) - 1):
        out[(x > edges[i]) & (x <= edges[i + 1])] = i
    return out


SIMS_EDGES = {2: (-1.01, 0.0, 1.01), 3: (-1.01, -0.1, 0.1, 1.01), 5: (-1.01, -0.7, -0.1, 0.1, 0.7, 1.01)}


def sims_acc2(y_true, y_pred) -> float:
    """CH-SIMS Acc-2 (MMSA): [-1, 0] negative vs (0, 1] positive, values clipped to [-1, 1]."""
    return float(np.mean(_sims_bins(y_true, SIMS_EDGES[2]) == _sims_bins(y_pred, SIMS_EDGES[2])))


def sims_f1(y_true, y_pred) -> float:
    """CH-SIMS weighted F1 of the Acc-2 classes."""
    return cls_weighted_f1(_sims_bins(y_true, SIMS_EDGES[2]), _sims_bins(y_pred, SIMS_EDGES[2]), 2)


def sims_acc3(y_true, y_pred) -> float:
    """CH-SIMS Acc-3: [-1, -0.1], (-0.1, 0.1], (0.1, 1]."""
    return float(np.mean(_sims_bins(y_true, SIMS_EDGES[3]) == _sims_bins(y_pred, SIMS_EDGES[3])))


def sims_acc5(y_true, y_pred) -> float:
    """CH-SIMS Acc-5: [-1, -0.7], (-0.7, -0.1], (-0.1, 0.1], (0.1, 0.7], (0.7, 1]."""
    return float(np.mean(_sims_bins(y_true, SIMS_EDGES[5]) == _sims_bins(y_pred, SIMS_EDGES[5])))


def ml_macro_f1(y_true, y_pred) -> float:
    """Multi-label macro-F1: the mean over label columns of each column's binary F1 (0 for a
    label absent from truth and prediction) - GoEmotions' figure."""
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    tp = (t & p).sum(0).astype(np.float64)
    denom = t.sum(0) + p.sum(0)
    return float(np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0).mean())


def ml_micro_f1(y_true, y_pred) -> float:
    t = np.asarray(y_true).astype(bool)
    p = np.asarray(y_pred).astype(bool)
    denom = t.sum() + p.sum()
    return float(2 * (t & p).sum() / denom) if denom else 0.0


# name -> (function, kind). kind: "classification" f(y, pred, n_classes); "regression" f(y, pred);
# "multilabel" f(Y, P). Task YAMLs name metrics from this table.
HARNESS_METRICS: dict[str, tuple] = {
    "accuracy": (cls_accuracy, "classification"),
    "wa": (cls_accuracy, "classification"),
    "war": (cls_accuracy, "classification"),
    "ua": (cls_uar, "classification"),
    "uar": (cls_uar, "classification"),
    "weighted_f1": (cls_weighted_f1, "classification"),
    "macro_f1": (cls_macro_f1, "classification"),
    "binary_f1": (cls_binary_f1, "classification"),
    "mae": (reg_mae, "regression"),
    "rmse": (reg_rmse, "regression"),
    "corr": (reg_pearson, "regression"),
    "acc2_has0": (mosi_acc2_has0, "regression"),
    "f1_has0": (mosi_f1_has0, "regression"),
    "acc2_non0": (mosi_acc2_non0, "regression"),
    "f1_non0": (mosi_f1_non0, "regression"),
    "acc5": (mosi_acc5, "regression"),
    "acc7": (mosi_acc7, "regression"),
    "sims_acc2": (sims_acc2, "regression"),
    "sims_f1": (sims_f1, "regression"),
    "sims_acc3": (sims_acc3, "regression"),
    "sims_acc5": (sims_acc5, "regression"),
    "ml_macro_f1": (ml_macro_f1, "multilabel"),
    "ml_micro_f1": (ml_micro_f1, "multilabel"),
}


def compute(name: str, y_true, y_pred, n_classes: int | None = None) -> float:
    """The harness metric ``name`` (a key of HARNESS_METRICS) on one prediction set."""
    from affectkit.core.errors import InputError

    if name not in HARNESS_METRICS:
        raise InputError(f"unknown metric {name!r}; known: {', '.join(sorted(HARNESS_METRICS))}")
    fn, kind = HARNESS_METRICS[name]
    if kind == "classification":
        if n_classes is None:
            raise InputError(f"metric {name!r} needs n_classes")
        return fn(y_true, y_pred, n_classes)
    return fn(y_true, y_pred)


def bootstrap_ci(name: str, y_true, y_pred, n_classes: int | None = None, n_boot: int = 1000,
                 seed: int = 0, level: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap interval of metric ``name``: ``n_boot`` resamples of the test items
    with replacement (numpy default_rng(seed)); NaN resamples (e.g. a constant side for the
    correlation) are dropped. ``y_pred`` may be a list of prediction sets (one per seed): each
    resample then scores the mean of the metric over the sets, an interval for the seed mean."""
    preds = y_pred if isinstance(y_pred, list) else [y_pred]
    t = np.asarray(y_true)
    preds = [np.asarray(p) for p in preds]
    rng = np.random.default_rng(seed)
    n = len(t)
    vals = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, n, n)
        vals[b] = np.mean([compute(name, t[idx], p[idx], n_classes) for p in preds])
    vals = vals[~np.isnan(vals)]
    if not len(vals):
        return float("nan"), float("nan")
    a = (1 - level) / 2
    return float(np.quantile(vals, a)), float(np.quantile(vals, 1 - a))
