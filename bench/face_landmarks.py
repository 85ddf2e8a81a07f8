#!/usr/bin/env python
"""How well the face-mesh geometry (perceive.face_landmarks) tracks FER2013's expression labels.

    python bench/face_landmarks.py            # -> bench/results/face_landmarks.json
    python bench/face_landmarks.py --quick    # 30 crops per class (a smoke run; no results file)

1. Thresholds for the cue phrases (explain.face_cues), from FER2013 **Training** (the first 500
   crops of each class): what counts as "mouth open", "brows raised", "eyes wide" is a value
   reached by fewer than one neutral face in ten (the 90th percentile of the neutral crops;
   "eyes narrowed": the 10th).
2. On FER2013 **PrivateTest** (3,589 crops, none used above): the share of crops where the mesh
   finds a face, the median of each measure per class, and the ROC AUC of each measure for the
   class it should signal (mouth width and corner lift for joy; mouth opening, brow raise and eye
   opening for surprise; and fear), plus how often each phrase fires per class.
3. Milliseconds per crop (mesh + geometry, one thread).
FER2013 crops are 48x48: the mesh sees them upscaled to 192x192, so these are lower bounds of
what it does on video frames, where a face is usually larger.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import numpy as np  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.datasets.face import load_fer2013  # noqa: E402
from affectkit.core.labels import EMOTION  # noqa: E402
from affectkit.perceive.face_landmarks import MEASURES, crop_geometry  # noqa: E402

# measure -> the classes it should be high for (AUC of that class against all others)
SIGNALS = {"mouth_width": ["joy"], "smile": ["joy"], "mouth_open": ["surprise", "fear"],
           "brow_raise": ["surprise", "fear"], "eye_open": ["surprise", "fear"]}
HIGH = ("mouth_open", "mouth_width", "smile", "brow_raise", "eye_open")  # 90th pct of neutral
LOW = ("eye_open",)  # 10th pct of neutral


def measure(x: np.ndarray, log, what: str) -> tuple[list[dict | None], float]:
    out, t0 = [], time.perf_counter()
    for i, crop in enumerate(x):
        out.append(crop_geometry(crop))
        if (i + 1) % 500 == 0:
            log(f"{what}: {i + 1}/{len(x)}")
    return out, 1000 * (time.perf_counter() - t0) / max(1, len(x))


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC by ranks (ties count half)."""
    from scipy.stats import rankdata

    r = rankdata(np.concatenate([pos, neg]))
    return float((r[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="30 crops per class, no results file")
    args = ap.parse_args(argv)
    started = run_started()
    log = lambda m: print(m, file=sys.stderr, flush=True)  # noqa: E731
    import cv2

    cv2.setNumThreads(1)
    labels = list(EMOTION.labels)
    x_tr, y_tr = load_fer2013("Training", 30 if args.quick else 500)
    g_tr, _ = measure(x_tr, log, "Training")
    neutral = [g for g, y in zip(g_tr, y_tr) if g and labels[y] == "neutral"]
    thresholds = {f"{k}_high": round(float(np.percentile([g[k] for g in neutral], 90)), 3) for k in HIGH}
    thresholds |= {f"{k}_low": round(float(np.percentile([g[k] for g in neutral], 10)), 3) for k in LOW}
    x_te, y_te = load_fer2013("PrivateTest", 30 if args.quick else None)
    g_te, ms = measure(x_te, log, "PrivateTest")
    ok = np.array([g is not None for g in g_te])
    yl = np.array([labels[i] for i in y_te])
    vals = {k: np.array([g[k] if g else np.nan for g in g_te]) for k in MEASURES}
    per_class = {c: {"n": int((yl == c).sum()), "mesh_found": round(float(ok[yl == c].mean()), 3),
                     **{k: round(float(np.nanmedian(vals[k][(yl == c) & ok])), 3) for k in MEASURES}}
                 for c in labels}
    aucs = {f"{k}->{c}": round(auc(vals[k][ok & (yl == c)], vals[k][ok & (yl != c)]), 3)
            for k, cs in SIGNALS.items() for c in cs}
    fires = {}
    for name, t in thresholds.items():
        k = name.rsplit("_", 1)[0]
        hit = vals[k] > t if name.endswith("_high") else vals[k] < t
        fires[name] = {c: round(float(hit[ok & (yl == c)].mean()), 3) for c in labels}
    doc = {"command": "python bench/face_landmarks.py", "affectkit_version": __version__,
           "mesh": "MediaPipe face mesh (mediapipe 0.10.21, static image mode, 468 landmarks), crops upscaled 48 -> 192",
           "thresholds": {"data": f"FER2013 Training, first 500 crops per class ({len(x_tr)}); 90th (high) / 10th "
                                  f"(low) percentile of the {len(neutral)} neutral crops the mesh found",
                          **thresholds},
           "private_test": {"n": int(len(y_te)), "mesh_found": round(float(ok.mean()), 3), "per_class_median": per_class,
                            "auc": aucs, "phrase_rate_per_class": fires},
           "ms_per_crop_1_thread": round(ms, 2),
           "machine": {"cpu": platform.processor() or platform.machine(), "python": platform.python_version()}}
    log(json.dumps({"mesh_found": doc["private_test"]["mesh_found"], "auc": aucs, "thresholds": thresholds,
                    "ms_per_crop": doc["ms_per_crop_1_thread"]}))
    if not args.quick:
        out = ROOT / "bench" / "results" / "face_landmarks.json"
        write_results(out, doc, argv=argv, script=__file__, started=started)
        log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
