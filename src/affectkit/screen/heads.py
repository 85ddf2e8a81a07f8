"""The screening heads: stress and depression probability per text.

Each head blends two logistic regressions: one on the frozen MiniLM sentence embedding plus the
text markers (``markers.marker_features``), one on word 1-2-gram TF-IDF
(``recognize.lexical.TfidfLogReg``): ``p_lr = w * p_embedding + (1 - w) * p_tfidf``. A head may
also blend in a fine-tuned network (the stress head since model version 2: MiniLM with LoRA
adapters, ``screen.stress_net``): ``p = v * p_net + (1 - v) * p_lr``. ``w``, ``v``, both ``C`` and
the decision threshold are chosen on a dev split (``train/screen.py``). Stored as plain arrays
(npz, no pickle) with a JSON config; the network in the text model's form (safetensors). Follows
the scikit-learn estimator convention.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from affectkit.core.atomic import atomic_path, write_atomic
from affectkit.core.estimator import BaseEstimator, ClassifierMixin, require_sklearn
from affectkit.core.errors import InputError, ModelError
from affectkit.core.once import once

WEIGHTS_DIR = Path(__file__).resolve().parent.parent / "weights" / "screen"
TASKS = ("stress", "depression")


def embed(texts: Sequence[str]) -> np.ndarray:
    """The bundled MiniLM sentence embedding (n, 384), L2-normalised."""
    from affectkit.perceive.text import MiniLMEmbedding

    return MiniLMEmbedding(batch_size=32).embed(list(texts))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


class ScreenHead(BaseEstimator, ClassifierMixin):
    """Binary screening head (see the module docstring). ``weight``: the embedding model's share
    of the two regressions' blend; ``net_weight``: the fine-tuned network's share of the final
    blend (0: no network); ``threshold``: the probability at which ``predict`` says True."""

    def __init__(self, C_embedding: float = 1.0, C_tfidf: float = 5.0, weight: float = 0.5,
                 threshold: float = 0.5, max_iter: int = 3000, net_weight: float = 0.0) -> None:
        self.C_embedding = C_embedding
        self.C_tfidf = C_tfidf
        self.weight = weight
        self.threshold = threshold
        self.max_iter = max_iter
        self.net_weight = net_weight

    def _dense(self, texts: Sequence[str], emb: np.ndarray | None) -> np.ndarray:
        from affectkit.screen.markers import marker_features

        emb = embed(texts) if emb is None else np.asarray(emb, dtype=np.float32)
        return np.hstack([emb, marker_features(texts)])

    def fit(self, texts: Sequence[str], y: np.ndarray, emb: np.ndarray | None = None) -> "ScreenHead":
        """Fit both models; ``emb``: precomputed embeddings of ``texts`` (saves the encoder pass)."""
        require_sklearn("training a screening head")
        from sklearn.linear_model import LogisticRegression

        from affectkit.recognize.lexical import TfidfLogReg

        texts, y = list(texts), np.asarray(y).astype(int)
        X = self._dense(texts, emb)
        self.mean_, self.scale_ = X.mean(0), X.std(0) + 1e-6
        m = LogisticRegression(C=self.C_embedding, max_iter=self.max_iter).fit((X - self.mean_) / self.scale_, y)
        self.coef_, self.intercept_ = m.coef_[0].astype(np.float32), float(m.intercept_[0])
        self.tfidf_ = TfidfLogReg(C=self.C_tfidf, max_iter=self.max_iter).fit(texts, y)
        self.classes_ = np.array([0, 1])
        return self

    def parts(self, texts: Sequence[str], emb: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """P(positive) from the embedding model and from the TF-IDF model, each (n,)."""
        X = (self._dense(texts, emb) - self.mean_) / self.scale_
        return _sigmoid(X @ self.coef_ + self.intercept_), self.tfidf_.predict_proba(list(texts))[:, 1]

    def predict_proba(self, texts: Sequence[str], emb: np.ndarray | None = None,
                      p_net: np.ndarray | None = None) -> np.ndarray:
        """(n, 2) probabilities; ``p_net``: the network's P(positive) per text, needed when
        ``net_weight`` > 0 (``ScreenModel`` runs the network)."""
        p_emb, p_tf = self.parts(texts, emb)
        p = self.weight * p_emb + (1.0 - self.weight) * p_tf
        if self.net_weight > 0:
            if p_net is None:
                raise ModelError("this screening head blends in a network: pass its probabilities (p_net), "
                                 "or use ScreenModel, which runs it")
            p = self.net_weight * np.asarray(p_net, dtype=float) + (1.0 - self.net_weight) * p
        return np.stack([1.0 - p, p], axis=1)

    def predict(self, texts: Sequence[str], emb: np.ndarray | None = None,
                p_net: np.ndarray | None = None) -> np.ndarray:
        return (self.predict_proba(texts, emb, p_net)[:, 1] >= self.threshold).astype(int)

    # -- storage ----------------------------------------------------------------------------
    def save(self, folder: str | Path, meta: dict | None = None) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_path(folder / "head.npz") as tmp, open(tmp, "wb") as fh:
            np.savez_compressed(fh, coef=self.coef_.astype(np.float32), intercept=np.array(self.intercept_),
                                mean=self.mean_.astype(np.float32), scale=self.scale_.astype(np.float32))
        self.tfidf_.save(folder / "tfidf.npz")
        cfg = dict(meta or {}, params=self.get_params())
        write_atomic(folder / "config.json", json.dumps(cfg, indent=1, sort_keys=True) + "\n")

    @classmethod
    def load(cls, folder: str | Path) -> "ScreenHead":
        from affectkit.recognize.lexical import TfidfLogReg

        folder = Path(folder)
        try:
            cfg = json.loads((folder / "config.json").read_text(encoding="utf-8"))
            head = cls(**cfg["params"])
            with np.load(folder / "head.npz", allow_pickle=False) as z:
                head.coef_, head.intercept_ = z["coef"], float(z["intercept"])
                head.mean_, head.scale_ = z["mean"], z["scale"]
            head.tfidf_ = TfidfLogReg.load(folder / "tfidf.npz")
        except FileNotFoundError as exc:
            raise ModelError(f"screening head not found in {folder} ({exc.filename}); retrain with: "
                             "python bench/train_screen.py") from None
        except Exception as exc:
            raise ModelError(f"screening head in {folder} is unreadable: {exc}") from None
        head.classes_ = np.array([0, 1])
        head.meta_ = cfg
        return head


class ScreenModel:
    """The stress and depression heads together (one encoder pass for both), and the networks
    that some heads blend in (task -> ``TextModel``, run on the same encoder weights)."""

    def __init__(self, heads: dict[str, ScreenHead], folder: Path | None = None, nets: dict | None = None,
                 version: str = "1") -> None:
        self.heads = heads
        self.folder = folder
        self.nets = dict(nets or {})
        self.version = version

    @property
    def name(self) -> str:
        return f"affectkit-screen@{self.version}"

    def net_probabilities(self, texts: Sequence[str], task: str) -> np.ndarray | None:
        """P(positive) per text from ``task``'s network (None when the head has none)."""
        if self.heads[task].net_weight <= 0:
            return None
        if task not in self.nets:
            raise ModelError(f"the {task} head blends in a network, and none is loaded")
        return self.nets[task].predict_proba(list(texts), task)[:, 1]

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """task -> P(positive) per text. InputError for an empty or non-string text."""
        texts = list(texts)
        for i, t in enumerate(texts):
            if not isinstance(t, str) or not t.strip():
                raise InputError(f"text {i} is empty" if isinstance(t, str) else f"text {i} is not a string")
        if not texts:
            return {t: np.zeros(0) for t in self.heads}
        emb = embed(texts)
        return {t: h.predict_proba(texts, emb, self.net_probabilities(texts, t))[:, 1] for t, h in self.heads.items()}


def bundled_screen_model(folder: str | Path | None = None) -> ScreenModel:
    """The shipped stress and depression heads (or those in ``folder``), loaded once per process."""
    return _loaded(str(Path(folder or WEIGHTS_DIR).resolve()))


@once
def _loaded(folder: str) -> ScreenModel:
    from affectkit.screen.stress_net import load_net

    root = Path(folder)
    heads = {t: ScreenHead.load(root / t) for t in TASKS}
    # a head whose config names a network ("net": a subfolder) gets it, on the sentence encoder's weights
    nets = {t: load_net(root / h.meta_["net"]) for t, h in heads.items() if h.net_weight > 0}
    try:
        version = str(json.loads((root / "config.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"screening model in {root}: config.json missing or unreadable ({exc})") from None
    return ScreenModel(heads, root, nets, version)
