#!/usr/bin/env python
"""Train the stress network of the screening model: LoRA adapters on the bundled MiniLM and a
two-class head, in the text model's form (``TextModel``: config.json + weights.safetensors).

    python bench/train_stress.py                        # -> src/affectkit/weights/screen/stress_net
    python bench/train_stress.py --debug --out /tmp/s   # tiny data, one epoch, one layer: a test runs it

The recipe is src/affectkit/weights/screen/stress_net/recipe.json unless --recipe names another;
flags override single fields. Data: Dreaddit train less the screening dev split (the same
posts bench/train_screen.py holds out: ``dreaddit_dev_split`` with the recipe's seed and
dev_share, which must match the screen recipe's). The network is trained with the text
model's trainer (``affectkit.train.text.train``: frozen bottom layers cached, the top
``n_top`` adapted); after each epoch the dev binary F1 is recorded (at 0.5 and at the best
threshold), to show how it moves, not to stop early (fixed epochs). The net is NOT refit on
train + dev: bench/train_screen.py needs its dev probabilities to choose the blend weight and
threshold. Test is never read here. Writes the model, its recipe and bench/results/stress_train.json.
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
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.core.atomic import write_atomic  # noqa: E402
from affectkit.bench.datasets.text import load_dreaddit  # noqa: E402
from affectkit.recognize.text_model import TextModel  # noqa: E402
from affectkit.recognize.text_net import NetConfig, TaskSpec, TextNet  # noqa: E402
from affectkit.screen.stress_net import LABELS, STRESS_NET_DIR, TASK  # noqa: E402
from affectkit.train.recipes import load_recipe, recipe_record, run_source, script_recipe, write_recipe  # noqa: E402
from affectkit.train.screen import binary_f1, dreaddit_dev_split  # noqa: E402
from affectkit.train.text import Source, train  # noqa: E402

NAME = "affectkit-screen-stress-net"
DEBUG_OVERRIDES = {"epochs": 1, "n_top": 1, "rank": 4, "max_len": 64}
DEBUG_ROWS = (96, 48)  # train, dev rows in --debug


def dev_scores(y: np.ndarray, p: np.ndarray) -> dict:
    """Dev binary F1 at 0.5 and at the best threshold of a 0.05 grid (0.3 ... 0.7)."""
    grid = np.round(np.arange(0.3, 0.71, 0.05), 2)
    by_t = {float(t): binary_f1(y, (p >= t).astype(int)) for t in grid}
    best = max(by_t, key=lambda t: (by_t[t], -abs(t - 0.5)))
    return {"dev_f1_at_0.5": round(by_t[0.5], 4), "dev_f1_best": round(by_t[best], 4), "best_threshold": best}


def net_probability(net: TextNet, texts: list[str], batch_size: int = 32) -> np.ndarray:
    """P(stressed) from a network under training (not merged), in order."""
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros(len(texts), dtype=np.float32)
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            logits = net(**net.tokenize([(texts[i], "") for i in idx]))[TASK]
            out[idx] = torch.softmax(logits, -1)[:, 1].numpy()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=STRESS_NET_DIR, help="model folder (default: the shipped one)")
    ap.add_argument("--results", type=Path, default=ROOT / "bench" / "results" / "stress_train.json")
    ap.add_argument("--recipe", metavar="FILE", help="the recipe (default: the shipped stress_net/recipe.json)")
    for flag, kind in (("--seed", int), ("--epochs", int), ("--lr", float), ("--batch-size", int),
                       ("--n-top", int), ("--rank", int), ("--alpha", float), ("--max-len", int),
                       ("--smoothing", float), ("--threads", int)):
        ap.add_argument(flag, type=kind, help="(default: the recipe's)")
    ap.add_argument("--debug", action="store_true", help="tiny data, one epoch, one small layer: seconds")
    args = ap.parse_args(argv)
    started = run_started()
    if args.debug and args.out == STRESS_NET_DIR:
        ap.error("--debug needs --out (it must not replace the shipped network)")
    flags = ("seed", "epochs", "lr", "batch_size", "n_top", "rank", "alpha", "max_len", "smoothing", "threads")
    given = {k: getattr(args, k) for k in flags if getattr(args, k) is not None}
    doc = script_recipe(ap, "stress", args.recipe, {**(DEBUG_OVERRIDES if args.debug else {}), **given})
    p = doc["params"]
    screen = load_recipe("screen")["params"]
    if (p["seed"], p["dev_share"]) != (screen["seed"], screen["dev_share"]):
        ap.error(f"the dev split (seed {p['seed']}, dev_share {p['dev_share']}) differs from the screen recipe's "
                 f"(seed {screen['seed']}, dev_share {screen['dev_share']}): the blend would be chosen on trained rows")
    if p["threads"]:
        torch.set_num_threads(p["threads"])
    torch.manual_seed(p["seed"])

    dr = load_dreaddit("train")
    dev_mask = dreaddit_dev_split(dr.post_id.tolist(), seed=p["seed"], share=p["dev_share"])
    tr, dev = dr[~dev_mask], dr[dev_mask]
    if args.debug:
        tr, dev = tr.iloc[:DEBUG_ROWS[0]], dev.iloc[:DEBUG_ROWS[1]]
    x_tr, y_tr = tr.text.tolist(), tr.label.to_numpy()
    x_dev, y_dev = dev.text.tolist(), dev.label.to_numpy()

    def log(msg: str) -> None:
        print(f"train_stress: {msg}", file=sys.stderr, flush=True)

    config = NetConfig(n_top=p["n_top"], rank=p["rank"], alpha=p["alpha"], dropout=p["dropout"], max_len=p["max_len"],
                       max_context=p["max_context"], tasks=[TaskSpec(TASK, LABELS)])
    net = TextNet(config)
    t0 = time.time()
    run = train(net, [Source("dreaddit", [(t, "") for t in x_tr], {TASK: y_tr})], epochs=p["epochs"], lr=p["lr"],
                batch_size=p["batch_size"], seed=p["seed"], smoothing=p["smoothing"], weight_decay=p["weight_decay"],
                warmup=p["warmup"], clip_norm=p["clip_norm"], log=log,
                on_epoch=lambda epoch, n: dev_scores(y_dev, net_probability(n, x_dev)))
    training = {"data": "Dreaddit train less the screening dev split (by post)", "n": len(x_tr), "n_dev": len(x_dev),
                "split": {"seed": p["seed"], "dev_share": p["dev_share"], "dev_posts": int(dev.post_id.nunique())},
                "seed": p["seed"], "epochs": p["epochs"], "lr": p["lr"], "batch_size": p["batch_size"],
                "seconds": round(time.time() - t0, 1), "debug": args.debug,
                "machine": f"{platform.machine()} CPU, {torch.get_num_threads()} threads",
                "history": run["history"], "affectkit_version": __version__,
                "shipped_parameters": int(sum(v.numel() for v in net.trainable_state().values())),
                "recipe": recipe_record(doc, ROOT)}
    TextModel(net, {"name": NAME, "version": doc["model_version"] if not args.debug else "debug",
                    "training": training}).save(args.out)
    command = "python bench/train_stress.py" + "".join(" " + a for a in (argv if argv is not None else sys.argv[1:]))
    write_recipe(doc, args.out, source=run_source(doc, command, ROOT))
    shipped = TextModel.load(args.out)  # what ships (fp16, merged): its dev scores
    final = dev_scores(y_dev, shipped.predict_proba(x_dev, TASK)[:, 1])
    training["dev"] = final
    cfg = json.loads((args.out / "config.json").read_text(encoding="utf-8"))
    cfg["training"]["dev"] = final  # the shipped network's own dev scores, beside its weights
    write_atomic(args.out / "config.json", json.dumps(cfg, indent=2, sort_keys=True) + "\n")
    record = {"command": command, "model": f"{NAME}@{shipped.meta['version']}", "recipe": training["recipe"],
              "protocol": "Dreaddit train less the dev split for fitting; dev (15 % of train posts, seed 0) "
                          "for the per-epoch record; test not read", "training": training}
    results = args.out / "stress_train.json" if args.debug else args.results
    write_results(results, record, argv=argv, seeds=[p["seed"]], script=__file__, started=started, indent=2)
    log(f"dev {final}; wrote {args.out} and {results}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
