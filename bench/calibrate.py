#!/usr/bin/env python
"""Fit the temperature of each emotion head on held-out data and write the fusion settings.

    python bench/calibrate.py                 # text + voice -> src/affectkit/weights/fusion/calibration.json
                                              #                 and bench/results/calibration.json
    python bench/calibrate.py --heads voice   # refit one head; the others' entries are kept

The recipe (which heads, the temperature bounds, the fusion weights and conflict thresholds) is
src/affectkit/weights/fusion/recipe.json, the shipped settings' one, unless --recipe names
another; --heads overrides its field; the recipe used is written beside the settings
(recipe.json) and into the results file.

Text (the bundled model's ``emotion`` head): MELD dev (1,109 utterances, each read with its
dialogue context, as bench/text_eval does); the fitted T is then checked on MELD test.
Face (the bundled FER2013 CNN): fit on PublicTest, checked on PrivateTest.
Voice (the shipped EmoDB recipe): out-of-fold probabilities of leave-one-speaker-out under the
strict protocol (each file scored by a head that never heard its speaker). EmoDB has no
held-out speakers beyond these folds, so the "held out" figure fits T on the other nine
speakers' out-of-fold scores and applies it to the tenth, for each speaker in turn.

Figures: NLL (mean -log p of the true class) and ECE (15 equal-width confidence bins, top
label; Guo et al., 2017), before and after. Fusion weights and conflict thresholds are priors
stated in the recipe (see WEIGHTS_NOTE), not fitted: there is no recording with both text and voice
labelled in ../shared/data.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):  # BLAS threads thrash on small CPUs
    os.environ.setdefault(_v, "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.metrics import expected_calibration_error  # noqa: E402
from affectkit.recognize.calibrate import fit_temperature, negative_log_likelihood, temperature_scale  # noqa: E402
from affectkit.recognize.fusion import CONFIG_FILE  # noqa: E402
from affectkit.train.recipes import recipe_record, run_source, script_recipe, write_recipe  # noqa: E402

COMMAND = "python bench/calibrate.py"
N_BINS = 15  # ECE bins: part of the metric's definition (the "ece15" figures), not of the recipe

# The weights (relative, renormalised over the modalities present) and the conflict thresholds are
# the recipe's (weights/fusion/recipe.json); these notes say why they are what they are.
WEIGHTS_NOTE = (
    "A prior, not fitted: ../shared/data holds no recording labelled for both text and voice, so "
    "the weights cannot be learned or checked on paired data here. The text head was trained and "
    "calibrated on English conversation (MELD); the voice head on 10 German actors' acted speech "
    "(EmoDB), so on any other speech it is out of its domain; and published MELD results put "
    "audio-only models below text-only ones. Hence text counts twice as much as voice. Each "
    "head's strength per utterance comes from its calibrated confidence.")
# Conflict: two modalities' top labels differ and their distributions are this far apart
# (Jensen-Shannon divergence in bits, 0..1), or one reads clearly positive and another clearly
# negative (valence = P(positive) - P(negative), each beyond +-valence).
CONFLICT_NOTE = ("Chosen by hand, not fitted (no paired data). JSD 0.35 bits is reached when two heads "
                 "each put 0.6 on different labels (the rest spread evenly over the 7: 0.35; 0.7 each: "
                 "0.48; 0.5 each: 0.24), not when they rank the same two labels the other way round "
                 "(0.4/0.3 against 0.3/0.4: 0.01). Valence 0.35: e.g. positive 0.6 and negative 0.25.")


def scores(probs: np.ndarray, y: np.ndarray) -> dict:
    return {"nll": round(negative_log_likelihood(probs, y), 4),
            "ece15": round(expected_calibration_error(probs, y, N_BINS), 4),
            "accuracy": round(float(np.mean(probs.argmax(1) == y)), 4),
            "mean_confidence": round(float(probs.max(1).mean()), 4)}


def before_after(probs: np.ndarray, y: np.ndarray, t: float) -> dict:
    return {"before": scores(probs, y), "after": scores(temperature_scale(probs, t), y)}


def calibrate_text(limit: int | None, p: dict) -> dict:
    from affectkit.bench.datasets import load_meld
    from affectkit.recognize.text_model import bundled_text_model

    model = bundled_text_model()
    labels = list(model.tasks()["emotion"])
    out = {"model": model.name, "task": "emotion", "labels": labels}
    splits = {}
    for split in ("dev", "test"):
        df = load_meld(split)
        if limit:
            df = df.iloc[:limit]
        t0 = time.perf_counter()
        probs = model.predict_proba(df.text.tolist(), "emotion", speakers=df.speaker.tolist(),
                                    dialogue_ids=df.dialogue_id.tolist())
        print(f"text: MELD {split}, {len(df)} utterances in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        splits[split] = (probs, np.asarray([labels.index(e) for e in df.emotion]))
    t = fit_temperature(*splits["dev"], bounds=tuple(p["t_bounds"]))
    out.update(temperature=round(t, 4),
               data=f"MELD dev ({len(splits['dev'][1])} utterances, official split), each utterance with "
                    "up to 3 earlier utterances of its dialogue as context",
               fit=before_after(*splits["dev"], t),
               held_out={"data": f"MELD test ({len(splits['test'][1])} utterances), T from dev",
                         **before_after(*splits["test"], t)})
    return out


def calibrate_voice(limit: int | None, p: dict) -> dict:
    from affectkit.bench.voice_shift import out_of_fold, recipe_matrices
    from affectkit.recognize.voice_affect import bundled_voice_head, voice_model_name
    from affectkit.train.recipes import load_recipe

    voice = load_recipe("voice")["params"]  # the shipped head's recipe (augmentation included), refit per fold
    t0 = time.perf_counter()
    df, X, X_aug, recipe, _ = recipe_matrices(voice, limit_per_speaker_class=limit)
    print(f"voice: EmoDB features for {len(df)} files ({recipe.copies} altered copies each) in "
          f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    t0 = time.perf_counter()
    res = out_of_fold(recipe, df, X, X_aug)
    print(f"voice: leave-one-speaker-out in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    labels = res["labels"]
    probs, y = res["proba"], np.asarray([labels.index(e) for e in res["truth"]])
    spk = df.speaker.to_numpy()
    t = fit_temperature(probs, y, bounds=tuple(p["t_bounds"]))
    nested, per_speaker = np.empty_like(probs), {}
    for s in sorted(set(spk)):
        m = spk == s
        ts = fit_temperature(probs[~m], y[~m], bounds=tuple(p["t_bounds"]))
        nested[m] = temperature_scale(probs[m], ts)
        per_speaker[s] = round(ts, 4)
    head = bundled_voice_head()
    if sorted(str(c) for c in head.classes_) != labels:
        raise SystemExit(f"the shipped voice head's classes {list(head.classes_)} differ from its recipe's {labels}")
    return {"model": voice_model_name(head), "task": "emotion", "labels": labels, "temperature": round(t, 4),
            "data": f"EmoDB ({len(df)} files, {len(set(spk))} speakers): out-of-fold probabilities of "
                    "leave-one-speaker-out, strict protocol (the shipped recipe with its augmentation and "
                    "label mapping, refit per fold)",
            "loso_uar": res["uar"],
            "fit": before_after(probs, y, t),
            "held_out": {"data": "each speaker calibrated with T fit on the other speakers' out-of-fold scores",
                         "temperature_per_speaker": per_speaker,
                         "before": scores(probs, y), "after": scores(nested, y)}}


def calibrate_face(limit: int | None, p: dict) -> dict:
    from affectkit.bench.datasets.face import load_fer2013
    from affectkit.recognize.face_affect import bundled_face_model, face_model_name

    model = bundled_face_model()
    labels = list(model.labels)
    splits = {}
    for split in ("PublicTest", "PrivateTest"):
        x, y = load_fer2013(split, limit)
        t0 = time.perf_counter()
        probs = model.predict_proba(x)
        print(f"face: FER2013 {split}, {len(y)} crops in {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        splits[split] = (probs, np.asarray(y))
    t = fit_temperature(*splits["PublicTest"], bounds=tuple(p["t_bounds"]))
    n_val, n_test = len(splits["PublicTest"][1]), len(splits["PrivateTest"][1])
    return {"model": face_model_name(model), "task": "emotion", "labels": labels, "temperature": round(t, 4),
            "data": f"FER2013 PublicTest ({n_val} crops, official split; it also chose the training epoch)",
            "fit": before_after(*splits["PublicTest"], t),
            "held_out": {"data": f"FER2013 PrivateTest ({n_test} crops), T from PublicTest",
                         **before_after(*splits["PrivateTest"], t)}}


HEADS = {"text": calibrate_text, "voice": calibrate_voice, "face": calibrate_face}

CARD = """# Late fusion of the emotion heads ({name}@{version})

How `affectkit analyze` turns each modality's emotion reading into one answer per utterance
(`recognize/fusion.py`; settings in `calibration.json`: the temperatures written by `{command}`,
the evidence rule's `pool` by `python bench/fusion_composites.py`, which reads those temperatures:
rerun it after refitting them).
Its recipe (which heads, the temperature bounds, the fusion weights and conflict thresholds) is
`recipe.json` beside it; the script reads it by default.

1. **Calibrate** each head by temperature scaling: p -> softmax(log p / T), one T per head, fit by
   minimising the negative log-likelihood on held-out data. The label never changes, only the
   confidence.
2. **Map to the 7 canonical emotions.** Mass on a head's extra labels (the voice head's EmoDB
   `boredom`) is an abstention: the head's scores are renormalised over its canonical labels and
   its strength is multiplied by (1 - that mass) (linear rule; to that power in the evidence
   rule). A canonical label a head cannot express (the voice head has no `surprise`) is an
   abstention too: the head neither confirms nor denies a surprise the words show (linear rule:
   it takes the consensus of the heads that can express it; evidence rule: evidence 0).
3. **Pool**, over the modalities present (a missing or unusable one is left out, never guessed).
{pool_rule}
4. **Conflict** when two modalities' top labels differ and the Jensen-Shannon divergence of their
   distributions is at least {jsd} bits, or one reads positive and the other negative (valence
   P(joy) - P(anger, disgust, fear, sadness), or positive - negative sentiment for the text,
   beyond +-{valence}).

## Calibration (T per head)

<!-- figures: bench/results/calibration.json#heads +ints -->
| head | model | held-out data for T | T | NLL before -> after | ECE (15 bins) before -> after |
|---|---|---|---|---|---|
{rows}

ECE: expected calibration error of the top label, 15 equal-width confidence bins (Guo et al., 2017).

{pool_section}## Weights of the linear rule (prior, relative; renormalised over the modalities present)

{weights}

{weights_note}

Conflict thresholds: {conflict_note}

## Limits

- The voice head's T was fit on EmoDB (German, acted, 10 speakers, 2 s clips), where it is
  accurate (out-of-fold accuracy {voice_acc}) and {voice_conf} (T = {voice_t:.2f} {voice_dir} it).
  On other speech it is out of its domain and less accurate than there, so its calibrated
  confidence is optimistic. No recording in `../shared/data` is labelled in two modalities:
  the fusion is fit and checked on composites of single-modality readings, which are
  independent given the emotion; real modalities are not, and a real voice is rarely as
  clear as EmoDB's actors (its evidence weight was fit where it is). The contamination floor
  bounds how far one head speaks *against* a label; it does not lower the weight of a head that
  is confidently wrong out of its domain: in the bundled examples espeak's synthetic voice sounds
  angry to the voice head and wins its conflicts with the words (flagged). A weight that falls
  with distance from the voice head's domain would need labelled non-EmoDB speech, which is not here.
- The text head's T was fit on MELD (conversational English, *Friends*); other registers (clinical
  interviews, meetings) may call for another T.
- The face head's T was fit on FER2013 PublicTest, the split that also chose its training epoch,
  and checked on PrivateTest. FER2013 crops are tight, frontal web photos; a face found by the
  Haar detector in a video frame is framed differently, and one utterance averages many frames.
"""


LINEAR_RULE = """   **Linear rule** (`linear`): the weighted mean of the calibrated distributions (a linear
   opinion pool) with the prior weights below, each times (1 - the head's abstention mass).
   `modality_weights` in the record is each modality's share after renormalisation."""

EVIDENCE_RULE = """   **Evidence rule** (`evidence`, the shipped one): each head's reading becomes evidence, the
   log-ratio of its calibrated probability to its *usual* reading (its mean calibrated reading on
   its own dev data): log q(y) - log prior(y); a label the head cannot express gets 0 (likelihood
   ratio 1). A head can be wrong (a voice out of its domain, a still photo that smiles), so each
   likelihood ratio r = q(y) / prior(y) is *contaminated*: with probability eps the head's reading
   is taken to say nothing, and its evidence is log(eps + (1 - eps) r), close to log r where the
   head speaks for a label and never below log eps where it speaks against one. Without that
   floor (fusion@2) one confident head's evidence against the other's label was unbounded, and a
   two-head conflict could fuse to a third label neither head ranked first (joy words and an
   "angry" voice fused to surprise). Fused log-scores = a neutral bias + the sum over heads of
   evidence x evidence weight x (1 - abstention mass) ^ power; a softmax makes them probabilities
   (a log-linear pool of robust experts, Bayes' rule for heads independent given the emotion). A text head that says neutral
   0.6 where it says neutral 0.42 on average brings little evidence: neutral words no longer
   veto a voice and a face that agree. `modality_weights` is each head's share of the evidence:
   evidence weight x (1 - abstention mass) ^ power x how far its reading is from its usual one
   (KL divergence, bits), renormalised. One modality alone is exactly its calibrated reading."""

CONDITION_NAMES = {"all_agree": "all agree", "words_neutral": "words neutral, voice + face agree",
                   "one_missing": "one modality missing", "one_contradicts": "one modality contradicts",
                   "all_neutral": "all neutral"}


def pool_section(config: dict, results: dict | None) -> str:
    """The card's section on the evidence rule: its parameters, what they were fit on, and the
    table by condition (bench/fusion_composites.py's results)."""
    pool = config.get("pool")
    if not pool or pool.get("rule") != "evidence" or not results:
        return ""
    p = results["pool"]
    ew = ", ".join(f"{m} {w:.2f}" for m, w in p["evidence_weights"].items())
    usual = "; ".join(f"{m}: " + ", ".join(f"{l} {v:.2f}" for l, v in pr.items()) for m, pr in p["priors"].items())
    lines = ["## The evidence rule: parameters and what they were fit on", "",
             f"<!-- figures: bench/results/fusion_composites.json#pool -->",
             f"Evidence weights {ew}; neutral bias {p['neutral_bias']:.2f}; abstention power "
             f"{p['abstain_power']:.2f}; contamination eps {p.get('contamination', 0.0):.3f} (a head's evidence "
             f"against a label is at least log eps; eps fitted within {p['fit'].get('contamination_bounds', '-')}); "
             f"fit by `{results['command']}` "
             f"(L-BFGS-B, mean NLL {p['fit']['dev_nll_start']:.3f} -> {p['fit']['dev_nll']:.3f}) on the dev composites only.",
             "", "<!-- figures: bench/results/fusion_composites.json#pool.priors -->",
             f"Usual readings (mean calibrated reading on each head's dev pool): {usual}.", "",
             "Composites (no recording here is labelled in two modalities): one real reading per modality "
             "of items with known labels, words from MELD, a voice from EmoDB (out-of-fold: the shipped "
             "recipe refit without the file's speaker), a face from FER2013. Dev: "
             + "; ".join(results["splits"]["dev"]["data"].values()) + ". Test, read once after the fit: "
             + "; ".join(results["splits"]["test"]["data"].values()) + ".", "",
             "Test composites, accuracy / macro-F1 (macro over the condition's true labels); conflict: share "
             "flagged; no head's top: share whose fused label no present head ranks first. `evidence@2` is "
             "the rule without contamination (fusion@2, refit the same way). The test composites are read "
             "once per fusion version from fusion@2 on (after each refit on dev, a head having changed); "
             "nothing was chosen on them.", "",
             "<!-- figures: bench/results/fusion_composites.json#splits.test +ints -->",
             "| condition | n | linear (before) | evidence@2 (before) | evidence (new) | conflict (new) "
             "| no head's top: @2 -> new | text alone | voice alone | face alone |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    table = results["splits"]["test"]["by_condition"]
    for cond, label in CONDITION_NAMES.items():
        row = table[cond]
        cells = [f"{row[r]['accuracy']:.3f} / {row[r]['macro_f1']:.3f}" if r in row else "-"
                 for r in ("linear (before)", "evidence@2 (before)", "evidence (new)")]
        alone = [f"{row[f'{m} alone']['accuracy']:.3f}" if f"{m} alone" in row else "-" for m in ("text", "voice", "face")]
        outside = (f"{row['evidence@2 (before)']['no_head_top']:.3f} -> {row['evidence (new)']['no_head_top']:.3f}"
                   if "evidence@2 (before)" in row else "-")
        lines.append(f"| {label} | {row['evidence (new)']['n']} | " + " | ".join(cells) + " | "
                     f"{row['evidence (new)']['conflict_rate']:.3f} | {outside} | " + " | ".join(alone) + " |")
    t = results["splits"]["test"]["text_only"]
    lines += ["", "<!-- figures: bench/results/fusion_composites.json#splits.test.text_only +ints -->",
              f"Words alone (all {t['text alone']['n']} MELD test utterances): accuracy "
              f"{t['text alone']['accuracy']:.4f} and weighted F1 {t['text alone']['weighted_f1']:.4f} for the text head, "
              f"{t['evidence (new)']['accuracy']:.4f} and {t['evidence (new)']['weighted_f1']:.4f} fused: one modality is "
              "that modality.", ""]
    return "\n".join(lines) + "\n"


def write_card(config: dict, folder: Path, results: dict | None = None) -> None:
    """MODEL_CARD.md beside calibration.json, from its figures (and the composites' results
    for the evidence rule: bench/results/fusion_composites.json unless given)."""
    if results is None and (ROOT / "bench" / "results" / "fusion_composites.json").is_file():
        results = json.loads((ROOT / "bench" / "results" / "fusion_composites.json").read_text())
    evidence_rule = (config.get("pool") or {}).get("rule") == "evidence"
    rows = []
    for head, c in config["calibration"].items():
        for name, part in (("fit", c["fit"]), ("held out", c["held_out"])):
            b, a = part["before"], part["after"]
            data = c["data"] if name == "fit" else part.get("data", "")
            t = f"{config['temperatures'][head]:.3f}" if name == "fit" else "see data"
            rows.append(f"| {head} ({name}) | {c['model']} | {data} | {t} | "
                        f"{b['nll']:.3f} -> {a['nll']:.3f} | {b['ece15']:.3f} -> {a['ece15']:.3f} |")
    weights = ", ".join(f"{m} {w:g}" for m, w in config["weights"].items()) + "; any other modality 1."
    voice_t = config["temperatures"].get("voice", 1.0)
    voice_fit = config["calibration"].get("voice", {}).get("fit", {}).get("before", {})
    (folder / "MODEL_CARD.md").write_text(CARD.format(
        voice_acc=voice_fit.get("accuracy", "n/a"), voice_t=voice_t,
        voice_conf="under-confident" if voice_t < 1 else "over-confident",
        voice_dir="sharpens" if voice_t < 1 else "softens",
        name=config["name"], version=config["version"], command=config["command"],
        jsd=config["conflict"]["jsd_bits"], valence=config["conflict"]["valence"], rows="\n".join(rows),
        weights=weights, weights_note=config["weights_note"], conflict_note=config["conflict_note"],
        pool_rule=(EVIDENCE_RULE + "\n\n" + LINEAR_RULE.replace("(`linear`)", "(`linear`, the rule before, kept as a baseline)"))
        if evidence_rule else LINEAR_RULE,
        pool_section=pool_section(config, results) if evidence_rule else ""))


def recipe_after(doc: dict, heads: list[str], folder: Path, command: str) -> tuple[dict, Path, str]:
    """What ``write_recipe`` gets: a run of every head writes its recipe as run; a run of some heads
    (``--heads voice``) keeps the recipe's full list of heads and its history, and appends this run,
    so the recipe still says what rebuilds all of calibration.json."""
    if set(heads) == set(HEADS) or not (folder / "recipe.json").is_file():
        return doc, folder, run_source(doc, command, ROOT)
    before = json.loads((folder / "recipe.json").read_text())
    doc = {**doc, "params": {**doc["params"], "heads": before["params"]["heads"]}}
    return doc, folder, (f"{before.get('source', '')}; then `{command}` ({time.strftime('%Y-%m-%d')}) "
                         f"refit {', '.join(heads)}, the other heads' entries kept")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--heads", default=None, help="comma-separated: text, voice, face (default: the recipe's, all)")
    ap.add_argument("--recipe", metavar="FILE", default=None,
                    help="the recipe (default: src/affectkit/weights/fusion/recipe.json, the shipped settings')")
    ap.add_argument("--limit", type=int, help="debug: first N MELD utterances / N EmoDB files per speaker and class")
    shipped = ROOT / "src" / "affectkit" / "weights" / "fusion" / CONFIG_FILE
    ap.add_argument("--out", type=Path, default=shipped)
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "calibration.json")
    ap.add_argument("--card-only", action="store_true", help="rewrite MODEL_CARD.md from the existing settings")
    args = ap.parse_args(argv)
    started = run_started()
    if args.card_only:
        write_card(json.loads(args.out.read_text()), args.out.parent)
        return
    results_dir = (ROOT / "bench" / "results").resolve()
    if args.limit and (args.out.resolve() == shipped.resolve() or args.results.parent.resolve() == results_dir):
        ap.error("--limit is a debug run: give --out and --results outside the shipped settings and bench/results")
    doc = script_recipe(ap, "calibration", args.recipe,
                        {"heads": None if args.heads is None else [h.strip() for h in args.heads.split(",") if h.strip()]})
    p = doc["params"]
    heads = p["heads"]
    unknown = [h for h in heads if h not in HEADS]
    if unknown:
        ap.error(f"unknown head(s) {unknown}; known: {', '.join(HEADS)}")
    old = json.loads(args.out.read_text()) if args.out.is_file() else {}
    results = json.loads(args.results.read_text()) if args.results.is_file() and not args.limit else {}
    t0 = time.perf_counter()
    fitted = {h: HEADS[h](args.limit, p) for h in heads}
    # heads kept from an earlier run keep that run's provenance
    earlier = results.pop("provenance", None)
    kept = {h: results.get("earlier_provenance", {}).get(h) or earlier
            for h in results.get("heads", {}) if h not in fitted}
    results.pop("earlier_provenance", None)
    if kept:
        results["earlier_provenance"] = kept
    config = {"format": 1, "kind": "LateFusion", "name": "affectkit-late-fusion", "version": old.get("version", "1"),
              "method": old.get("method", "temperature-scaled probabilities per head; weighted mean over the "
                                          "modalities present"),
              "temperatures": {**old.get("temperatures", {}), **{h: r["temperature"] for h, r in fitted.items()}},
              "calibration": {**old.get("calibration", {}),
                              **{h: {"model": r["model"], "data": r["data"], "fit": r["fit"],
                                     "held_out": {k: v for k, v in r["held_out"].items()
                                                  if k != "temperature_per_speaker"}}
                                 for h, r in fitted.items()}},
              "weights": {**old.get("weights", {}), **p["weights"]},
              "weights_note": WEIGHTS_NOTE, "conflict": dict(p["conflict"]), "conflict_note": CONFLICT_NOTE,
              "command": COMMAND, "affectkit_version": __version__}
    if old.get("pool"):  # the evidence rule's parameters (bench/fusion_composites.py): refit them after new T's
        config["pool"] = old["pool"]
    if args.limit:
        config["debug_limit"] = args.limit
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(config, indent=1) + "\n")
    write_card(config, args.out.parent)
    command = COMMAND + "".join(" " + a for a in (argv if argv is not None else sys.argv[1:]))
    written = recipe_after(doc, heads, args.out.parent, command)
    write_recipe(*written)
    doc = written[0]  # the results record states the recipe as written (its overrides say what this run did)
    results.update({"recipe": recipe_record(doc, ROOT), "benchmark": "calibration of the emotion heads (temperature scaling)", "command": COMMAND,
                    "metrics": {"nll": "mean -log p(true class), natural log",
                                "ece15": "expected calibration error, top label, 15 equal-width bins"},
                    "affectkit_version": __version__, "machine": f"{platform.machine()}, {os.cpu_count()} CPU",
                    "heads": {**results.get("heads", {}), **fitted},
                    "seconds": round(time.perf_counter() - t0, 1)})
    if args.limit:
        results["debug_limit"] = args.limit
    write_results(args.results, results, script=__file__, started=started)
    for h, r in fitted.items():
        print(f"{h}: T = {r['temperature']:.3f}; fit {r['fit']['before']} -> {r['fit']['after']}; "
              f"held out {r['held_out']['before']} -> {r['held_out']['after']}")


if __name__ == "__main__":
    main()
