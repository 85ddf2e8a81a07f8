#!/usr/bin/env python
"""Training time per epoch of every registered fusion model on a MOSI-sized synthetic set, on the
CPU with 2 threads and with 1.

    python bench/fusion_epoch_time.py [--epochs 3] [--threads 2 1] [--unaligned]
        # -> bench/results/fusion_epoch_time.json

The data has the shapes of MMSA's CMU-MOSI ``aligned_50.pkl``, the input most MOSI baselines
(TFN, LMF, MulT-aligned, MISA) are reported on: 1,284 training samples (MOSI's train split), text
[N, 50, 768] (BERT features), audio [N, 50, 5] (COVAREP, MMSA's 5-d selection), vision [N, 50, 20]
(Facet), word-aligned. ``--unaligned`` uses the unaligned shapes instead (audio 375 steps, vision
500 steps), which matter for MulT's cross-modal attention. Each utterance has a random length of
10 to 50 steps, the rest zero padding, and a float sentiment in [-3, 3] (regression, L1, MOSI's
task). Features are Gaussian noise: this measures time, not accuracy.

Each model is trained with its default parameters (hidden 32, batch 64, GRU encoders, modality
dropout 0.15) for ``--epochs`` epochs without validation; the figure is the median of the epochs'
times (the training pass only: batching, forward, backward, AdamW). The load average before and
after each measurement is recorded, because the 2 cores are shared with other jobs.

On a loaded machine run it with ``OMP_WAIT_POLICY=PASSIVE``: with the default (spinning) policy,
2 OpenMP threads competing with other processes for 2 cores made one epoch of ``concat`` 13x
slower (55.7 s instead of 4.2 s at load average 7).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit.bench.fusion_models import FUSION_MODELS  # noqa: E402

N_TRAIN = 1284  # MOSI train; valid 229, test 686
SHAPES = {"aligned_50": {"text": (50, 768), "audio": (50, 5), "vision": (50, 20)},
          "unaligned": {"text": (50, 768), "audio": (375, 5), "vision": (500, 20)}}


def synthetic_mosi(shapes: dict[str, tuple[int, int]], n: int, seed: int = 0) -> tuple[dict, np.ndarray]:
    """Gaussian features with MOSI's shapes, each utterance padded after a random 20-100% of its
    steps; sentiment uniform in [-3, 3]."""
    rng = np.random.default_rng(seed)
    X = {}
    frac = rng.uniform(0.2, 1.0, n)
    for name, (t, d) in shapes.items():
        x = rng.normal(size=(n, t, d)).astype(np.float32)
        lengths = np.maximum(1, np.round(frac * t)).astype(int)
        x[np.arange(t)[None, :] >= lengths[:, None]] = 0.0
        X[name] = x
    return X, rng.uniform(-3, 3, n)


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--threads", type=int, nargs="+", default=[2, 1])
    ap.add_argument("--models", nargs="+", default=None, help="registry names (default: all)")
    ap.add_argument("--unaligned", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "fusion_epoch_time.json"))
    args = ap.parse_args()
    started = run_started()
    layout = "unaligned" if args.unaligned else "aligned_50"
    load_start = os.getloadavg()
    X, y = synthetic_mosi(SHAPES[layout], N_TRAIN)
    names = args.models or FUSION_MODELS.names()
    results: dict[str, dict] = {}
    for name in names:
        cls = FUSION_MODELS.get(name)
        row: dict = {}
        for threads in args.threads:
            torch.set_num_threads(threads)
            load_before = os.getloadavg()[0]
            model = cls(max_epochs=args.epochs, validation_fraction=0.0, random_state=0).fit(X, y)
            secs = model.epoch_seconds_
            row[f"{threads}_threads"] = {
                "seconds_per_epoch_median": round(statistics.median(secs), 2),
                "epoch_seconds": [round(s, 2) for s in secs],
                "samples_per_second": round(N_TRAIN / statistics.median(secs), 1),
                "load_avg_1min_before": round(load_before, 2),
                "load_avg_1min_after": round(os.getloadavg()[0], 2),
            }
            row["parameters"] = int(sum(p.numel() for p in model.net_.parameters()))
            print(name, threads, row[f"{threads}_threads"], flush=True)
        results[name] = row
    out = {
        "command": " ".join([*(f"{k}={os.environ[k]}" for k in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS") if k in os.environ),
                             "python bench/fusion_epoch_time.py", *sys.argv[1:]]),
        "data": {"layout": layout, "n_train": N_TRAIN,
                 "shapes": {k: [N_TRAIN, *v] for k, v in SHAPES[layout].items()},
                 "note": "synthetic Gaussian features with the shapes of MMSA's CMU-MOSI "
                         f"{'unaligned_50' if args.unaligned else 'aligned_50'}.pkl (BERT text, COVAREP audio 5-d, Facet "
                         "vision 20-d), 20-100% of each sequence valid, regression in [-3, 3] (L1)"},
        "protocol": f"default parameters (hidden 32, batch 64, GRU sequence encoders, modality dropout 0.15), "
                    f"{args.epochs} epochs without validation, median epoch time of the training pass; "
                    "torch.set_num_threads per setting",
        "machine": {"cpu": cpu_name(), "logical_cpus": os.cpu_count(), "python": platform.python_version(),
                    "torch": torch.__version__, "platform": platform.platform()},
        "load_avg_1_5_15min": {"start": [round(v, 2) for v in load_start],
                               "end": [round(v, 2) for v in os.getloadavg()]},
        "results": results,
    }
    path = Path(args.out)
    write_results(path, out, seeds=[0], script=__file__, started=started, indent=2)
    print("wrote", path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
