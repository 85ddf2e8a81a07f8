"""The speech-emotion head: standardised acoustic functionals -> multinomial logistic regression.

An sklearn estimator (explicit keyword parameters, ``fit``/``predict``/``predict_proba``,
no work in ``__init__``), so it composes with ``clone``, pipelines and grid search. Its fitted
state is plain arrays (scaler means/scales, coefficients), saved as ``.npz`` + ``.json`` (no
pickle) and shipped in ``affectkit/weights/voice``.

Normalisation: the head standardises each feature with statistics of its *training* data
("global", the strict protocol). Speaker normalisation, when a caller has several recordings
of one speaker, is applied before the head (``speaker_standardise``).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

if TYPE_CHECKING:  # pandas only in type hints: `analyze` need not import it (0.2 s) to read a voice
    import pandas as pd

from affectkit.core.estimator import BaseEstimator, ClassifierMixin, require_sklearn
from affectkit.core.errors import ModelError

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "voice"
CONFIG_FILE, ARRAYS_FILE = "config.json", "head.npz"
FORMAT = 1


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _is_frame(X: Any) -> bool:
    """True for a pandas DataFrame, without importing pandas (a caller that made one has it loaded)."""
    import sys

    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(X, pandas.DataFrame)


def speaker_standardise(X: pd.DataFrame | np.ndarray, speakers: Sequence[object],
                        min_std: float = 1e-6) -> np.ndarray:
    """Each speaker's rows standardised with that speaker's own mean and std (unlabelled: no
    labels are used, so a test speaker's audio may take part)."""
    A = np.asarray(X, dtype=np.float64)
    out = np.empty_like(A)
    spk = np.asarray([str(s) for s in speakers])
    for s in np.unique(spk):
        m = spk == s
        mu = np.nanmean(A[m], axis=0)
        sd = np.nanstd(A[m], axis=0)
        out[m] = (A[m] - mu) / np.where(sd > min_std, sd, 1.0)
    return out


class VoiceEmotionHead(ClassifierMixin, BaseEstimator):
    """Standardise, clip, then one multinomial logistic regression per feature ``blocks`` group,
    their log-probabilities averaged (a product-of-experts ensemble).

    Parameters
    ----------
    C : inverse L2 strength of each logistic regression (small: thousands of features, ~500 rows).
    blocks : groups of column-name prefixes (``"compare"``, ``"whisper:l0"``...: a column belongs to
        a group when its name starts with one of them followed by ``:``), one model per group;
        None means one model on every column. Needs DataFrame input with ``block:`` names.
    clip : standardised values are clipped to [-clip, clip] (robust to outliers in new audio).
    class_weight : passed to LogisticRegression ("balanced" equalises the classes' weight).
    max_iter, tol : solver limits.
    """

    def __init__(self, C: float = 0.01, blocks: Sequence[Sequence[str]] | None = None, clip: float = 5.0,
                 class_weight: str | None = "balanced", max_iter: int = 3000, tol: float = 1e-4) -> None:
        self.C = C
        self.blocks = blocks
        self.clip = clip
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol

    # --- fitting -------------------------------------------------------------------------
    def _groups(self, columns: Sequence[str]) -> list[np.ndarray]:
        if self.blocks is None:
            return [np.arange(len(columns))]
        out = []
        for group in self.blocks:
            idx = np.flatnonzero([any(str(c).startswith(f"{p}:") for p in group) for c in columns])
            if len(idx) == 0:
                raise ValueError(f"no columns for feature block(s) {list(group)}; columns need 'block:' prefixes")
            out.append(idx)
        return out

    def _standardise(self, A: np.ndarray) -> np.ndarray:
        Z = (A - self.mean_) / self.scale_
        Z = np.where(np.isfinite(Z), Z, 0.0)  # a feature that could not be measured counts as average
        return np.clip(Z, -self.clip, self.clip)

    def fit(self, X: pd.DataFrame | np.ndarray, y: Sequence[str]) -> "VoiceEmotionHead":
        """Fit the scaler on X's rows, then the logistic regression(s)."""
        require_sklearn("training the voice head")
        from sklearn.linear_model import LogisticRegression

        A = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        self.feature_names_in_ = np.asarray([str(c) for c in X.columns]) if _is_frame(X) else None
        self.n_features_in_ = A.shape[1]
        cols = list(self.feature_names_in_) if self.feature_names_in_ is not None else [""] * A.shape[1]
        self.groups_ = self._groups(cols)
        self.mean_ = np.nan_to_num(np.nanmean(A, axis=0))
        sd = np.nan_to_num(np.nanstd(A, axis=0))
        self.scale_ = np.where(sd > 1e-8, sd, 1.0)
        Z = self._standardise(A)
        self.classes_ = np.unique(y)
        coefs, intercepts = [], []
        for idx in self.groups_:
            Zg = Z[:, idx]
            # With more features than rows, the L2-regularised solution lies in the span of the
            # rows (representer theorem): fit in that rotated, n-dimensional space and rotate the
            # coefficients back. Exact, and many times faster for ComParE's 6,373 features.
            basis = None
            if Zg.shape[1] > Zg.shape[0]:
                lam, u = np.linalg.eigh(Zg @ Zg.T)  # Gram matrix: far cheaper than an SVD of Zg
                keep = lam > lam.max() * 1e-10
                basis = (Zg.T @ (u[:, keep] / np.sqrt(lam[keep]))).T  # orthonormal rows spanning Zg's rows
                Zg = Zg @ basis.T
            lr = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                    tol=self.tol)
            lr.fit(Zg, y)
            coefs.append(lr.coef_ if basis is None else lr.coef_ @ basis)
            intercepts.append(lr.intercept_)
        self.coefs_, self.intercepts_ = coefs, intercepts
        return self

    # --- inference -----------------------------------------------------------------------
    def _check(self, X) -> np.ndarray:
        if not hasattr(self, "coefs_"):
            raise ModelError("the voice head is not fitted; call fit() or load() first")
        if _is_frame(X) and self.feature_names_in_ is not None:
            missing = [c for c in self.feature_names_in_ if c not in X.columns]
            if missing:
                raise ModelError(f"the input lacks {len(missing)} feature(s) the head was trained on "
                                 f"(first: {missing[0]}); was it made by the same extractor?")
            X = X[list(self.feature_names_in_)]
        A = np.asarray(X, dtype=np.float64)
        if A.ndim != 2 or A.shape[1] != self.n_features_in_:
            raise ModelError(f"expected {self.n_features_in_} features per row, got shape {A.shape}")
        return A

    def decision_function(self, X) -> np.ndarray:
        """Mean over the ensemble of each model's log-probabilities (one column per class)."""
        Z = self._standardise(self._check(X))
        logp = [np.log(_softmax(Z[:, idx] @ c.T + b)) for idx, c, b in zip(self.groups_, self.coefs_, self.intercepts_)]
        return np.mean(logp, axis=0)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (rows sum to 1), columns in ``classes_`` order."""
        return _softmax(self.decision_function(X))

    def predict(self, X) -> np.ndarray:
        scores = self.decision_function(X)
        return self.classes_[np.argmax(scores, axis=1)]

    # --- persistence (no pickle) ---------------------------------------------------------
    def save(self, folder: str | Path, meta: dict[str, Any] | None = None) -> Path:
        """Write ``config.json`` (parameters, classes, feature names, ``meta``) and ``head.npz``."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {"mean": self.mean_.astype(np.float32), "scale": self.scale_.astype(np.float32)}
        for i, (idx, c, b) in enumerate(zip(self.groups_, self.coefs_, self.intercepts_)):
            arrays[f"index{i}"] = idx.astype(np.int32)
            arrays[f"coef{i}"] = c.astype(np.float32)
            arrays[f"intercept{i}"] = b.astype(np.float32)
        np.savez_compressed(folder / ARRAYS_FILE, **arrays)
        params = self.get_params()
        params["blocks"] = None if self.blocks is None else [list(g) for g in self.blocks]
        config = {"format": FORMAT, "kind": "VoiceEmotionHead", "params": params,
                  "classes": [str(c) for c in self.classes_], "n_models": len(self.groups_),
                  "features": None if self.feature_names_in_ is None else list(self.feature_names_in_),
                  **(meta or {})}
        (folder / CONFIG_FILE).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n")
        return folder

    @classmethod
    def load(cls, folder: str | Path = WEIGHTS_DIR) -> "VoiceEmotionHead":
        """A fitted head from ``save``'s files; ModelError when missing or inconsistent."""
        folder = Path(folder)
        try:
            config = json.loads((folder / CONFIG_FILE).read_text())
            with np.load(folder / ARRAYS_FILE, allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
        except FileNotFoundError:
            raise ModelError(f"voice model not found in {folder} (expected {CONFIG_FILE} and {ARRAYS_FILE}); "
                             f"retrain with: python bench/train_voice.py") from None
        except (OSError, ValueError, json.JSONDecodeError) as exc:
            raise ModelError(f"voice model in {folder} is unreadable: {exc}") from exc
        if config.get("format") != FORMAT or config.get("kind") != "VoiceEmotionHead":
            raise ModelError(f"voice model in {folder} has format {config.get('format')!r}; this affectkit reads {FORMAT}")
        try:
            head = cls(**config["params"])
            n = int(config["n_models"])
            head.classes_ = np.asarray(config["classes"])
            head.feature_names_in_ = None if config["features"] is None else np.asarray(config["features"])
            head.mean_ = arrays["mean"].astype(np.float64)
            head.scale_ = arrays["scale"].astype(np.float64)
            head.n_features_in_ = len(head.mean_)
            head.groups_ = [arrays[f"index{i}"].astype(np.int64) for i in range(n)]
            head.coefs_ = [arrays[f"coef{i}"].astype(np.float64) for i in range(n)]
            head.intercepts_ = [arrays[f"intercept{i}"].astype(np.float64) for i in range(n)]
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"voice model in {folder} is incomplete: {exc}") from exc
        k = len(head.classes_)
        if any(c.shape != (k, len(i)) for c, i in zip(head.coefs_, head.groups_)) or \
                (head.feature_names_in_ is not None and len(head.feature_names_in_) != head.n_features_in_):
            raise ModelError(f"voice model in {folder} does not match its config (shapes)")
        head.config_ = config
        return head
