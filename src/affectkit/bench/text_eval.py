"""Evaluate a text model on the text benchmarks under their standard protocols.

- MELD (official test split, 2,610 utterances): weighted-F1 over 7 emotions and over 3
  sentiments, with the dialogue context (earlier utterances of the same dialogue).
- CARER (official test split, 2,000 tweets): accuracy over its 6 labels.
- GoEmotions (official test split, 5,427 comments): macro-F1 over 28 labels, per-label
  thresholds tuned on the dev split (stored with the model).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from affectkit.bench import metrics
from affectkit.bench.datasets import load_carer, load_goemotions, load_meld
from affectkit.core.labels import CARER_LABELS, EMOTION, GOEMOTIONS_LABELS, SENTIMENT


def goemotions_targets(df) -> np.ndarray:
    y = np.zeros((len(df), len(GOEMOTIONS_LABELS)), dtype=np.float32)
    for i, labels in enumerate(df["labels"]):
        for lab in labels:
            y[i, GOEMOTIONS_LABELS.index(lab)] = 1.0
    return y


Transform = Callable[[Sequence[str]], list[str]]  # texts in, texts out (same length): a shifted condition


def _texts(df, transform: Transform | None) -> list[str]:
    texts = df.text.tolist()
    return transform(texts) if transform else texts


def eval_meld(model, split: str = "test", limit: int | None = None, transform: Transform | None = None) -> dict:
    """``transform``: applied to every utterance (the dialogue context is made of them too)."""
    df = load_meld(split)
    if limit:
        df = df.iloc[:limit]
    out = {"dataset": "MELD", "split": split, "n": len(df), "context": "earlier utterances of the dialogue"}
    probs = model.predict_tasks(_texts(df, transform), ("emotion", "sentiment"), speakers=df.speaker.tolist(),
                                dialogue_ids=df.dialogue_id.tolist())
    for task, space in (("emotion", EMOTION), ("sentiment", SENTIMENT)):
        pred = [space.labels[i] for i in probs[task].argmax(1)]
        y = df[task].tolist()
        out[task] = {"weighted_f1": round(metrics.weighted_f1(y, pred), 4),
                     "macro_f1": round(metrics.macro_f1(y, pred, labels=list(space.labels)), 4),
                     "accuracy": round(metrics.accuracy(y, pred), 4),
                     "per_class_f1": metrics.per_class_f1(y, pred, space.labels)}
    return out


def eval_carer(model, split: str = "test", limit: int | None = None, transform: Transform | None = None) -> dict:
    df = load_carer(split)
    if limit:
        df = df.iloc[:limit]
    probs = model.predict_proba(_texts(df, transform), "carer")
    pred = [CARER_LABELS[i] for i in probs.argmax(1)]
    y = df.label.tolist()
    return {"dataset": "CARER", "split": split, "n": len(df),
            "accuracy": round(metrics.accuracy(y, pred), 4),
            "macro_f1": round(metrics.macro_f1(y, pred, labels=list(CARER_LABELS)), 4),
            "per_class_f1": metrics.per_class_f1(y, pred, CARER_LABELS)}


def goemotions_probs(model, split: str, limit: int | None = None, transform: Transform | None = None):
    df = load_goemotions(split)
    if limit:
        df = df.iloc[:limit]
    return goemotions_targets(df), model.predict_proba(_texts(df, transform), "goemotions")


def eval_goemotions(model, thresholds, split: str = "test", limit: int | None = None,
                    transform: Transform | None = None) -> dict:
    y, probs = goemotions_probs(model, split, limit, transform)
    pred = probs >= np.asarray(thresholds)[None, :]
    return {"dataset": "GoEmotions", "split": split, "n": int(len(y)),
            "macro_f1": round(metrics.multilabel_macro_f1(y, pred), 4),
            "macro_f1_at_0.5": round(metrics.multilabel_macro_f1(y, probs >= 0.5), 4),
            "thresholds": "per label, tuned on dev",
            "per_label_f1": metrics.per_label_f1(y, pred, GOEMOTIONS_LABELS)}


def evaluate_all(model, limit: int | None = None, splits: dict[str, str] | None = None) -> dict:
    """The three benchmarks; ``splits`` per dataset (default the test splits; the dev ones are
    "dev", "val" (CARER), "dev")."""
    sp = {"meld": "test", "carer": "test", "goemotions": "test", **(splits or {})}
    thresholds = model.meta.get("goemotions_thresholds") or [0.5] * len(GOEMOTIONS_LABELS)
    return {"meld": eval_meld(model, sp["meld"], limit), "carer": eval_carer(model, sp["carer"], limit),
            "goemotions": eval_goemotions(model, thresholds, sp["goemotions"], limit)}
