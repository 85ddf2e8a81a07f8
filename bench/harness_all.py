#!/usr/bin/env python
"""Every registered model on every task whose data is available here, under each task's protocol.

    python bench/harness_all.py                       # -> bench/results/harness/TASK__MODEL.json + summary.md
    python bench/harness_all.py --models logreg --tasks meld-emotion carer --seeds 0 1 2
    python bench/harness_all.py --debug --out /tmp/h  # tiny data, stand-in features: seconds

Tasks whose data is not here (MMSA pickles, IEMOCAP, DAIC-WOZ, RAVDESS, CREMA-D unless their
environment variables point at them) are listed in the summary with the reason. Features are
cached (FeatureCache: MiniLM embeddings per text block, voice features per file), so a rerun
costs only the model fits. Each task's data and features are loaded once for all models.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import atomic_write_text, provenance, run_started  # noqa: E402

from affectkit.bench.runner import make_model, model_registry, run_task, write_json  # noqa: E402
from affectkit.bench.task_data import load_task_data  # noqa: E402
from affectkit.bench.tasks import TASKS  # noqa: E402
from affectkit.core.errors import AffectkitError  # noqa: E402

ROBUST_COLUMNS = ("missing:0.3", "missing:0.7", "noise:1", "dilution")


def _f(v, nd=3) -> str:
    return "-" if v is None or v != v else f"{v:.{nd}f}"


def summary_markdown(results: list[dict], skipped: dict[str, str], seeds: list[int], debug: bool) -> str:
    lines = [f"# Harness results{' (DEBUG: tiny data, stand-in features - not results)' if debug else ''}", "",
             f"Command: `python bench/harness_all.py{' --debug' if debug else ''}` - seeds {seeds}; "
             "mean ± std over seeds, [95% bootstrap CI of the seed mean over test items].", "",
             "| task | protocol | model | primary | mean ± std [95% CI] | other metrics | n test | s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        p = r["primary"]
        m = r["metrics"][p]
        others = ", ".join(f"{k} {_f(v['mean'])}" for k, v in r["metrics"].items() if k != p)
        weak = " (weak)" if r.get("weak") else ""
        lines.append(f"| {r['task']}{weak} | {r['protocol']} | {r['model']} | {p} | {_f(m['mean'])} ± {_f(m['std'])} "
                     f"[{_f(m['ci95'][0])}, {_f(m['ci95'][1])}] | {others} | {r['n']['test']} | {r['seconds']:.0f} |")
    lines += ["", "Robustness (primary metric; clean vs perturbed test features, same trained model):", "",
              "| task | model | clean | " + " | ".join(ROBUST_COLUMNS) + " | modality removed |",
              "|---|---|---|" + "---|" * len(ROBUST_COLUMNS) + "---|"]
    for r in results:
        rob = r.get("robustness") or {}
        p = r["primary"]
        drops = ", ".join(f"{k[5:]} {_f(v[p])}" for k, v in rob.items() if k.startswith("drop:")) or "-"
        cells = " | ".join(_f(rob.get(c, {}).get(p)) for c in ROBUST_COLUMNS)
        lines.append(f"| {r['task']} | {r['model']} | {_f(rob.get('clean', {}).get(p))} | {cells} | {drops} |")
    if skipped:
        lines += ["", "Not run here (data not available):", ""]
        lines += [f"- {t}: {why}" for t, why in sorted(skipped.items())]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", help="default: every registered model")
    ap.add_argument("--tasks", nargs="+", help="default: every task")
    ap.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    ap.add_argument("--debug", action="store_true")
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "harness"))
    ap.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="each (task, model, seed) cell here, or as a Ray task (the affectkit[ray] extra)")
    ap.add_argument("--address", help="--engine ray: the Ray cluster to join (default: a local Ray)")
    ap.add_argument("--num-cpus", type=int, help="--engine ray: CPUs of the local Ray")
    args = ap.parse_args(argv)
    if args.engine == "ray":
        from affectkit.engine.session import ray_session

        with ray_session(args.address, args.num_cpus):
            return _sweep(args, argv)
    return _sweep(args, argv)


def _sweep(args: argparse.Namespace, argv: list[str] | None) -> int:
    started = run_started()
    models = args.models or model_registry().names()
    tasks = args.tasks or TASKS.names()
    out = Path(args.out)
    results, skipped = [], {}
    for t in tasks:
        spec = TASKS.get(t)
        t0 = time.perf_counter()
        try:
            data = load_task_data(spec, debug=args.debug)
        except AffectkitError as exc:
            skipped[t] = str(exc)
            print(f"{t}: skipped ({exc})", file=sys.stderr, flush=True)
            continue
        print(f"{t}: data and features in {time.perf_counter() - t0:.1f} s", file=sys.stderr, flush=True)
        for m in models:
            t1 = time.perf_counter()
            r = run_task(spec, make_model(m), seeds=tuple(args.seeds), data=data, debug=args.debug,
                         n_boot=args.bootstrap, model_name=m, engine=args.engine)
            r["command"] = "python bench/harness_all.py" + (" --debug" if args.debug else "")
            r["provenance"] = provenance(argv, list(args.seeds), script=__file__, started=started)
            write_json(r, out / f"{t}__{m}{'__debug' if args.debug else ''}.json")
            results.append(r)
            pm = r["metrics"][r["primary"]]
            print(f"  {m}: {r['primary']} {pm['mean']:.4f} ± {pm['std']:.4f} ({time.perf_counter() - t1:.1f} s)",
                  file=sys.stderr, flush=True)
    # the summary covers every result in --out (earlier runs of other tasks included), in task order
    suffix = "__debug.json" if args.debug else ".json"
    done = {(r["task"], r["model"]) for r in results}
    for f in sorted(out.glob(f"*__*{suffix}")):
        if not args.debug and f.name.endswith("__debug.json"):
            continue
        r = json.loads(f.read_text(encoding="utf-8"))
        if (r.get("task"), r.get("model")) not in done and "metrics" in r:
            results.append(r)
            done.add((r["task"], r["model"]))
    old = out / ("summary_debug.json" if args.debug else "summary.json")
    if old.is_file():
        for t, why in json.loads(old.read_text(encoding="utf-8")).get("skipped", {}).items():
            if t not in {r["task"] for r in results}:
                skipped.setdefault(t, why)
    results.sort(key=lambda r: (r["task"], r["model"]))
    md = summary_markdown(results, skipped, args.seeds, args.debug)
    atomic_write_text(out / ("summary_debug.md" if args.debug else "summary.md"), md)
    # the summary gathers earlier runs too: each row keeps its own file's provenance
    atomic_write_text(out / ("summary_debug.json" if args.debug else "summary.json"), json.dumps(
        {"seeds": args.seeds, "skipped": skipped,
         "results": [{**{k: r[k] for k in ("task", "task_version", "model", "protocol", "primary", "metrics", "seconds")},
                      "provenance": r.get("provenance")} for r in results],
         "provenance": provenance(argv, list(args.seeds), script=__file__, started=started)}, indent=1) + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
