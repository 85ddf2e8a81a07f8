#!/usr/bin/env python
"""Score an LLM on the text emotion tasks: MELD test (7 emotions, weighted F1) and CARER test
(its 6 labels, accuracy), with the metrics of every other model and the parse failure rate;
and open-vocabulary on GoEmotions test (the model's own emotion words, mapped to the 7
canonical labels, scored with set-based precision / recall / F1 against each row's labels
grouped by GoEmotions' Ekman map).

    python bench/llm_eval.py --model llm:http://127.0.0.1:8080/v1#qwen2.5-7b-instruct
    python bench/llm_eval.py --model llm:local --limit 500            # the bundled Gemma 3 270M (a floor)
    python bench/llm_eval.py --model llm:URL#MODEL --k-shot 8 --cot --task meld
    python bench/llm_eval.py --model llm:URL#MODEL --task goemotions --limit 1000   # open vocabulary
    # -> bench/results/llm_<model>_<task>[_k8][_cot][_n500].json

Protocol: each utterance alone (no dialogue context), one request per text, temperature 0 and
seed 0; k-shot examples drawn from the train split (seeded, one per class in turn); ``--limit N``
scores a seeded random subset of N test items (the file name says so); a reply without a
label counts as wrong. Replies are cached ($AFFECTKIT_CACHE/llm): a rerun costs nothing, and
``seconds``/``texts_per_second`` then measure the cache, so time a model with --no-cache.
"""
from __future__ import annotations

import argparse
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

from affectkit import __version__  # noqa: E402
from affectkit.bench.datasets.text import load_carer, load_goemotions, load_meld  # noqa: E402
from affectkit.core.labels import GOEMOTIONS_TO_EMOTION  # noqa: E402
from affectkit.bench.llm_classifier import evaluate_llm, evaluate_open_vocab, make_llm_model  # noqa: E402

# task -> (loader, label column, train split, the headline metric its papers report)
TASKS = {"meld": (load_meld, "emotion", "train", "weighted_f1"), "carer": (load_carer, "label", "train", "accuracy")}


def score_open(spec: str, *, limit: int | None = None, seed: int = 0, cache: bool = True, concurrency: int = 4,
               timeout: float = 60.0) -> dict:
    """Open-vocabulary emotion words on GoEmotions test, against each row's canonical label set."""
    test = load_goemotions("test")
    if limit and limit < len(test):
        test = test.iloc[np.sort(np.random.default_rng(seed).choice(len(test), limit, replace=False))]
    refs = [{GOEMOTIONS_TO_EMOTION[f] for f in labels} for labels in test["labels"]]
    backend = make_llm_model(spec, seed=seed, cache=None if cache else False, concurrency=concurrency,
                             timeout=timeout).backend_()
    start = time.perf_counter()
    res = evaluate_open_vocab(backend, test["text"].tolist(), refs)
    seconds = time.perf_counter() - start
    res.pop("answers")  # the words are in the cache; the file keeps the scores
    res.pop("predicted")
    return {"task": "goemotions", "split": "test", "protocol": "open vocabulary -> canonical label sets",
            "headline": "sample_f1", "score": res["sample_f1"], **res, "spec": spec, "limit": limit, "seed": seed,
            "seconds": round(seconds, 2), "texts_per_second": round(len(test) / seconds, 3) if seconds else None,
            "cache": cache, "affectkit_version": __version__, "python": platform.python_version(),
            "machine": platform.machine()}


def score(spec: str, task: str, *, limit: int | None = None, k_shot: int = 0, cot: bool = False, seed: int = 0,
          cache: bool = True, concurrency: int = 4, timeout: float = 60.0) -> dict:
    load, column, train_split, headline = TASKS[task]
    test = load("test")
    if limit and limit < len(test):
        test = test.iloc[np.sort(np.random.default_rng(seed).choice(len(test), limit, replace=False))]
    train = load(train_split)
    clf = make_llm_model(spec, k_shot=k_shot, chain_of_thought=cot, seed=seed, cache=None if cache else False,
                         concurrency=concurrency, timeout=timeout)
    clf.fit(train["text"].tolist(), train[column].tolist())
    start = time.perf_counter()
    res = evaluate_llm(clf, test["text"].tolist(), test[column].tolist())
    seconds = time.perf_counter() - start
    return {"task": task, "split": "test", "protocol": "utterance alone, no context", "headline": headline,
            "score": res[headline], **res, "spec": spec, "limit": limit, "chain_of_thought": cot,
            "seconds": round(seconds, 2), "texts_per_second": round(len(test) / seconds, 3) if seconds else None,
            "cache": cache, "affectkit_version": __version__, "python": platform.python_version(),
            "machine": platform.machine()}


def slug(spec: str) -> str:
    body = spec.removeprefix("llm:")
    if body == "local":
        return "local-gemma3-270m"
    name = body.rpartition("#")[2] if "#" in body else body
    return re.sub(r"[^A-Za-z0-9.]+", "-", Path(name).name if name.endswith(".gguf") else name).strip("-").lower()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="llm:URL#MODEL, llm:local or llm:local#PATH.gguf")
    ap.add_argument("--task", choices=("meld", "carer", "goemotions", "all"), default="all",
                    help="goemotions: open vocabulary (k-shot and --cot do not apply)")
    ap.add_argument("--limit", type=int, default=None, help="score a seeded random subset of N test items")
    ap.add_argument("--k-shot", type=int, default=0)
    ap.add_argument("--cot", action="store_true", help="chain-of-thought prompt (reasoning, then the label)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--no-cache", action="store_true", help="ask again even if the replies are cached")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    args = ap.parse_args(argv)
    started = run_started()
    args.out.mkdir(parents=True, exist_ok=True)
    for task in (("meld", "carer", "goemotions") if args.task == "all" else (args.task,)):
        common = dict(limit=args.limit, seed=args.seed, cache=not args.no_cache, concurrency=args.concurrency,
                      timeout=args.timeout)
        if task == "goemotions":
            res = score_open(args.model, **common)
            name = f"llm_{slug(args.model)}_goemotions_open" + (f"_n{args.limit}" if args.limit else "")
        else:
            res = score(args.model, task, k_shot=args.k_shot, cot=args.cot, **common)
            name = f"llm_{slug(args.model)}_{task}" + (f"_k{args.k_shot}" if args.k_shot else "") + \
                ("_cot" if args.cot else "") + (f"_n{args.limit}" if args.limit else "")
        path = args.out / f"{name}.json"
        write_results(path, res, argv=argv, seeds=[args.seed], script=__file__, started=started, indent=2,
                      ensure_ascii=False)
        print(f"{task}: {res['headline']} {res['score']:.4f}, parse failures {res['parse_failure_rate']:.1%}, "
              f"{res['n']} texts in {res['seconds']} s -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
