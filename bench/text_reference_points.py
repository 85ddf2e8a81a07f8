#!/usr/bin/env python
"""Text reference points beside the bundled text model: frozen MiniLM + LR and TF-IDF + LR.

    python bench/text_reference_points.py      # -> bench/results/text_reference_points.json

Two simple baselines on each text set's official splits, each utterance (tweet, comment) alone,
no dialogue context:

- **frozen MiniLM + LR**: the ``text.minilm`` sentence embedding (all-MiniLM-L6-v2 from the bundled
  package, L2-normalised, 384 dims; ``affectkit.bench.features.text_embeddings``, cached),
  standardised on the training split, and a logistic regression on it (scikit-learn lbfgs; multinomial for single-label sets, one binary
  model per label for GoEmotions);
- **TF-IDF + LR**: word 1-2-gram TF-IDF (sublinear tf, min_df 2, at most 30,000 terms: the
  settings of the bundled model's lexical heads, ``affectkit.recognize.lexical``) and the same
  logistic regressions.

Protocol: the inverse regularisation C is chosen on the development split (MELD dev, CARER val,
GoEmotions dev) from a fixed grid by the set's standard metric; GoEmotions' per-label thresholds
are tuned on dev too (``metrics.tune_thresholds``, as for the bundled model). The model refits
on train with the chosen C and the test split is read once. Standard metrics: MELD weighted-F1
(7 emotions; 3 sentiments), CARER accuracy (6 labels), GoEmotions macro-F1 over 28 labels.
Deterministic (lbfgs); seed 0 is recorded for the record.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "2")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import numpy as np  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench import metrics  # noqa: E402
from affectkit.bench.datasets import load_carer, load_goemotions, load_meld  # noqa: E402
from affectkit.bench.text_eval import goemotions_targets  # noqa: E402
from affectkit.core.labels import CARER_LABELS, EMOTION, GOEMOTIONS_LABELS, SENTIMENT  # noqa: E402

SEED = 0
C_GRID = {"minilm": (0.01, 0.03, 0.1, 0.3, 1.0), "tfidf": (1.0, 3.0, 10.0, 30.0)}
TFIDF = {"ngram_range": (1, 2), "min_df": 2, "max_features": 30000, "sublinear_tf": True}
MAX_ITER = 3000

# name, loader, dev split, target column, labels, primary metric
SETS = (
    ("meld_emotion", load_meld, "dev", "emotion", list(EMOTION.labels), "weighted_f1"),
    ("meld_sentiment", load_meld, "dev", "sentiment", list(SENTIMENT.labels), "weighted_f1"),
    ("carer", load_carer, "val", "label", list(CARER_LABELS), "accuracy"),
    ("goemotions", load_goemotions, "dev", "labels", list(GOEMOTIONS_LABELS), "macro_f1"),
)


def features(kind: str, train: list[str], others: list[list[str]], cache: str | None):
    if kind == "minilm":
        from affectkit.bench.features import text_embeddings

        from sklearn.preprocessing import StandardScaler

        mats = [text_embeddings(t, cache) for t in (train, *others)]
        scaler = StandardScaler().fit(mats[0])          # statistics of the training split only
        return [scaler.transform(m) for m in mats]
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(**TFIDF).fit(train)
    return [vec.transform(t) for t in (train, *others)]


def fit_single(X, y, C):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=MAX_ITER, random_state=SEED).fit(X, y)


def fit_multilabel(X, Y, C):
    from sklearn.linear_model import LogisticRegression

    return [LogisticRegression(C=C, max_iter=MAX_ITER, random_state=SEED).fit(X, Y[:, j]) for j in range(Y.shape[1])]


def proba_multilabel(models, X) -> np.ndarray:
    return np.stack([m.predict_proba(X)[:, 1] for m in models], axis=1)


def single_scores(y, pred, labels) -> dict:
    return {"weighted_f1": round(metrics.weighted_f1(y, pred), 4), "accuracy": round(metrics.accuracy(y, pred), 4),
            "macro_f1": round(metrics.macro_f1(y, pred, labels=labels), 4)}


def run_set(name, loader, dev_split, target, labels, primary, kind, cache, log) -> dict:
    tr, dv, te = loader("train"), loader(dev_split), loader("test")
    t0 = time.perf_counter()
    Xtr, Xdv, Xte = features(kind, tr.text.tolist(), [dv.text.tolist(), te.text.tolist()], cache)
    feat_s = time.perf_counter() - t0
    multilabel = name == "goemotions"
    dev_by_C = {}
    if multilabel:
        Ytr, Ydv, Yte = goemotions_targets(tr), goemotions_targets(dv), goemotions_targets(te)
        for C in C_GRID[kind]:
            p = proba_multilabel(fit_multilabel(Xtr, Ytr, C), Xdv)
            dev_by_C[C] = round(metrics.multilabel_macro_f1(Ydv, p >= metrics.tune_thresholds(Ydv, p)), 4)
            log(f"{name} {kind} C={C}: dev macro-F1 {dev_by_C[C]}")
        C = max(dev_by_C, key=dev_by_C.get)
        models = fit_multilabel(Xtr, Ytr, C)
        p_dev = proba_multilabel(models, Xdv)
        thr = metrics.tune_thresholds(Ydv, p_dev)
        p_te = proba_multilabel(models, Xte)
        test = {"macro_f1": round(metrics.multilabel_macro_f1(Yte, p_te >= thr[None, :]), 4),
                "macro_f1_at_0.5": round(metrics.multilabel_macro_f1(Yte, p_te >= 0.5), 4)}
        dev = {"macro_f1": round(metrics.multilabel_macro_f1(Ydv, p_dev >= thr[None, :]), 4)}
    else:
        ytr, ydv, yte = (d[target].astype(str).to_numpy() for d in (tr, dv, te))
        for C in C_GRID[kind]:
            pred = fit_single(Xtr, ytr, C).predict(Xdv)
            dev_by_C[C] = round(single_scores(ydv, pred, labels)[primary], 4)
            log(f"{name} {kind} C={C}: dev {primary} {dev_by_C[C]}")
        C = max(dev_by_C, key=dev_by_C.get)
        model = fit_single(Xtr, ytr, C)
        dev = single_scores(ydv, model.predict(Xdv), labels)
        test = single_scores(yte, model.predict(Xte), labels)
    log(f"{name} {kind}: C={C}, dev {dev[primary]}, test {test[primary]}")
    return {"primary": primary, "C": C, "dev_split": dev_split, "dev_by_C": {str(k): v for k, v in dev_by_C.items()},
            "dev": dev, "test": test, "n": {"train": len(tr), dev_split: len(dv), "test": len(te)},
            "feature_seconds": round(feat_s, 1), "seconds": round(time.perf_counter() - t0, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", help="feature cache folder (default $AFFECTKIT_CACHE or ~/.cache/affectkit)")
    ap.add_argument("--sets", nargs="*", default=[s[0] for s in SETS], choices=[s[0] for s in SETS])
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "text_reference_points.json"))
    args = ap.parse_args(argv)
    started = run_started()
    t0 = time.time()
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    results = {}
    for spec in SETS:
        if spec[0] not in args.sets:
            continue
        results[spec[0]] = {kind: run_set(*spec, kind, args.cache, log) for kind in ("minilm", "tfidf")}
    doc = {
        "benchmark": "text reference points: frozen MiniLM + LR and TF-IDF + LR, each text alone (no dialogue "
                     "context), C chosen on the dev split, test read once",
        "features": {"minilm": "text.minilm: all-MiniLM-L6-v2 (bundled package), L2-normalised, 384 dims, frozen; standardised "
                                  "with the training split's mean and std",
                     "tfidf": {**TFIDF, "ngram_range": list(TFIDF["ngram_range"])}},
        "classifier": {"logistic_regression": "scikit-learn LogisticRegression, lbfgs, L2", "max_iter": MAX_ITER,
                       "C_grid": {k: list(v) for k, v in C_GRID.items()},
                       "goemotions": "one binary model per label; per-label thresholds tuned on dev"},
        "metrics": {"meld_emotion": "weighted-F1, 7 emotions, MELD test (2,610)",
                    "meld_sentiment": "weighted-F1, 3 sentiments, MELD test",
                    "carer": "accuracy, 6 labels, CARER test (2,000)",
                    "goemotions": "macro-F1 over 28 labels, GoEmotions test (5,427)"},
        "seed": SEED, "affectkit_version": __version__, "results": results,
        "seconds": round(time.time() - t0, 1),
    }
    write_results(args.out, doc, argv=argv, seeds=[SEED], script=__file__, started=started)
    print(json.dumps({k: {m: {"C": r["C"], "dev": r["dev"][r["primary"]], "test": r["test"][r["primary"]]}
                          for m, r in v.items()} for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
