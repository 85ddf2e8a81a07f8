#!/usr/bin/env python
"""Fit and score the fusion rule on composites of real readings from single-modality data (issue 17).

    python bench/fusion_composites.py            # fit on dev, score dev and test once
                                                 # -> bench/results/fusion_composites.json and the
                                                 #    "pool" of src/affectkit/weights/fusion/calibration.json
    python bench/fusion_composites.py --dry-run  # fit and score dev only (test unread); write nothing

No recording in ../shared/data is labelled in more than one modality, so a composite is made of
one real reading per modality of items with known labels: words from MELD, a voice from EmoDB,
a face from FER2013 (bench/fusion_readings.py: MELD dev / EmoDB speakers 03 08 09 10 11 /
FER2013 PublicTest for dev; MELD test / speakers 12 13 14 15 16 / PrivateTest for test; the
voice readings out-of-fold). Composites assume the modalities are independent given the
emotion, which real recordings are not; they say what the rule does with each head's evidence,
not how it does on real conversation.

Conditions (truth in brackets; E drawn from anger, disgust, fear, joy, sadness, the emotions
every head can express; n composites per emotion and variant, sampled with replacement):

- all_agree: words, voice and face all of E [E]
- words_neutral: neutral words, voice and face of E [E]
- one_missing: two modalities of E (E also neutral), the third absent; one variant per absent one [E]
- one_contradicts: two of E, the third of another emotion; one variant per contradicting one [E]
- all_neutral: all three neutral [neutral]
- text_only: every MELD utterance of the split, words alone [its label] (fusion of one is that one)

Rows: the first rule (``linear``: prior weights text 2, voice 1, face 1), the evidence rule of
fusion@2 (``evidence@2``: no contamination, each head's evidence against a label unbounded), the
evidence rule with a fitted contamination (``evidence (new)``, fusion@3: a head's evidence
against a label floored at log eps), and each modality alone. Metrics: accuracy, macro-F1 over
the condition's true labels, NLL of the fused scores, the share of composites flagged as a
conflict, and the share whose fused label no present head ranks first (``no_head_top``: the
answer none of the modalities gave). The evidence rules' parameters (evidence weights, neutral
bias, abstention power; contamination for the new one) are fit by minimising NLL over all dev
composites; their priors (each head's usual reading) are each head's mean calibrated reading
over its dev pool. Test is read once, after the fit.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402
from fusion_readings import DEV_SPEAKERS, TEST_SPEAKERS, Readings, all_readings  # noqa: E402

from affectkit.bench.metrics import expected_calibration_error, macro_f1, weighted_f1  # noqa: E402
from affectkit.core.atomic import write_atomic  # noqa: E402
from affectkit.core.labels import EMOTION  # noqa: E402
from affectkit.train.recipes import load_recipe  # noqa: E402
from affectkit.recognize.fusion import (FusionConfig, calibrated, canonical, evidence, evidence_pool,  # noqa: E402
                                        fuse, robust)

COMMAND = "python bench/fusion_composites.py"
MODALITIES = ("text", "voice", "face")
SHARED = ("anger", "disgust", "fear", "joy", "sadness")   # every head can express these
CONDITIONS = ("all_agree", "words_neutral", "one_missing", "one_contradicts", "all_neutral")
SETTINGS = ROOT / "src" / "affectkit" / "weights" / "fusion" / "calibration.json"
RESULTS = ROOT / "bench" / "results" / "fusion_composites.json"
SEEDS = {"dev": 0, "test": 1}


def composites(readings: dict[str, Readings], n: int, seed: int) -> list[dict]:
    """The composites of one split: dicts with ``condition``, ``variant``, ``truth`` and
    ``items`` (modality -> row index into its readings, or None when absent)."""
    rng = np.random.default_rng(seed)
    out = []

    def draw(m: str, label: str) -> int:
        return int(rng.choice(readings[m].of(label)))

    def add(condition: str, variant: str, truth: str, labels: dict[str, str | None]) -> None:
        out.append({"condition": condition, "variant": variant, "truth": truth,
                    "items": {m: (draw(m, l) if l else None) for m, l in labels.items()}})

    for e in SHARED:
        for _ in range(n):
            add("all_agree", "all", e, {m: e for m in MODALITIES})
            add("words_neutral", "all", e, {"text": "neutral", "voice": e, "face": e})
            add("all_neutral", "all", "neutral", {m: "neutral" for m in MODALITIES})
    for e in SHARED + ("neutral",):
        for gone in MODALITIES:
            for _ in range(n):
                add("one_missing", f"no {gone}", e, {m: (None if m == gone else e) for m in MODALITIES})
    for e in SHARED:
        others = [f for f in SHARED if f != e]
        for odd in MODALITIES:
            for _ in range(n):
                f = others[int(rng.integers(len(others)))]
                add("one_contradicts", f"{odd} contradicts", e, {m: (f if m == odd else e) for m in MODALITIES})
    return out


def scores_of(readings: dict[str, Readings], m: str, i: int) -> dict[str, float]:
    r = readings[m]
    return dict(zip(r.labels, r.proba[i].tolist()))


def usual_readings(readings: dict[str, Readings], config: FusionConfig) -> dict[str, dict[str, float]]:
    """Each head's mean calibrated reading (over its canonical labels) on its whole dev pool."""
    out = {}
    for m, r in readings.items():
        rows = [canonical(calibrated(dict(zip(r.labels, p.tolist())), config.temperature(m)))[0] for p in r.proba]
        out[m] = {l: round(float(np.mean([row[l] for row in rows])), 5) for l in rows[0]}
    return out


def evidence_arrays(readings: dict[str, Readings], comps: list[dict], config: FusionConfig):
    """Per composite: raw evidence (no contamination) [N, 3, 7], abstention mass [N, 3], presence
    [N, 3], truth index [N]."""
    cache: dict[tuple[str, int], tuple[np.ndarray, float]] = {}
    n = len(comps)
    ev, out, present = np.zeros((n, 3, 7)), np.zeros((n, 3)), np.zeros((n, 3), dtype=bool)
    for k, c in enumerate(comps):
        for j, m in enumerate(MODALITIES):
            i = c["items"][m]
            if i is None:
                continue
            if (m, i) not in cache:
                p, o = canonical(calibrated(scores_of(readings, m, i), config.temperature(m)))
                cache[m, i] = (evidence(p, config.prior(m, list(p)))[0], o)
            ev[k, j], out[k, j] = cache[m, i]
            present[k, j] = True
    y = np.asarray([EMOTION.labels.index(c["truth"]) for c in comps])
    return ev, out, present, y


CONTAMINATION_BOUNDS = (1e-4, 0.5)   # eps: from next to no floor (log 1e-4 = -9.2) to a head trusted half the time


def fit_pool(arrays, start: FusionConfig, contamination: bool = True) -> tuple[FusionConfig, dict]:
    """Evidence weights (log-parametrised), neutral bias, abstention power and (``contamination``
    True) the contamination eps (log-parametrised, within CONTAMINATION_BOUNDS; else 0) by
    minimising the mean NLL of the fused scores over the dev composites (scipy L-BFGS-B)."""
    from scipy.optimize import minimize

    ev, out, present, y = arrays

    def fused(theta):
        alpha, bias, power = np.exp(theta[:3]), theta[3], theta[4]
        strengths = alpha[None, :] * (1.0 - out) ** power * present
        e = robust(ev, float(np.exp(theta[5]))) if contamination else ev
        return evidence_pool(e, strengths, bias)

    def nll(theta):
        p = fused(theta)
        return float(-np.mean(np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None))))

    lo, hi = np.log(CONTAMINATION_BOUNDS)
    x0 = np.array([0.0, 0.0, 0.0, 0.0, 1.0] + ([np.log(0.05)] if contamination else []))
    bounds = [(-4, 3)] * 3 + [(-5, 5), (0, 4)] + ([(lo, hi)] if contamination else [])
    res = minimize(nll, x0, method="L-BFGS-B", bounds=bounds)
    alpha = np.exp(res.x[:3])
    eps = round(float(np.exp(res.x[5])), 5) if contamination else 0.0
    config = replace(start, rule="evidence", evidence_weights={m: round(float(a), 4) for m, a in zip(MODALITIES, alpha)},
                     neutral_bias=round(float(res.x[3]), 4), abstain_power=round(float(res.x[4]), 4),
                     contamination=eps)
    fit = {"method": "L-BFGS-B on the mean NLL over all dev composites", "dev_nll_start": round(nll(x0), 4),
           "dev_nll": round(float(res.fun), 4), "converged": bool(res.success), "iterations": int(res.nit)}
    if contamination:
        fit["contamination_bounds"] = list(CONTAMINATION_BOUNDS)
    return config, fit


def heads_top(readings: dict[str, Readings], c: dict) -> set[str]:
    """The labels the composite's present heads rank first (canonical labels only)."""
    return {single(readings, m, i) for m, i in c["items"].items() if i is not None}


def _metrics(truth: list[str], pred: list[str], probs: np.ndarray | None, flags: list[bool] | None,
             outside: list[bool] | None = None) -> dict:
    labels = sorted(set(truth))
    out = {"n": len(truth), "accuracy": round(float(np.mean(np.asarray(truth) == np.asarray(pred))), 4),
           "macro_f1": round(macro_f1(truth, pred, labels=labels), 4)}
    if probs is not None:
        y = np.asarray([EMOTION.labels.index(t) for t in truth])
        out["nll"] = round(float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)))), 4)
    if flags is not None:
        out["conflict_rate"] = round(float(np.mean(flags)), 4)
    if outside is not None:
        out["no_head_top"] = round(float(np.mean(outside)), 4)
    return out


def single(readings: dict[str, Readings], m: str, i: int) -> str:
    """A modality's own answer: its top canonical label (boredom left out), uncalibrated (T
    never changes the label)."""
    p, _ = canonical(scores_of(readings, m, i))
    return max(p, key=p.get)


def score(readings: dict[str, Readings], comps: list[dict], rules: dict[str, FusionConfig]) -> dict:
    """Rows (each rule, each modality alone) by condition and by variant."""
    groups: dict[str, list[int]] = {}
    for k, c in enumerate(comps):
        groups.setdefault(c["condition"], []).append(k)
        groups.setdefault(f"{c['condition']}: {c['variant']}", []).append(k)
    fused = {name: [] for name in rules}
    for c in comps:
        s = {m: (scores_of(readings, m, i) if i is not None else None) for m, i in c["items"].items()}
        for name, cfg in rules.items():
            f = fuse(s, cfg)
            fused[name].append((f.label, [f.scores[l] for l in EMOTION.labels], f.conflict, f.weights,
                                f.label not in heads_top(readings, c)))
    table = {}
    for g, ks in groups.items():
        truth = [comps[k]["truth"] for k in ks]
        row = {}
        for name in rules:
            got = [fused[name][k] for k in ks]
            row[name] = _metrics(truth, [x[0] for x in got], np.asarray([x[1] for x in got]), [x[2] for x in got],
                                 [x[4] for x in got])
            row[name]["mean_share"] = {m: round(float(np.mean([x[3].get(m, 0.0) for x in got])), 3)
                                       for m in MODALITIES}
        for m in MODALITIES:
            have = [k for k in ks if comps[k]["items"][m] is not None]
            if have:
                row[f"{m} alone"] = _metrics([comps[k]["truth"] for k in have],
                                             [single(readings, m, comps[k]["items"][m]) for k in have], None, None)
        table[g] = row
    return table


def calibration_of(readings, comps, cfg) -> dict:
    probs, y = [], []
    for c in comps:
        f = fuse({m: (scores_of(readings, m, i) if i is not None else None) for m, i in c["items"].items()}, cfg)
        probs.append([f.scores[l] for l in EMOTION.labels])
        y.append(EMOTION.labels.index(c["truth"]))
    probs, y = np.asarray(probs), np.asarray(y)
    return {"n": len(y), "accuracy": round(float(np.mean(probs.argmax(1) == y)), 4),
            "nll": round(float(-np.mean(np.log(np.clip(probs[np.arange(len(y)), y], 1e-12, None)))), 4),
            "ece15": round(expected_calibration_error(probs, y, 15), 4)}


def text_only(readings: dict[str, Readings], rules: dict[str, FusionConfig]) -> dict:
    """Every MELD utterance of the split through the fusion with its words alone."""
    r = readings["text"]
    truth = r.truth.tolist()
    own = [single(readings, "text", i) for i in range(len(truth))]
    row = {"text alone": {"n": len(truth), "accuracy": round(float(np.mean(np.asarray(own) == r.truth)), 4),
                          "weighted_f1": round(weighted_f1(truth, own), 4)}}
    for name, cfg in rules.items():
        pred = [fuse({"text": scores_of(readings, "text", i)}, cfg).label for i in range(len(truth))]
        row[name] = {"n": len(truth), "accuracy": round(float(np.mean(np.asarray(pred) == r.truth)), 4),
                     "weighted_f1": round(weighted_f1(truth, pred), 4),
                     "same_label_as_text": round(float(np.mean(np.asarray(pred) == np.asarray(own))), 4)}
    return row


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200, help="composites per emotion and variant (default 200)")
    ap.add_argument("--settings", type=Path, default=SETTINGS, help="the fusion settings to read and update")
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--dry-run", action="store_true", help="fit and score on dev only (test is never read); write neither file")
    args = ap.parse_args(argv)
    started = run_started()
    t0 = time.perf_counter()
    settings = json.loads(args.settings.read_text(encoding="utf-8"))
    base = FusionConfig.load(args.settings)
    linear = replace(base, rule="linear")
    dev = all_readings("dev")
    usual = usual_readings(dev, linear)
    comps_dev = composites(dev, args.n, SEEDS["dev"])
    start = replace(linear, priors=usual, contamination=0.0)
    arrays = evidence_arrays(dev, comps_dev, start)
    old, old_fit = fit_pool(arrays, start, contamination=False)      # fusion@2: unbounded evidence against
    new, fit = fit_pool(arrays, start)
    rules = {"linear (before)": linear, "evidence@2 (before)": old, "evidence (new)": new}
    results = {"benchmark": "late fusion on composites of real single-modality readings (issue 17)",
               "command": COMMAND, "n_per_emotion_and_variant": args.n, "seeds": SEEDS,
               "voice_speakers": {"dev": list(DEV_SPEAKERS), "test": list(TEST_SPEAKERS)},
               "pool": {"rule": "evidence", "evidence_weights": new.evidence_weights,
                        "neutral_bias": new.neutral_bias, "abstain_power": new.abstain_power,
                        "contamination": new.contamination, "priors": usual, "fit": fit},
               "previous_pool": {"rule": "evidence", "version": "2", "evidence_weights": old.evidence_weights,
                                 "neutral_bias": old.neutral_bias, "abstain_power": old.abstain_power,
                                 "contamination": 0.0, "fit": old_fit},
               "baseline": {"rule": "linear", "weights": dict(linear.weights)},
               "splits": {}}
    # a dry run is for choosing: it never reads test
    for split, readings, comps in (("dev", dev, comps_dev),) + ((("test", None, None),) if not args.dry_run else ()):
        if readings is None:  # test: read once, after the fit
            readings = all_readings("test")
            comps = composites(readings, args.n, SEEDS["test"])
        results["splits"][split] = {
            "data": {m: r.source for m, r in readings.items()},
            "models": {m: r.model for m, r in readings.items()},
            "composites": len(comps),
            "by_condition": score(readings, comps, rules),
            "calibration": {name: calibration_of(readings, comps, cfg) for name, cfg in rules.items()},
            "text_only": text_only(readings, rules)}
        print(f"{split}: {len(comps)} composites scored", file=sys.stderr)
    results["seconds"] = round(time.perf_counter() - t0, 1)
    for split in results["splits"]:
        for cond in CONDITIONS:
            row = results["splits"][split]["by_condition"][cond]
            print(f"{split:4s} {cond:16s} " + "  ".join(f"{k} {v['accuracy']:.3f}/{v['macro_f1']:.3f}"
                                                       for k, v in row.items()))
    if args.dry_run:
        print(json.dumps(results["pool"], indent=1))
        return
    write_results(args.results, results, seeds=list(SEEDS.values()), script=__file__, started=started)
    # the version is the fusion recipe's (3: the evidence rule with the eps floor; 4: refit after voice v2)
    settings.update(name="affectkit-late-fusion", version=load_recipe("calibration")["model_version"],
                    method="temperature-scaled probabilities per head; evidence pool (log-linear, each head's "
                           "contaminated log-ratio to its usual reading, floored at log eps; weights and eps fitted "
                           "on dev composites) over the modalities present",
                    pool={**results["pool"], "data": "dev composites: " + "; ".join(results["splits"]["dev"]["data"].values()),
                          "command": COMMAND, "results": "bench/results/fusion_composites.json"})
    write_atomic(args.settings, json.dumps(settings, indent=1) + "\n")
    from calibrate import write_card

    write_card(settings, args.settings.parent, results)


if __name__ == "__main__":
    main()
