"""EmoDB features (cached) and leave-one-speaker-out evaluation under named protocols.

Protocols (names say what they compute):
  strict              every statistic, normalisation included, is fit on the training speakers only;
                      the test speaker is seen only at prediction time, one file at a time.
  speaker-normalised  before the head, every speaker's features are standardised with that
                      speaker's own mean/std over all of their (unlabelled) audio, the test
                      speaker's included; the head then fits as in strict.
"""
from __future__ import annotations

import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import confusion_matrix, recall_score

from affectkit.bench import metrics
from affectkit.recognize.voice_head import speaker_standardise
from affectkit.train.voice import BLOCKS, WHISPER_LAYERS, make_extractor

PROTOCOLS = ("strict", "speaker-normalised")


def _extract_one(args: tuple[Any, str, str | None]) -> pd.DataFrame:
    from affectkit.store.cache import FeatureCache

    extractor, path, root = args
    return FeatureCache(root).extract(extractor, path)


def extract_features(paths: Sequence[str], extractor: Any, cache_root: str | None = None,
                     jobs: int = 1, progress: Callable[[int], None] | None = None) -> pd.DataFrame:
    """One row per path (whole file), in order, indexed by path; cached in FeatureCache."""
    args = [(extractor, str(p), cache_root) for p in paths]
    rows = []
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            for df in pool.map(_extract_one, args, chunksize=4):
                rows.append(df)
                if progress:
                    progress(1)
    else:
        for a in args:
            rows.append(_extract_one(a))
            if progress:
                progress(1)
    out = pd.concat(rows, axis=0)
    out.index = pd.Index([str(p) for p in paths], name="path")
    return out


def loso(head: Any, X: pd.DataFrame, y: Sequence[str], speakers: Sequence[str],
         protocol: str = "strict") -> dict[str, Any]:
    """Leave-one-speaker-out: for each speaker, fit a clone of ``head`` on the others and predict
    that speaker. Returns UAR (macro recall over the classes), accuracy, per-fold and per-class
    figures, the confusion matrix and the out-of-fold predictions."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; known: {PROTOCOLS}")
    y = np.asarray(y)
    spk = np.asarray([str(s) for s in speakers])
    if protocol == "speaker-normalised":
        X = pd.DataFrame(speaker_standardise(X, spk), index=X.index, columns=X.columns)
    labels = sorted(set(y))
    pred = np.empty(len(y), dtype=object)
    proba = np.zeros((len(y), len(labels)))
    folds = {}
    t0 = time.perf_counter()
    for s in sorted(set(spk)):
        test = spk == s
        model = clone(head).fit(X[~test], y[~test])
        pred[test] = model.predict(X[test])
        p = model.predict_proba(X[test])
        proba[np.ix_(test, [labels.index(c) for c in model.classes_])] = p
        folds[s] = {"n": int(test.sum()), "uar": round(metrics.uar(y[test], pred[test]), 4),
                    "accuracy": round(metrics.accuracy(y[test], pred[test]), 4)}
    recalls = recall_score(y, pred.astype(str), labels=labels, average=None, zero_division=0)
    return {"protocol": protocol, "uar": round(metrics.uar(y, pred.astype(str)), 4),
            "accuracy": round(metrics.accuracy(y, pred.astype(str)), 4),
            "per_class_recall": {l: round(float(r), 4) for l, r in zip(labels, recalls)},
            "per_speaker": folds, "labels": labels,
            "confusion": confusion_matrix(y, pred.astype(str), labels=labels).tolist(),
            "fit_seconds": round(time.perf_counter() - t0, 1),
            "predictions": pred.astype(str).tolist(), "proba": proba}


def emodb_matrix(limit_per_speaker_class: int | None = None, speakers: tuple[str, ...] | None = None,
                 blocks: tuple[str, ...] = BLOCKS, jobs: int = 1, cache_root: str | None = None,
                 progress=None, whisper_layers: tuple[int, ...] = WHISPER_LAYERS,
                 extractor: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(EmoDB table, its features), rows aligned; optionally the first ``limit_per_speaker_class``
    files of each (speaker, emotion) and only some ``speakers`` (debug runs, tests). ``extractor``
    replaces the one built from ``blocks`` and ``whisper_layers``."""
    from affectkit.bench.datasets import load_emodb

    df = load_emodb()
    if speakers is not None:
        df = df[df.speaker.isin(speakers)]
    if limit_per_speaker_class is not None:
        df = df.groupby(["speaker", "emotion"], sort=False).head(limit_per_speaker_class)
    df = df.reset_index(drop=True)
    if extractor is None:
        extractor = make_extractor(blocks, whisper_layers)
    X = extract_features(df.path.tolist(), extractor, cache_root, jobs=jobs,
                         progress=progress)
    return df, X
