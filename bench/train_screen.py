#!/usr/bin/env python
"""Train the screening heads (stress, depression) that ship in src/affectkit/weights/screen.

    python bench/train_stress.py                         # first: the stress network (~40 min on 2 busy cores)
    python bench/train_screen.py                         # -> src/affectkit/weights/screen (minutes on CPU)
    python bench/train_stress.py --debug --out /tmp/s/stress_net && \
    python bench/train_screen.py --debug --out /tmp/s    # tiny subsets, small grid: seconds (a test runs it)

The recipe is src/affectkit/weights/screen/recipe.json unless --recipe names another. Steps
(``affectkit.train.screen``): MiniLM embeddings of every text (cached in $AFFECTKIT_CACHE by the
harness's feature cache); stress: Dreaddit train, a dev split of 15 % of its posts (seed 0); depression:
the Reddit depression set's train/dev (duplicates dropped first); on dev, the grid of both C, the
blend weight (stress: also the share of the fine-tuned network in <out>/stress_net, trained by
bench/train_stress.py on train less this dev split, never refit) and the threshold with the best
binary F1 (stress) / macro-F1 (depression); the
"high" level from the dev probability where precision first reaches ``high_precision``; each head
refit on train + dev; the text markers' means over Dreaddit train (stressed / not) as their
reference. Test splits are never read here: bench/screen_benchmark.py scores them.
Writes the heads, config.json, recipe.json and bench/results/screen_train.json.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402

from affectkit.bench.datasets.text import load_depression_reddit, load_dreaddit  # noqa: E402
from affectkit.bench.features import text_embeddings  # noqa: E402
from affectkit.core.atomic import write_atomic  # noqa: E402
from affectkit.screen.heads import WEIGHTS_DIR  # noqa: E402
from affectkit.screen.markers import text_markers  # noqa: E402
from affectkit.train.recipes import recipe_record, run_source, script_recipe, write_recipe  # noqa: E402
from affectkit.screen.crisis_similarity import PROTOTYPES  # noqa: E402
from affectkit.screen.heads import embed  # noqa: E402
from affectkit.train.screen import (binary_f1, choose, choose_similarity, dreaddit_dev_split,  # noqa: E402
                                    high_threshold, macro_f1, train_head)

MODEL = "affectkit-screen"
VERSION = "2"
DEBUG = {"n_train": 240, "n_dev": 120, "everyday_posts": 40, "grid": {"C_embedding": [0.1], "C_tfidf": [3.0]}}


def marker_reference(texts: list[str], y: np.ndarray) -> dict:
    """Marker -> mean share of words over the stressed and the not-stressed posts."""
    rows = [text_markers([t]) for t in texts]
    out = {}
    for name in rows[0]:
        v = np.array([r[name] if r[name] is not None else np.nan for r in rows], dtype=float)
        out[name] = {"dreaddit_not_stressed": round(float(np.nanmean(v[y == 0])), 4),
                     "dreaddit_stressed": round(float(np.nanmean(v[y == 1])), 4)}
    return out


def fit_task(name, tr_text, y_tr, dev_text, y_dev, emb_tr, emb_dev, metric, params, log, p_net_dev=None):
    t0 = time.perf_counter()
    grid = {k: list(v) for k, v in params["grid"].items()}
    ch = choose(tr_text, y_tr, dev_text, y_dev, emb_tr, emb_dev, metric=metric, grid=grid,
                weights=params["weights"], thresholds=params["thresholds"], p_net_dev=p_net_dev,
                net_weights=params["net_weights"])
    dev_head = train_head(tr_text, y_tr, emb_tr, ch.params)
    p_dev = dev_head.predict_proba(dev_text, emb_dev, p_net_dev)[:, 1]
    high = high_threshold(y_dev, p_dev, ch.params["threshold"], params["high_precision"])
    head = train_head(tr_text + dev_text, np.concatenate([y_tr, y_dev]), np.vstack([emb_tr, emb_dev]), ch.params)
    log(f"{name}: dev {metric.__name__} {ch.dev_score:.4f} with {ch.params}, high from {high:.3f} "
        f"({time.perf_counter() - t0:.0f} s)")
    best_by_weight, best_by_net_weight = {}, {}
    for row in ch.tried:
        w, v = str(row["weight"]), str(row["net_weight"])
        if row["net_weight"] == 0:
            best_by_weight[w] = max(best_by_weight.get(w, 0.0), row["dev"])
        best_by_net_weight[v] = max(best_by_net_weight.get(v, 0.0), row["dev"])
    no_net = [r for r in ch.tried if r["net_weight"] == 0]
    record = {"metric": metric.__name__, "dev": round(ch.dev_score, 4), "chosen": ch.params,
              "high_threshold": round(high, 4), "n_train": len(tr_text), "n_dev": len(dev_text),
              "dev_best_by_weight": best_by_weight,
              "dev_embedding_only": round(max(r["dev"] for r in no_net if r["weight"] == 1.0), 4),
              "dev_tfidf_only": round(max(r["dev"] for r in no_net if r["weight"] == 0.0), 4)}
    if p_net_dev is not None:
        record["dev_best_by_net_weight"] = best_by_net_weight
        record["dev_without_net"] = round(max(r["dev"] for r in no_net), 4)
        record["dev_net_only"] = round(max(r["dev"] for r in ch.tried if r["net_weight"] == 1.0), 4) \
            if 1.0 in params["net_weights"] else None
    return head, high, record


def stress_net_dev(folder: Path, params: dict, dev_text: list[str], log) -> tuple[np.ndarray | None, dict | None]:
    """The stress network's P(stressed) on the dev texts and what its record says of it; checks it
    was trained without the dev posts (same split seed and share). (None, None) when the recipe
    names no network."""
    from affectkit.screen.stress_net import load_net

    if not params["stress_net"]:
        return None, None
    net = load_net(folder / params["stress_net"])
    t = net.meta.get("training", {})
    split = t.get("split", {})
    if (split.get("seed"), split.get("dev_share")) != (params["seed"], params["dev_share"]):
        raise SystemExit(f"train_screen: the stress network in {folder / params['stress_net']} was trained with the dev "
                         f"split {split}, not seed {params['seed']} / dev_share {params['dev_share']}: retrain it "
                         "(python bench/train_stress.py)")
    t0 = time.perf_counter()
    p = net.predict_proba(dev_text, "stress")[:, 1]
    log(f"stress network {net.name} on dev in {time.perf_counter() - t0:.0f} s")
    return p, {"name": net.name, "folder": params["stress_net"], "debug": t.get("debug"), "n_train": t.get("n"),
               "epochs": t.get("epochs"), "history": t.get("history"), "dev": t.get("dev")}


def main(argv: list[str] | None = None) -> int:
    started = run_started()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=WEIGHTS_DIR, help="model folder (default: the shipped one)")
    ap.add_argument("--recipe", help="recipe JSON (default: the shipped recipe.json)")
    ap.add_argument("--debug", action="store_true", help="tiny subsets and a one-point grid (seconds)")
    ap.add_argument("--results", type=Path, help="training record (default bench/results/screen_train.json; "
                                                 "--debug: <out>/screen_train.json)")
    args = ap.parse_args(argv)
    recipe = script_recipe(ap, "screen", args.recipe, {})
    params = dict(recipe["params"])
    if args.debug:
        params["grid"], params["everyday_posts"] = DEBUG["grid"], DEBUG["everyday_posts"]

    def log(msg: str) -> None:
        print(f"train_screen: {msg}", file=sys.stderr, flush=True)

    dr = load_dreaddit("train")
    dev_mask = dreaddit_dev_split(dr.post_id.tolist(), seed=params["seed"], share=params["dev_share"])
    dr_tr, dr_dev = dr[~dev_mask], dr[dev_mask]
    dep_tr, dep_dev = load_depression_reddit("train"), load_depression_reddit("dev")
    if args.debug:
        dr_tr, dr_dev = dr_tr.iloc[:DEBUG["n_train"]], dr_dev.iloc[:DEBUG["n_dev"]]
        dep_tr, dep_dev = dep_tr.sample(DEBUG["n_train"], random_state=0), dep_dev.sample(DEBUG["n_dev"], random_state=0)
    p_net_dev, net_record = stress_net_dev(args.out, params, dr_dev.text.tolist(), log)  # first: it may refuse
    t0 = time.perf_counter()
    if args.debug:  # embed only what the debug run uses
        emb = {k: text_embeddings(d.text.tolist()) for k, d in
               (("dr_tr", dr_tr), ("dr_dev", dr_dev), ("dep_tr", dep_tr), ("dep_dev", dep_dev))}
    else:  # the cache is keyed by whole lists: embed the full sets, then index
        full = text_embeddings(dr.text.tolist())
        emb = {"dr_tr": full[~dev_mask], "dr_dev": full[dev_mask],
               "dep_tr": text_embeddings(dep_tr.text.tolist()), "dep_dev": text_embeddings(dep_dev.text.tolist())}
    log(f"embeddings in {time.perf_counter() - t0:.0f} s")
    heads, records = {}, {}
    stress, s_high, records["stress"] = fit_task(
        "stress", dr_tr.text.tolist(), dr_tr.label.to_numpy(), dr_dev.text.tolist(), dr_dev.label.to_numpy(),
        emb["dr_tr"], emb["dr_dev"], binary_f1, params, log, p_net_dev=p_net_dev)
    records["stress"]["dev_posts"] = int(dr_dev.post_id.nunique())
    records["stress"]["net"] = net_record
    # other communities: Dreaddit's not-stressed posts join as non-depressive (the Reddit set's two
    # classes differ in style, and without them every long Reddit post reads as depressive)
    neg_tr, neg_dev = (dr_tr.label == 0).to_numpy(), (dr_dev.label == 0).to_numpy()
    if not params["other_negatives"]:
        neg_tr[:], neg_dev[:] = False, False
    d_tr_text = dep_tr.text.tolist() + dr_tr.text[neg_tr].tolist()
    d_dev_text = dep_dev.text.tolist() + dr_dev.text[neg_dev].tolist()
    d_y_tr = np.concatenate([dep_tr.label.to_numpy(), np.zeros(int(neg_tr.sum()), int)])
    d_y_dev = np.concatenate([dep_dev.label.to_numpy(), np.zeros(int(neg_dev.sum()), int)])
    dep, d_high, records["depression"] = fit_task(
        "depression", d_tr_text, d_y_tr, d_dev_text, d_y_dev, np.vstack([emb["dep_tr"], emb["dr_tr"][neg_tr]]),
        np.vstack([emb["dep_dev"], emb["dr_dev"][neg_dev]]), macro_f1, params, log)  # no network
    records["depression"]["other_negatives"] = {"train": int(neg_tr.sum()), "dev": int(neg_dev.sum()),
                                                "source": "Dreaddit train posts labelled not stressed"}
    ref = marker_reference(dr.text.tolist() if not args.debug else dr_tr.text.tolist(),
                           dr.label.to_numpy() if not args.debug else dr_tr.label.to_numpy())
    crisis_rows = [json.loads(l) for l in (ROOT / "bench" / "data" / "crisis_posts.jsonl").read_text(
        encoding="utf-8").splitlines() if l]
    c_texts, c_y = [r["text"] for r in crisis_rows], [bool(r["crisis"]) for r in crisis_rows]
    everyday = dr_tr[dr_tr.label == 0].sample(min(params["everyday_posts"], int((dr_tr.label == 0).sum())),
                                              random_state=params["seed"]).text.tolist()
    sim = choose_similarity(c_texts, c_y, embed(c_texts), fp_cost=params["false_flag_cost"], everyday=everyday,
                            max_everyday_rate=params["max_everyday_flag_rate"])
    records["crisis_similarity"] = sim
    log(f"crisis similarity: {sim}")
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / PROTOTYPES.name, json.dumps({
        "source": "bench/data/crisis_posts.jsonl (the crisis dev set, written for this project)",
        "threshold": sim["threshold"], "margin": sim["margin"], "chosen_by": "leave-one-out on that set",
        "prototypes": [{"text": t, "crisis": l} for t, l in zip(c_texts, c_y)]}, indent=1) + "\n")
    stress.save(out / "stress", meta={"task": "stress", "data": "Dreaddit train (train + carved dev); the network: "
                                      "train less dev", "high_threshold": s_high, "marker_reference": ref,
                                      "net": params["stress_net"] if stress.net_weight > 0 else None})
    dep.save(out / "depression", meta={"task": "depression", "data": "Reddit depression set train + dev "
                                       "(deduplicated, stratified 80/10/10, seed 0) + Dreaddit train not-stressed posts "
                                       "as non-depressive", "high_threshold": d_high})
    write_atomic(out / "config.json", json.dumps({"name": MODEL, "version": VERSION, "tasks": ["stress", "depression"],
                                                  "encoder": "all-MiniLM-L6-v2"}, indent=1) + "\n")
    command = "python bench/train_screen.py" + (" --debug" if args.debug else "")
    write_recipe(recipe, out, source=run_source(recipe, command, ROOT))
    results = args.results or ((out / "screen_train.json") if args.debug else ROOT / "bench" / "results" / "screen_train.json")
    write_results(results, {"model": f"{MODEL}@{VERSION}", "debug": args.debug, "tasks": records,
                            "marker_reference": ref, "recipe": recipe_record(recipe, ROOT),
                            "seed": params["seed"], "threads": _threads()},
                  argv=sys.argv[1:] if argv is None else argv, seeds=[params["seed"]], started=started)
    log(f"wrote {out} and {results}")
    return 0


def _threads() -> int:
    import torch

    return torch.get_num_threads()


if __name__ == "__main__":
    sys.exit(main())
