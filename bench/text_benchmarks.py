#!/usr/bin/env python
"""Score the bundled text model on the official test splits, with the VADER baseline.

    python bench/text_benchmarks.py            # -> bench/results/text_benchmarks.json

Protocols (see affectkit/bench/text_eval.py): MELD test weighted-F1 (7 emotions, 3
sentiments, dialogue context allowed); CARER test accuracy (6 labels); GoEmotions test
macro-F1 over 28 labels with per-label thresholds tuned on dev (stored with the model).
Deterministic: inference only, no sampling.
"""
from __future__ import annotations

import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench import metrics  # noqa: E402
from affectkit.bench.datasets import load_meld  # noqa: E402
from affectkit.bench.text_eval import evaluate_all  # noqa: E402
from affectkit.perceive import EXTRACTORS  # noqa: E402
import affectkit.perceive.text  # noqa: E402,F401
from affectkit.recognize.text_model import bundled_text_model  # noqa: E402

TARGETS = {"meld_emotion_weighted_f1": 0.60, "meld_sentiment_weighted_f1": 0.68,
           "carer_accuracy": 0.92, "goemotions_macro_f1": 0.46}


def vader_meld_sentiment() -> dict:
    """VADER compound >= 0.05 positive, <= -0.05 negative, else neutral (its authors' rule)."""
    df = load_meld("test")
    comp = EXTRACTORS.get("text.lexicon")().extract(df.text.tolist())["vader_compound"]
    pred = ["positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral" for c in comp]
    return {"weighted_f1": round(metrics.weighted_f1(df.sentiment, pred), 4),
            "accuracy": round(metrics.accuracy(df.sentiment, pred), 4)}


def main() -> int:
    started = run_started()
    t0 = time.time()
    model = bundled_text_model()
    scores = evaluate_all(model)
    headline = {"meld_emotion_weighted_f1": scores["meld"]["emotion"]["weighted_f1"],
                "meld_sentiment_weighted_f1": scores["meld"]["sentiment"]["weighted_f1"],
                "carer_accuracy": scores["carer"]["accuracy"],
                "goemotions_macro_f1": scores["goemotions"]["macro_f1"]}
    result = {
        "command": "python bench/text_benchmarks.py", "model": model.name,
        "affectkit_version": __version__, "seed": model.meta.get("training", {}).get("seed"),
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "headline": headline,
        "targets": {k: {"target": v, "met": headline[k] >= v} for k, v in TARGETS.items()},
        "baselines": {"vader_meld_sentiment": vader_meld_sentiment()},
        "details": scores, "seconds": round(time.time() - t0, 1),
    }
    out = ROOT / "bench" / "results" / "text_benchmarks.json"
    write_results(out, result, seeds=[result["seed"]], script=__file__, started=started, indent=2)
    print(json.dumps({"headline": headline, "targets": result["targets"],
                      "baselines": result["baselines"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
