#!/usr/bin/env python
"""Per-recording speaker normalisation for the voice head, measured under domain shift (issue 21).

    python bench/voice_speaker_norm.py                 # -> bench/results/voice_speaker_norm.json
    python bench/voice_speaker_norm.py --debug --out /tmp/n.json   # 3 speakers, seconds (a test runs it)

A recording of one speaker shares a microphone, a room, a level and a voice. Standardising each
feature over the speaker's own utterances in the recording (no labels needed) removes what is
constant across them, which is most of what a new microphone or room changes. The head must then
be trained on features standardised the same way (each EmoDB speaker over their own files).

Measured with strict leave-one-speaker-out on EmoDB (the shipped v2 recipe: Whisper layers 0-3,
two augmented copies per training file, boredom as neutral): the test speaker's files, clean and
under each recording condition of bench/voice_conditions.py (the whole "recording" in one
condition, as a real one would be), standardised with statistics from ``k`` of that speaker's
files in that condition (k = 5, 10, or all of them, about 27; 5 seeded draws of the k files) and
read by the speaker-normalised head; the baseline is the shipped per-file head on the same rows.

Two ways to standardise the augmented training copies are compared on the DEV conditions and the
clean files (``by-clean``: with the speaker's clean statistics; ``own``: the copies with the
statistics of that speaker's copies). The choice (the variant with the best mean canonical UAR at
k = 10 over clean + DEV conditions) is made before the TEST conditions are read, and only the chosen
variant and the baseline are scored on TEST (once).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # BLAS threads thrash on small CPUs
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402
from voice_conditions import DEV, SUBSET_STEP, TEST  # noqa: E402

from affectkit.bench.voice_shift import (canonical_truth, folds, recipe_matrices, summarise,  # noqa: E402
                                         training_labels)
from affectkit.recognize.voice_affect import canonical_scores  # noqa: E402
from affectkit.train.augment import condition_features  # noqa: E402
from affectkit.train.recipes import load_recipe  # noqa: E402
from affectkit.train.voice import make_extractor  # noqa: E402

KS = (5, 10, None)   # None: all of the speaker's files in the condition
DRAWS = 5
VARIANTS = ("by-clean", "own")


def standardise(A: np.ndarray, ref: np.ndarray, min_std: float = 1e-6) -> np.ndarray:
    """``A`` standardised with the mean and std of ``ref`` (rows of the same speaker)."""
    mu, sd = np.nanmean(ref, axis=0), np.nanstd(ref, axis=0)
    return (A - mu) / np.where(sd > min_std, sd, 1.0)


def normalised_training(X: np.ndarray, A: np.ndarray | None, spk: np.ndarray, mask: np.ndarray,
                        variant: str) -> tuple[np.ndarray, np.ndarray | None]:
    """The training rows (clean; augmented copies, shape files x copies x features) standardised per
    speaker: copies with the speaker's clean statistics (``by-clean``) or with their own (``own``)."""
    Xn, An = np.full_like(X, np.nan), None if A is None else np.full_like(A, np.nan)
    for s in np.unique(spk[mask]):
        m = mask & (spk == s)
        Xn[m] = standardise(X[m], X[m])
        if A is not None:
            flat = A[m].reshape(-1, A.shape[2])
            ok = np.isfinite(flat).all(axis=1)
            ref = X[m] if variant == "by-clean" else flat[ok]
            An[m] = standardise(A[m], ref)
    return Xn, An


def predict(model, rows: np.ndarray, columns, output: str) -> list[str]:
    classes = [str(c) for c in model.classes_]
    return [canonical_scores(classes, p, output)[0] for p in model.predict_proba(pd.DataFrame(rows, columns=columns))]


def score(df, X, A, conditions: dict[str, np.ndarray], recipe, variant: str | None, seed: int) -> dict:
    """Canonical figures per condition ("clean" included) and k; ``variant`` None: the per-file head."""
    y = df.emotion.astype(str).to_numpy()
    spk = df.speaker.astype(str).to_numpy()
    truth = canonical_truth(y)
    Xv, cols = X.to_numpy(np.float64), list(X.columns)
    Av = None if A is None else A.to_numpy(np.float64).reshape(len(X), -1, X.shape[1])
    ks = (None,) if variant is None else KS
    pred = {(c, k): np.full((DRAWS if k else 1, len(y)), None, dtype=object) for c in conditions for k in ks}
    rng = np.random.default_rng(seed)
    for _, train, test in folds(df, "loso"):
        Xn, An = (Xv, Av) if variant is None else normalised_training(Xv, Av, spk, train, variant)
        model = recipe.fit(pd.DataFrame(Xn, columns=cols), y,
                           None if An is None else pd.DataFrame(An.reshape(-1, An.shape[2]), columns=cols), train)
        for c, M in conditions.items():
            rows = np.where(test & np.isfinite(M).all(axis=1))[0]
            if not len(rows):
                continue
            if variant is None:
                pred[(c, None)][0, rows] = predict(model, M[rows], cols, recipe.output)
                continue
            for k in ks:
                for d in range(DRAWS if k else 1):
                    ref = M[rows] if k is None else M[rng.choice(rows, size=min(k, len(rows)), replace=False)]
                    pred[(c, k)][d, rows] = predict(model, standardise(M[rows], ref), cols, recipe.output)
    out: dict = {}
    for (c, k), P in pred.items():
        have = np.array([v is not None for v in P[0]])
        draws = [summarise(truth[have], p[have]) for p in P]
        out.setdefault(c, {})["all" if k is None else f"k={k}"] = {
            "uar": round(float(np.mean([r["uar"] for r in draws])), 4),
            "uar_draws": [r["uar"] for r in draws],
            "neutral_recall": round(float(np.mean([r["neutral_recall"] for r in draws])), 4),
            "per_class_recall": {l: round(float(np.mean([r["per_class_recall"][l] for r in draws])), 4)
                                 for l in draws[0]["per_class_recall"]},
            "n": int(have.sum())}
    return out


def mean_uar(res: dict, names, k: str) -> float:
    return round(float(np.mean([res[c][k]["uar"] for c in names])), 4)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1, help="feature-extraction processes (default 1)")
    ap.add_argument("--cache", help="feature cache folder (default $AFFECTKIT_CACHE or ~/.cache/affectkit)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the k-file draws (default 0)")
    ap.add_argument("--debug", action="store_true", help="3 speakers, 2 files per speaker and class, 1+1 conditions")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "voice_speaker_norm.json"))
    args = ap.parse_args(argv)
    if args.debug and Path(args.out).resolve().parent == (ROOT / "bench" / "results").resolve():
        ap.error("--debug needs --out outside bench/results")
    started = run_started()
    t0 = time.perf_counter()
    p = load_recipe("voice")["params"]
    speakers = ("03", "08", "09") if args.debug else None
    df, X, A, recipe, failed = recipe_matrices(p, 2 if args.debug else None, speakers=speakers,
                                               jobs=args.jobs, cache_root=args.cache)
    dev_c, test_c = (dict(list(DEV.items())[:1]), dict(list(TEST.items())[:1])) if args.debug else (DEV, TEST)
    paths = df.path.tolist()
    sub = list(range(0, len(paths), 1 if args.debug else SUBSET_STEP))
    named = {**dev_c, **test_c}
    C, errs = condition_features([paths[i] for i in sub], [list(named.values())] * len(sub),
                                 make_extractor(**p["extractor"]), args.cache, args.jobs)
    M = C.to_numpy(np.float64).reshape(len(sub), len(named), -1)
    cond: dict[str, np.ndarray] = {}
    for j, name in enumerate(named):
        full = np.full((len(paths), X.shape[1]), np.nan)
        full[sub] = M[:, j]
        cond[name] = full
    clean = {"clean": X.to_numpy(np.float64)}
    print(f"features ready ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)
    dev_names = ["clean", *dev_c]
    dev_sets = {**clean, **{c: cond[c] for c in dev_c}}
    dev = {"per-file (shipped)": score(df, X, A, dev_sets, recipe, None, args.seed)}
    for v in VARIANTS:
        dev[f"speaker-normalised, copies {v}"] = score(df, X, A, dev_sets, recipe, v, args.seed)
        print(f"  {v}: dev mean UAR k=10 {mean_uar(dev[f'speaker-normalised, copies {v}'], dev_names, 'k=10')}",
              file=sys.stderr)
    base_dev = mean_uar(dev["per-file (shipped)"], dev_names, "all")
    chosen = max(VARIANTS, key=lambda v: mean_uar(dev[f"speaker-normalised, copies {v}"], dev_names, "k=10"))
    name = f"speaker-normalised, copies {chosen}"
    test_sets = {c: cond[c] for c in test_c}
    test = {"per-file (shipped)": score(df, X, A, test_sets, recipe, None, args.seed),
            name: score(df, X, A, test_sets, recipe, chosen, args.seed)}
    summary = {"dev_mean_uar": {"per-file (shipped)": base_dev,
                                **{f"speaker-normalised, copies {v}, {k}": mean_uar(dev[f"speaker-normalised, copies {v}"],
                                                                                 dev_names, k)
                                   for v in VARIANTS for k in ("k=5", "k=10", "all")}},
               "test_mean_uar": {"per-file (shipped)": mean_uar(test["per-file (shipped)"], list(test_c), "all"),
                                 **{f"{name}, {k}": mean_uar(test[name], list(test_c), k) for k in ("k=5", "k=10", "all")}},
               "test_mean_neutral_recall": {
                   "per-file (shipped)": round(float(np.mean([test["per-file (shipped)"][c]["all"]["neutral_recall"]
                                                              for c in test_c])), 4),
                   **{f"{name}, {k}": round(float(np.mean([test[name][c][k]["neutral_recall"] for c in test_c])), 4)
                      for k in ("k=5", "k=10", "all")}}}
    doc = {"benchmark": "per-recording speaker normalisation of the voice head under domain shift (EmoDB, strict LOSO)",
           "data": f"../shared/data/speech/emodb: {len(paths)} files; conditions on every "
                   f"{1 if args.debug else SUBSET_STEP}th file ({len(sub)})",
           "recipe": {**recipe.describe(), "extractor": p["extractor"]},
           "protocol": __doc__.split("\n\n", 2)[2].strip(),
           "draws": DRAWS, "ks": ["all" if k is None else k for k in KS],
           "conditions": {"dev": dev_c, "test": test_c},
           "chosen": name, "dev": dev, "test": test, "summary": summary,
           "failures": (failed + errs)[:50], "debug": bool(args.debug),
           "seconds": round(time.perf_counter() - t0, 1)}
    write_results(args.out, doc, argv=argv, seeds=[args.seed, p["augment"]["seed"]], script=__file__, started=started)
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
