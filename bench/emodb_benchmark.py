#!/usr/bin/env python
"""EmoDB leave-one-speaker-out (10 folds) for the bundled speech-emotion recipe, plus speed.

    python bench/emodb_benchmark.py [--jobs 2]      # -> bench/results/emodb.json

Protocols (see affectkit.bench.voice_eval):
  strict              every statistic, normalisation included, fit on the training speakers only
  speaker-normalised  each speaker's features also standardised with that speaker's own
                      unlabelled audio (the test speaker's included) before the head
Metrics: UAR (unweighted average recall = macro recall over the 7 EmoDB classes) and accuracy.
Also scored: all encoder layers, each layer alone, and openSMILE baselines; the feature-extraction
real-time factor on one core, and end-to-end ``affectkit predict voice`` files per second.
Features are cached (FeatureCache), so a rerun costs only the model fits.

    python bench/emodb_benchmark.py --anchors-only  # re-measure only the issue-3 anchors in --out

The issue-3 anchors, measured here on the same folds and protocols: eGeMAPS functionals +
logistic regression, and ComParE functionals + linear SVM (openSMILE, the ``opensmile`` package),
features standardised on the training speakers; each fold's C chosen by an inner
leave-one-speaker-out over that fold's nine training speakers (the test speaker is never used to
choose it), from a fixed grid (``ANCHOR_GRIDS``).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # BLAS threads thrash on small CPUs
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import atomic_write_text, provenance, run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.voice_eval import PROTOCOLS, loso  # noqa: E402
from affectkit.bench.voice_eval import emodb_matrix  # noqa: E402
from affectkit.train.voice import SEED, WHISPER_LAYERS, make_extractor, make_head  # noqa: E402

COMMAND = "python bench/emodb_benchmark.py"


N_LAYERS = 6  # Whisper-base's encoder
CLASSIC = ("compare", "egemaps", "logmel")
# the issue-3 anchors: (feature block, classifier, C grid searched by inner LOSO)
ANCHOR_GRIDS = {"egemaps+LR": ("egemaps", "lr", (0.001, 0.01, 0.1, 1.0, 10.0)),
                "compare+linear SVM": ("compare", "svm", (1e-5, 1e-4, 1e-3, 1e-2, 1e-1))}


def _anchor_model(kind: str, C: float):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    clf = (LogisticRegression(C=C, max_iter=5000, random_state=SEED) if kind == "lr"
           else LinearSVC(C=C, max_iter=20000, random_state=SEED))
    return make_pipeline(StandardScaler(), clf)


def nested_loso(kind: str, grid, X: np.ndarray, y: np.ndarray, spk: np.ndarray, protocol: str) -> dict:
    """Leave-one-speaker-out; in each fold C is chosen by UAR of an inner leave-one-speaker-out over
    the training speakers alone, then the model refits on all of them and predicts the test speaker."""
    from affectkit.bench import metrics
    from affectkit.recognize.voice_head import speaker_standardise

    X = np.nan_to_num(np.asarray(X, dtype=np.float64))
    if protocol == "speaker-normalised":
        X = speaker_standardise(X, spk)
    pred = np.empty(len(y), dtype=object)
    chosen = {}
    for s in sorted(set(spk)):
        test = spk == s
        Xtr, ytr, str_ = X[~test], y[~test], spk[~test]
        inner = {}
        for C in grid:
            p = np.empty(len(ytr), dtype=object)
            for s2 in sorted(set(str_)):
                v = str_ == s2
                p[v] = _anchor_model(kind, C).fit(Xtr[~v], ytr[~v]).predict(Xtr[v])
            inner[C] = metrics.uar(ytr, p.astype(str))
        C = max(grid, key=lambda c: (inner[c], -c))          # ties: the stronger regularisation
        chosen[s] = C
        pred[test] = _anchor_model(kind, C).fit(Xtr, ytr).predict(X[test])
    pred = pred.astype(str)
    return {"uar": round(metrics.uar(y, pred), 4), "accuracy": round(metrics.accuracy(y, pred), 4),
            "C_per_test_speaker": chosen}


def anchors(X_classic, y, spk) -> dict:
    out = {"protocol": "LOSO, 10 folds; openSMILE functionals standardised on the training speakers; each fold's C "
                       "chosen by inner LOSO UAR over its nine training speakers (grid below); the test speaker "
                       "never chooses anything",
           "classifiers": {"lr": "scikit-learn LogisticRegression (lbfgs, multinomial, L2)",
                           "svm": "scikit-learn LinearSVC (one-vs-rest, squared hinge, L2)"}}
    for name, (block, kind, grid) in ANCHOR_GRIDS.items():
        cols = block_columns(X_classic, [block])
        row = {"features": f"{block} ({len(cols)} functionals)", "classifier": kind, "C_grid": list(grid)}
        for protocol in PROTOCOLS:
            row[protocol] = nested_loso(kind, grid, X_classic[cols].to_numpy(), y, spk, protocol)
        print(f"  anchor {name}: {row}", file=sys.stderr)
        out[name] = row
    return out


def block_columns(X, prefixes):
    """Columns whose name starts with one of ``prefixes`` followed by ':'."""
    return [c for c in X.columns if any(c.startswith(f"{p}:") for p in prefixes)]


def speed(paths: list[str], n: int) -> dict:
    """Real-time factor of the head's feature extraction (decode + features) and of the prosody
    cues on one core, fresh (no cache); then end-to-end ``predict voice`` files per second."""
    from threadpoolctl import threadpool_limits

    from affectkit.io.audio import load_audio
    from affectkit.perceive.voice import Prosody

    sample = paths[:: max(1, len(paths) // n)][:n]
    audio_s = sum(len(load_audio(p)[0]) / 16000 for p in sample)
    ext, pros = make_extractor(), Prosody()
    ext.extract(sample[0])  # warm-up (openSMILE configuration)
    timing = {}
    with threadpool_limits(1):
        for name, e in (("emotion_features", ext), ("prosody_cues", pros)):
            t = time.perf_counter()
            for p in sample:
                e.extract(p)
            timing[name] = time.perf_counter() - t
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    cli = [sys.executable, "-m", "affectkit", "predict", "voice"]
    out = {"files": len(sample), "audio_seconds": round(audio_s, 2),
           "rtf_one_core": {k: round(v / audio_s, 4) for k, v in timing.items()},
           "rtf_note": "processing seconds / audio seconds, one thread, decoding included, no cache"}
    with tempfile.TemporaryDirectory() as cache:
        env["AFFECTKIT_CACHE"] = cache
        for label in ("cold_cache", "warm_cache"):
            t = time.perf_counter()
            r = subprocess.run(cli + sample, capture_output=True, text=True, env=env)
            wall = time.perf_counter() - t
            if r.returncode != 0:
                raise SystemExit(f"predict voice failed ({r.returncode}): {r.stderr[-1000:]}")
            out[f"predict_voice_files_per_s_{label}"] = round(len(sample) / wall, 2)
    out["predict_voice_note"] = (f"one process `affectkit predict voice` on {len(sample)} EmoDB files (2 s each), one "
                                 "thread, start-up and model load included; cold = empty feature cache")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jobs", type=int, default=1, help="feature-extraction processes (default 1)")
    ap.add_argument("--cache", help="feature cache folder (default $AFFECTKIT_CACHE or ~/.cache/affectkit)")
    ap.add_argument("--speed-files", type=int, default=40, help="files for the speed figures (default 40)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "emodb.json"))
    ap.add_argument("--speed-only", action="store_true",
                    help="re-measure only the speed figures and update them in --out (accuracy unchanged)")
    ap.add_argument("--anchors-only", action="store_true",
                    help="re-measure only the issue-3 anchors and update them in --out (the rest unchanged)")
    args = ap.parse_args(argv)
    started = run_started()
    t0 = time.perf_counter()
    if args.anchors_only:
        doc = json.loads(Path(args.out).read_text())
        df, X_classic = emodb_matrix(jobs=args.jobs, cache_root=args.cache, blocks=CLASSIC)
        doc.pop("anchors_issue_3", None)
        doc["anchors_issue_3"] = anchors(X_classic, df.emotion.to_numpy(), df.speaker.to_numpy())
        doc["anchors_issue_3"]["seconds"] = round(time.perf_counter() - t0, 1)
        # the other figures keep their run's provenance; the anchors get this run's
        doc["anchors_issue_3"]["provenance"] = provenance(argv, [SEED], script=__file__, started=started)
        atomic_write_text(args.out, json.dumps(doc, indent=1) + "\n")
        print(json.dumps({k: {p: v[p]["uar"] for p in PROTOCOLS} for k, v in doc["anchors_issue_3"].items()
                          if k in ANCHOR_GRIDS}))
        return 0
    if args.speed_only:
        from affectkit.bench.datasets import load_emodb

        doc = json.loads(Path(args.out).read_text())
        doc["speed"] = speed(load_emodb().path.tolist(), args.speed_files)
        doc["speed"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
        # the accuracy figures keep their run's provenance; the speed figures get this run's
        doc["speed"]["provenance"] = provenance(argv, None, script=__file__, started=started)
        atomic_write_text(args.out, json.dumps(doc, indent=1) + "\n")
        print(json.dumps(doc["speed"]))
        return 0
    # every encoder layer once; the shipped recipe uses the columns of WHISPER_LAYERS
    df, X_all = emodb_matrix(jobs=args.jobs, cache_root=args.cache, whisper_layers=tuple(range(N_LAYERS)))
    X = X_all[block_columns(X_all, [f"whisper:l{l}" for l in WHISPER_LAYERS])]
    y, spk = df.emotion.to_numpy(), df.speaker.to_numpy()
    print(f"features: {X_all.shape} in {time.perf_counter() - t0:.0f} s", file=sys.stderr)

    def strip(r):
        return {k: v for k, v in r.items() if k not in ("predictions", "proba")}

    def score(head, matrix, **row):
        for protocol in PROTOCOLS:
            r = loso(head, matrix, y, spk, protocol)
            row[protocol] = {"uar": r["uar"], "accuracy": r["accuracy"]}
        print(f"  {row}", file=sys.stderr)
        return row

    results = {}
    for protocol in PROTOCOLS:
        r = loso(make_head(), X, y, spk, protocol)
        results[protocol] = strip(r)
        print(f"{protocol:>20}: UAR {r['uar']:.4f}  accuracy {r['accuracy']:.4f}", file=sys.stderr)
    # The layer subset was chosen on these same folds (EmoDB has no separate dev speakers), so
    # the table also gives the choice-free figure (all layers) and every single layer.
    baselines = [score(make_head(blocks=[[f"whisper:l{l}"] for l in range(N_LAYERS)]), X_all,
                       features=f"whisper layers 0-{N_LAYERS - 1} (all; one model per layer)")]
    for l in range(N_LAYERS):
        cols = block_columns(X_all, [f"whisper:l{l}"])
        baselines.append(score(make_head(blocks=None), X_all[cols], features=f"whisper layer {l} alone"))
    _, X_classic = emodb_matrix(jobs=args.jobs, cache_root=args.cache, blocks=CLASSIC)
    for blocks in (("egemaps",), ("compare",), CLASSIC):
        cols = block_columns(X_classic, blocks)
        baselines.append(score(make_head(blocks=None), X_classic[cols], features="+".join(blocks),
                               note="openSMILE / log-mel functionals, one logistic regression"
                                    + (" (affectkit 0.1.0's shipped recipe)" if blocks == CLASSIC else "")))
    doc = {
        "benchmark": "EmoDB leave-one-speaker-out (10 folds)",
        "data": "../shared/data/speech/emodb (altered copy: 2.000 s, 22,050 Hz, peak-normalised): "
                f"{len(y)} files, speakers {sorted(set(spk))}",
        "metrics": {"uar": "unweighted average recall: macro recall over the 7 EmoDB classes, pooled over the 10 folds",
                    "accuracy": "share of files correct, pooled over the 10 folds"},
        "protocols": {"strict": "every statistic, normalisation included, fit on the training speakers only",
                      "speaker-normalised": "each speaker's features standardised with that speaker's own mean/std "
                                            "over all of their unlabelled files (test speaker included), then as strict"},
        "recipe": {"features": make_extractor().get_params(), "n_features": int(X.shape[1]),
                   "head": make_head().get_params()},
        "seed": SEED, "command": COMMAND, "affectkit_version": __version__,
        "results": results, "baselines": baselines,
        "selection_note": f"layers {list(WHISPER_LAYERS)} were chosen on these same LOSO folds (EmoDB has no "
                          "separate dev speakers); the all-layers row is the figure free of that choice",
        "targets_issue_3": {"strict": 0.80, "speaker-normalised": 0.88},
        "anchors_issue_3": anchors(X_classic, y, spk),
    }
    doc["speed"] = speed(df.path.tolist(), args.speed_files)
    doc["speed"]["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    doc["machine"] = {"python": platform.python_version(), "cpu": platform.processor() or platform.machine(),
                      "cores": os.cpu_count()}
    doc["seconds"] = round(time.perf_counter() - t0, 1)
    write_results(args.out, doc, argv=argv, seeds=[SEED], script=__file__, started=started)
    print(json.dumps({p: {"uar": results[p]["uar"], "accuracy": results[p]["accuracy"]} for p in PROTOCOLS}))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
