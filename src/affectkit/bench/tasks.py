"""Benchmark tasks: one small versioned YAML each (``bench/tasks/*.yaml``), as lm-evaluation-harness.

A task names its dataset loader (and arguments), protocol (official | loso | loso_session |
kfold), split names, target kind (classification | regression | multilabel), label space,
metrics (keys of :data:`affectkit.bench.metrics.HARNESS_METRICS`, the first ``primary`` is the
headline) and the feature extractor per modality. Bump ``version`` whenever anything that
changes a score changes; results JSON record it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from affectkit.bench.metrics import HARNESS_METRICS
from affectkit.core.errors import DataError
from affectkit.core.registry import Registry

PROTOCOLS = ("official", "loso", "loso_session", "kfold")
TARGETS = ("classification", "regression", "multilabel")


@dataclass(frozen=True)
class TaskSpec:
    task: str
    version: int
    description: str
    loader: str
    loader_args: dict[str, Any]
    protocol: str
    target: str
    metrics: tuple[str, ...]
    primary: str
    features: dict[str, str]
    split: dict[str, str] = field(default_factory=dict)
    label_space: tuple[str, ...] = ()
    higher_is_better: bool = True
    folds: int = 5
    weak: bool = False
    source: str = ""

    @property
    def n_classes(self) -> int | None:
        return len(self.label_space) if self.target != "regression" else None

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "version": self.version, "loader": self.loader, "loader_args": self.loader_args,
                "protocol": self.protocol, "split": self.split, "target": self.target,
                "label_space": list(self.label_space), "metrics": list(self.metrics), "primary": self.primary,
                "features": self.features, "weak": self.weak}


def parse_task(data: dict[str, Any], source: str = "<dict>") -> TaskSpec:
    """A TaskSpec from a YAML mapping; DataError naming the file and the field when malformed."""
    def need(key: str):
        if key not in data:
            raise DataError(f"{source}: task field {key!r} missing")
        return data[key]

    name, version = str(need("task")), need("version")
    if not isinstance(version, int):
        raise DataError(f"{source}: version must be an integer")
    ds = need("dataset")
    if not isinstance(ds, dict) or "loader" not in ds:
        raise DataError(f"{source}: dataset must be {{loader: NAME, args: {{...}}}}")
    protocol, target = need("protocol"), need("target")
    if protocol not in PROTOCOLS:
        raise DataError(f"{source}: protocol {protocol!r} is not one of {PROTOCOLS}")
    if target not in TARGETS:
        raise DataError(f"{source}: target {target!r} is not one of {TARGETS}")
    metrics = tuple(need("metrics"))
    for m in metrics:
        if m not in HARNESS_METRICS:
            raise DataError(f"{source}: unknown metric {m!r}")
        kind = HARNESS_METRICS[m][1]
        if kind != target:
            raise DataError(f"{source}: metric {m!r} is for {kind} tasks, this task is {target}")
    labels = tuple(str(x) for x in data.get("label_space") or ())
    if target != "regression" and len(labels) < 2:
        raise DataError(f"{source}: a {target} task needs a label_space of 2+ labels")
    split = {str(k): str(v) for k, v in (data.get("split") or {}).items()}
    if protocol == "official" and not {"train", "test"} <= set(split):
        raise DataError(f"{source}: the official protocol needs split names for train and test")
    primary = str(data.get("primary", metrics[0]))
    if primary not in metrics:
        raise DataError(f"{source}: primary metric {primary!r} is not in metrics")
    features = {str(k): str(v) for k, v in need("features").items()}
    return TaskSpec(task=name, version=version, description=str(data.get("description", "")).strip(),
                    loader=str(ds["loader"]), loader_args=dict(ds.get("args") or {}), protocol=protocol,
                    target=target, metrics=metrics, primary=primary, features=features, split=split,
                    label_space=labels, higher_is_better=bool(data.get("higher_is_better", True)),
                    folds=int(data.get("folds", 5)), weak=bool(data.get("weak", False)), source=source)


def load_task_file(path: str | Path) -> TaskSpec:
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{p}: cannot read task YAML ({exc})") from None
    if not isinstance(data, dict):
        raise DataError(f"{p}: a task YAML is a mapping")
    spec = parse_task(data, str(p.name))
    if spec.task != p.stem:
        raise DataError(f"{p}: task {spec.task!r} must match the file name")
    return spec


def _builtin() -> Registry:
    reg: Registry = Registry("task")
    folder = resources.files("affectkit.bench").joinpath("tasks")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as p:
                spec = load_task_file(p)
            reg.register(spec.task, spec)
    return reg


TASKS: Registry = _builtin()


def get_task(name_or_path: str) -> TaskSpec:
    """A registered task by name, or a task YAML file by path (a user's own task)."""
    if name_or_path.endswith((".yaml", ".yml")) and Path(name_or_path).is_file():
        return load_task_file(name_or_path)
    return TASKS.get(name_or_path)
