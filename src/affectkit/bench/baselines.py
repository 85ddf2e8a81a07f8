"""Two reference models for the harness, registered in FUSION_MODELS under "majority" and "logreg".

Both follow the fusion-model contract (affectkit.bench.fusion_models): ``X`` is a dict of
modality -> [N, D] or [N, T, D] float arrays (padding steps all-zero, a missing modality all-NaN
rows or absent), ``y`` class ids or floats, sklearn-style parameters, ``fit``/``predict``/
``predict_proba``. They save to a folder as JSON + ``.npz`` (numpy only, no pickle).

- ``majority``: the most frequent training class (its training share as probabilities), or the
  training mean for regression. The floor every model must clear.
- ``logreg``: every modality pooled (a sequence averaged over its non-padding steps), standardised
  with training statistics, concatenated in modality-name order; a missing modality becomes its
  training mean (zeros after standardising). Logistic regression (lbfgs, multinomial) for
  classes, ridge regression for scores.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from affectkit.core.errors import InputError, ModelError
from affectkit.bench.fusion_models import FUSION_MODELS


def pool(x: np.ndarray) -> np.ndarray:
    """[N, D] as is; [N, T, D] -> the mean of each sample's non-padding (not all-zero) steps;
    an all-NaN sample stays all-NaN (missing)."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 2:
        return x
    if x.ndim != 3:
        raise InputError(f"a modality array must be [N, D] or [N, T, D], got shape {x.shape}")
    missing = np.isnan(x).all(axis=(1, 2))
    z = np.nan_to_num(x, nan=0.0)
    steps = np.any(z != 0, axis=2)
    n = np.maximum(steps.sum(1, keepdims=True), 1)
    out = (z * steps[:, :, None]).sum(1) / n
    out[missing] = np.nan
    return out


def resolve_task(task: str, y: np.ndarray) -> str:
    if task in ("classification", "regression"):
        return task
    if task != "auto":
        raise InputError(f"task must be 'classification', 'regression' or 'auto', not {task!r}")
    return "classification" if np.issubdtype(np.asarray(y).dtype, np.integer) else "regression"


def _check_xy(X: dict, y: np.ndarray | None = None) -> int:
    if not isinstance(X, dict) or not X:
        raise InputError("X must be a non-empty dict: modality name -> array")
    sizes = {k: len(v) for k, v in X.items()}
    if len(set(sizes.values())) != 1:
        raise InputError(f"modalities have different numbers of samples: {sizes}")
    n = next(iter(sizes.values()))
    if y is not None and len(y) != n:
        raise InputError(f"y has {len(y)} items, X has {n}")
    return n


class _Saveable:
    """save(folder) / load(folder): parameters in model.json, fitted arrays in state.npz."""

    def _state(self) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _set_state(self, state: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        raise NotImplementedError

    def _meta(self) -> dict[str, Any]:
        return {}

    def save(self, folder: str | Path) -> Path:
        d = Path(folder)
        d.mkdir(parents=True, exist_ok=True)
        np.savez(d / "state.npz", **self._state())
        (d / "model.json").write_text(json.dumps({"class": type(self).__name__, "params": self.get_params(),
                                                  "meta": self._meta()}, indent=1), encoding="utf-8")
        return d

    @classmethod
    def load(cls, folder: str | Path):
        d = Path(folder)
        try:
            info = json.loads((d / "model.json").read_text(encoding="utf-8"))
            with np.load(d / "state.npz", allow_pickle=False) as z:
                state = {k: z[k] for k in z.files}
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{d}: not a saved {cls.__name__} ({exc})") from None
        if info.get("class") != cls.__name__:
            raise ModelError(f"{d}: holds a {info.get('class')}, not a {cls.__name__}")
        obj = cls(**info["params"])
        obj._set_state(state, info.get("meta", {}))
        return obj


class _Params:
    _param_names: tuple[str, ...] = ()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._param_names}

    def set_params(self, **params: Any):
        for k, v in params.items():
            if k not in self._param_names:
                raise InputError(f"{type(self).__name__} has no parameter {k!r}")
            setattr(self, k, v)
        return self


@FUSION_MODELS.register("majority")
class MajorityBaseline(_Params, _Saveable):
    """The most frequent training class, or the training mean for regression."""

    _param_names = ("task", "random_state")

    def __init__(self, task: str = "auto", random_state: int | None = None) -> None:
        self.task = task
        self.random_state = random_state

    def fit(self, X: dict, y) -> "MajorityBaseline":
        _check_xy(X, y)
        y = np.asarray(y)
        self.task_ = resolve_task(self.task, y)
        if self.task_ == "classification":
            self.classes_, counts = np.unique(y.astype(np.int64), return_counts=True)
            self.prior_ = counts / counts.sum()
        else:
            self.mean_ = float(np.mean(y))
        return self

    def predict_proba(self, X: dict) -> np.ndarray:
        if getattr(self, "task_", None) != "classification":
            raise ModelError("predict_proba needs a model fitted for classification")
        return np.tile(self.prior_, (_check_xy(X), 1))

    def predict(self, X: dict) -> np.ndarray:
        n = _check_xy(X)
        if self.task_ == "classification":
            return np.full(n, self.classes_[int(np.argmax(self.prior_))])
        return np.full(n, self.mean_, dtype=np.float32)

    def _state(self):
        if self.task_ == "classification":
            return {"classes": self.classes_, "prior": self.prior_}
        return {"mean": np.asarray([self.mean_])}

    def _meta(self):
        return {"task_": self.task_}

    def _set_state(self, state, meta):
        self.task_ = meta["task_"]
        if self.task_ == "classification":
            self.classes_, self.prior_ = state["classes"], state["prior"]
        else:
            self.mean_ = float(state["mean"][0])


@FUSION_MODELS.register("logreg")
class LogRegBaseline(_Params, _Saveable):
    """Pooled, standardised, concatenated modalities -> logistic regression (classes) or ridge (scores)."""

    _param_names = ("task", "C", "alpha", "max_iter", "class_weight", "random_state")

    def __init__(self, task: str = "auto", C: float = 1.0, alpha: float = 1.0, max_iter: int = 1000,
                 class_weight: str | None = None, random_state: int | None = 0) -> None:
        self.task = task
        self.C = C
        self.alpha = alpha
        self.max_iter = max_iter
        self.class_weight = class_weight
        self.random_state = random_state

    def _matrix(self, X: dict) -> np.ndarray:
        n = _check_xy(X)
        cols = []
        for m, d in zip(self.modalities_, self.dims_):
            if m in X:
                x = pool(X[m])
                if x.shape[1] != d:
                    raise InputError(f"modality {m!r} has {x.shape[1]} features, the model was fitted on {d}")
            else:
                x = np.full((n, d), np.nan, dtype=np.float32)
            cols.append(x)
        Z = (np.concatenate(cols, axis=1) - self.mean_) / self.scale_
        return np.nan_to_num(Z, nan=0.0, posinf=0.0, neginf=0.0)

    def fit(self, X: dict, y) -> "LogRegBaseline":
        _check_xy(X, y)
        y = np.asarray(y)
        self.task_ = resolve_task(self.task, y)
        self.modalities_ = sorted(X)
        pooled = [pool(X[m]) for m in self.modalities_]
        self.dims_ = [p.shape[1] for p in pooled]
        M = np.concatenate(pooled, axis=1).astype(np.float64)
        with np.errstate(all="ignore"):
            mean = np.nanmean(M, axis=0)
            std = np.nanstd(M, axis=0)
        self.mean_ = np.nan_to_num(mean, nan=0.0)
        self.scale_ = np.where(np.nan_to_num(std, nan=0.0) > 1e-8, np.nan_to_num(std, nan=1.0), 1.0)
        Z = self._matrix(X)
        if self.task_ == "classification":
            from sklearn.linear_model import LogisticRegression

            y = y.astype(np.int64)
            self.classes_ = np.unique(y)
            if len(self.classes_) < 2:  # one class seen: nothing to learn
                self.coef_ = np.zeros((1, Z.shape[1]))
                self.intercept_ = np.zeros(1)
                return self
            clf = LogisticRegression(C=self.C, max_iter=self.max_iter, class_weight=self.class_weight,
                                     random_state=self.random_state).fit(Z, y)
            self.coef_, self.intercept_ = clf.coef_, clf.intercept_
        else:
            from sklearn.linear_model import Ridge

            reg = Ridge(alpha=self.alpha).fit(Z, y.astype(np.float64))
            self.coef_, self.intercept_ = np.atleast_2d(reg.coef_), np.atleast_1d(reg.intercept_)
        return self

    def decision_function(self, X: dict) -> np.ndarray:
        return self._matrix(X) @ self.coef_.T + self.intercept_

    def predict_proba(self, X: dict) -> np.ndarray:
        if getattr(self, "task_", None) != "classification":
            raise ModelError("predict_proba needs a model fitted for classification")
        s = self.decision_function(X)
        if len(self.classes_) == 1:
            return np.ones((len(s), 1))
        if len(self.classes_) == 2:
            p = 1.0 / (1.0 + np.exp(-s[:, 0]))
            return np.stack([1 - p, p], axis=1)
        s = s - s.max(axis=1, keepdims=True)
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: dict) -> np.ndarray:
        if self.task_ == "classification":
            return self.classes_[self.predict_proba(X).argmax(axis=1)]
        return self.decision_function(X)[:, 0].astype(np.float32)

    def _state(self):
        out = {"mean": self.mean_, "scale": self.scale_, "coef": self.coef_, "intercept": self.intercept_,
               "dims": np.asarray(self.dims_)}
        if self.task_ == "classification":
            out["classes"] = self.classes_
        return out

    def _meta(self):
        return {"task_": self.task_, "modalities_": self.modalities_}

    def _set_state(self, state, meta):
        self.task_, self.modalities_ = meta["task_"], list(meta["modalities_"])
        self.mean_, self.scale_ = state["mean"], state["scale"]
        self.coef_, self.intercept_ = state["coef"], state["intercept"]
        self.dims_ = [int(d) for d in state["dims"]]
        if "classes" in state:
            self.classes_ = state["classes"]
