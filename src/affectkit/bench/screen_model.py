"""The shipped screening heads (``affectkit.screen``) as a harness model, ``--model screen``.

It reads the texts themselves (``input_features = {"text": "text.raw"}``: the runner hands it an
object array of strings instead of embeddings). Per session, as ``affectkit screen`` reads a
speaker: the text's lines joined into ~100-word chunks (``screen.session.chunk_texts``), each read
by the stress and depression heads, the probabilities averaged. Two features per session: the mean
P(depression) and the mean P(stress).

- ``calibrate=True`` (default): a logistic regression (classes weighted by their inverse
  frequency: DAIC-WOZ has about 30 % positives) or a ridge regression (PHQ-8 score, clipped to
  0-24) on those two features, fitted on the training split. The heads stay frozen: only this
  two-feature map sees the interviews.
- ``calibrate=False`` (classification only): zero-shot, depressed when the mean P(depression)
  reaches the depression head's own threshold (chosen on Reddit dev posts, not on interviews).

The heads were trained on Reddit posts, not on interviews: these figures measure how the heads
transfer to clinical interviews, not a model built for them.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from affectkit.bench.baselines import _check_xy, _Params, _Saveable, resolve_task
from affectkit.bench.fusion_models import FUSION_MODELS
from affectkit.core.errors import InputError, ModelError

PHQ8_RANGE = (0.0, 24.0)
_CACHE: dict[tuple[str, str], np.ndarray] = {}  # (heads folder, text digest) -> [p_depression, p_stress]


def session_features(texts, model=None) -> np.ndarray:
    """[N, 2]: mean P(depression), mean P(stress) over each text's ~100-word chunks (lines are
    utterances). Cached per process by the text's digest, so seeds and folds read each session once."""
    from affectkit.screen.heads import bundled_screen_model
    from affectkit.screen.session import chunk_texts

    model = model or bundled_screen_model()
    tag = str(model.folder)
    out = np.zeros((len(texts), 2), dtype=np.float64)
    todo: dict[str, list[int]] = {}
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise InputError(f"the screen model reads texts; item {i} is {type(t).__name__} (task features "
                             "must be text.raw)")
        key = hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest()
        if (tag, key) in _CACHE:
            out[i] = _CACHE[(tag, key)]
        else:
            todo.setdefault(key, []).append(i)
    if todo:
        chunks, owner = [], []
        for n, (key, rows) in enumerate(todo.items()):
            lines = [l for l in texts[rows[0]].splitlines() if l.strip()]
            if not lines:
                raise InputError(f"session {rows[0]} has no words to screen (an empty transcript)")
            c = chunk_texts(lines)
            chunks += c
            owner += [n] * len(c)
        probs = model.probabilities(chunks)
        owner = np.asarray(owner)
        for n, (key, rows) in enumerate(todo.items()):
            feats = np.array([probs["depression"][owner == n].mean(), probs["stress"][owner == n].mean()])
            _CACHE[(tag, key)] = feats
            out[rows] = feats
    return out


@FUSION_MODELS.register("screen")
class ScreenHeadsModel(_Params, _Saveable):
    """The screening heads on whole sessions, with a two-feature calibration (see the module)."""

    input_features = {"text": "text.raw"}
    _param_names = ("task", "calibrate", "C", "alpha", "random_state")

    def __init__(self, task: str = "auto", calibrate: bool = True, C: float = 1.0, alpha: float = 1.0,
                 random_state: int | None = None) -> None:
        self.task = task
        self.calibrate = calibrate
        self.C = C
        self.alpha = alpha
        self.random_state = random_state

    def _features(self, X: dict) -> np.ndarray:
        _check_xy(X)
        if "text" not in X:
            raise InputError("the screen model needs the text modality (raw texts)")
        return session_features(list(X["text"]))

    def fit(self, X: dict, y) -> "ScreenHeadsModel":
        _check_xy(X, y)
        y = np.asarray(y)
        self.task_ = resolve_task(self.task, y)
        F = self._features(X)
        self.mean_, self.scale_ = F.mean(0), F.std(0) + 1e-6
        Z = (F - self.mean_) / self.scale_
        if self.task_ == "classification":
            self.classes_ = np.unique(y.astype(np.int64))
            if not self.calibrate:
                from affectkit.screen.heads import bundled_screen_model

                self.coef_, self.intercept_ = np.zeros((1, 2)), np.zeros(1)
                self.threshold_ = float(bundled_screen_model().heads["depression"].threshold)
                return self
            if len(self.classes_) != 2:
                raise InputError(f"the screen model is binary (depressed or not); training labels have "
                                 f"{len(self.classes_)} classes")
            from sklearn.linear_model import LogisticRegression

            m = LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000).fit(Z, y.astype(np.int64))
            self.coef_, self.intercept_ = m.coef_, m.intercept_
            self.threshold_ = 0.5
        else:
            if not self.calibrate:
                raise InputError("the screen model predicts a PHQ-8 score only with calibrate=true (the heads "
                                 "give probabilities, not scores)")
            from sklearn.linear_model import Ridge

            m = Ridge(alpha=self.alpha).fit(Z, y.astype(np.float64))
            self.coef_, self.intercept_ = np.atleast_2d(m.coef_), np.atleast_1d(m.intercept_)
        return self

    def _check(self) -> None:
        if not hasattr(self, "task_"):
            raise ModelError("the screen model is not fitted")

    def predict_proba(self, X: dict) -> np.ndarray:
        self._check()
        if self.task_ != "classification":
            raise ModelError("predict_proba needs a model fitted for classification")
        F = self._features(X)
        if self.calibrate:
            z = ((F - self.mean_) / self.scale_) @ self.coef_[0] + self.intercept_[0]
            p = 1.0 / (1.0 + np.exp(-z))
        else:  # zero-shot: the head's own mean probability
            p = F[:, 0]
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, X: dict) -> np.ndarray:
        self._check()
        if self.task_ == "classification":
            return (self.predict_proba(X)[:, 1] >= self.threshold_).astype(np.int64)
        F = self._features(X)
        pred = ((F - self.mean_) / self.scale_) @ self.coef_[0] + self.intercept_[0]
        return np.clip(pred, *PHQ8_RANGE)

    def _state(self) -> dict[str, np.ndarray]:
        self._check()
        return {"mean": self.mean_, "scale": self.scale_, "coef": self.coef_, "intercept": self.intercept_,
                "classes": getattr(self, "classes_", np.zeros(0, dtype=np.int64)),
                "threshold": np.asarray(getattr(self, "threshold_", 0.5))}

    def _set_state(self, state: dict[str, np.ndarray], meta: dict[str, Any]) -> None:
        self.mean_, self.scale_ = state["mean"], state["scale"]
        self.coef_, self.intercept_ = state["coef"], state["intercept"]
        self.task_ = meta["task"]
        self.threshold_ = float(state["threshold"])
        if self.task_ == "classification":
            self.classes_ = state["classes"]

    def _meta(self) -> dict[str, Any]:
        return {"task": self.task_}
