"""A TF-IDF + logistic-regression text classifier, stored as plain arrays (no pickle).

Why: on lexically driven sets (CARER's distant-supervision tweets, GoEmotions' Reddit
comments) word n-grams carry signal a small sentence encoder blurs; blending the two
beats either alone on dev. Follows the scikit-learn estimator convention.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np
from affectkit.core.atomic import atomic_path
from affectkit.core.estimator import BaseEstimator, ClassifierMixin, require_sklearn

# scikit-learn's TfidfVectorizer analyzer (lowercase, this token pattern, word n-grams joined by a space)
TOKEN = re.compile(r"(?u)\b\w\w+\b")


class TfidfLogReg(BaseEstimator, ClassifierMixin):
    """Word 1-2-gram TF-IDF (sublinear tf) and one logistic regression per class
    (``multilabel=True``: independent sigmoids) or a multinomial one (softmax)."""

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2, max_features: int = 30000,
                 C: float = 5.0, multilabel: bool = False, max_iter: int = 2000) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.C = C
        self.multilabel = multilabel
        self.max_iter = max_iter

    def _vectorizer(self, vocabulary=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        return TfidfVectorizer(ngram_range=tuple(self.ngram_range), min_df=self.min_df,
                               max_features=self.max_features, sublinear_tf=True, vocabulary=vocabulary)

    def fit(self, texts: Sequence[str], y: np.ndarray) -> "TfidfLogReg":
        require_sklearn("training a TF-IDF classifier")
        from sklearn.linear_model import LogisticRegression

        vec = self._vectorizer().fit(texts)
        X = vec.transform(texts)
        y = np.asarray(y)
        if self.multilabel:
            self.coef_ = np.zeros((y.shape[1], X.shape[1]))
            self.intercept_ = np.zeros(y.shape[1])
            for j in range(y.shape[1]):
                if len(np.unique(y[:, j])) < 2:  # a label never (or always) seen: a constant
                    rate = np.clip(y[:, j].mean(), 1e-4, 1 - 1e-4)
                    self.intercept_[j] = np.log(rate / (1 - rate))
                    continue
                m = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(X, y[:, j])
                self.coef_[j], self.intercept_[j] = m.coef_[0], m.intercept_[0]
        else:
            m = LogisticRegression(C=self.C, max_iter=self.max_iter).fit(X, y)
            self.coef_, self.intercept_ = m.coef_, m.intercept_
            if len(m.classes_) == 2:  # sklearn keeps one row for two classes: softmax([0, z]) = sigmoid(z)
                self.coef_ = np.vstack([np.zeros_like(m.coef_), m.coef_])
                self.intercept_ = np.concatenate([[0.0], m.intercept_])
            self.classes_ = m.classes_
        self.vocabulary_ = vec.vocabulary_
        self.idf_ = vec.idf_
        return self

    def ngrams(self, text: str) -> list[str]:
        """The analyzer's terms of one text, as TfidfVectorizer makes them."""
        tokens = TOKEN.findall(text.lower())
        lo, hi = self.ngram_range
        return [" ".join(tokens[i: i + n]) for n in range(lo, hi + 1) for i in range(len(tokens) - n + 1)]

    def tfidf(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One text's TF-IDF row as (feature indices, l2-normalised sublinear tf x idf weights).
        Written here rather than calling TfidfVectorizer.transform: inference then needs no
        scikit-learn and scipy (about 200 MB installed) for a vocabulary lookup; tests check it
        equals scikit-learn's transform."""
        counts: dict[int, int] = {}
        for term in self.ngrams(text):
            j = self.vocabulary_.get(term)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
        w = (np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts))) + 1.0) * self.idf_[idx]
        norm = np.sqrt((w * w).sum())
        return idx, (w / norm if norm > 0 else w)

    def decision_function(self, texts: Sequence[str]) -> np.ndarray:
        z = np.empty((len(texts), len(self.intercept_)))
        for i, text in enumerate(texts):
            idx, w = self.tfidf(text)
            z[i] = self.coef_[:, idx].astype(np.float64) @ w + self.intercept_
        return z

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        z = self.decision_function(texts)
        if self.multilabel:
            return 1.0 / (1.0 + np.exp(-z))
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        p = self.predict_proba(texts)
        return (p >= 0.5).astype(int) if self.multilabel else p.argmax(1)

    # -- storage: plain arrays in an .npz (no pickle) -------------------------------------
    def save(self, path: str | Path) -> None:
        terms = sorted(self.vocabulary_, key=self.vocabulary_.get)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # a file object: numpy adds no suffix
            np.savez_compressed(fh, terms=np.array(terms), idf=self.idf_.astype(np.float32),
                                coef=self.coef_.astype(np.float16), intercept=self.intercept_.astype(np.float32),
                                params=np.array([self.ngram_range[0], self.ngram_range[1], self.min_df,
                                                 self.max_features, int(self.multilabel)]), C=np.array(self.C))

    @classmethod
    def load(cls, path: str | Path) -> "TfidfLogReg":
        with np.load(path, allow_pickle=False) as z:
            lo, hi, min_df, max_features, multilabel = (int(v) for v in z["params"])
            obj = cls((lo, hi), min_df, max_features, float(z["C"]), bool(multilabel))
            obj.vocabulary_ = {str(t): i for i, t in enumerate(z["terms"])}
            obj.idf_ = z["idf"].astype(np.float64)
            obj.coef_ = z["coef"].astype(np.float32)
            obj.intercept_ = z["intercept"].astype(np.float32)
        return obj
