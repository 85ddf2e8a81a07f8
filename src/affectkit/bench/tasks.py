"""Benchmark tasks: one small versioned YAML each (``bench/tasks/*.yaml``), as lm-evaluation-harness.

A task names its dataset loader (and arguments), protocol (official | loso | loso_session |
kfold), split names, target kind (classification | regression | multilabel), label space,
metrics (keys of :data:`affectkit.bench.metrics.HARNESS_METRICS`, the first ``primary`` is the
headline) and the feature extractor per modality. Bump ``version`` whenever anything that
changes a score changes; results JSON record it.

A task file is validated (pydantic models with ``extra="forbid"`` and strict types): an unknown
key, a value of the wrong type or a missing required key is a DataError that names the file and
the key, e.g. ``t.yaml: key 'metrik': unknown key (allowed: task, version, ...)`` or
``t.yaml: key 'version': expected an integer, got '1'``. Then the fields are checked against each
other (metrics known and of the task's target, a label space for classification, train/test
split names for the official protocol, primary among the metrics, the task named as its file).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError

from affectkit.bench.metrics import HARNESS_METRICS
from affectkit.core.errors import DataError
from affectkit.core.registry import Registry

PROTOCOLS = ("official", "loso", "loso_session", "kfold")
TARGETS = ("classification", "regression", "multilabel")


# --- the schema of a task file ---------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class DatasetSection(_Strict):
    """``dataset: {loader: NAME, args: {...}}``: the loader's registered name and its keyword arguments."""

    loader: str
    args: dict[str, Any] = {}


class TaskFile(_Strict):
    """What a task YAML may hold (and nothing else)."""

    task: str
    version: int
    description: str = ""
    dataset: DatasetSection
    protocol: Literal["official", "loso", "loso_session", "kfold"]
    target: Literal["classification", "regression", "multilabel"]
    split: dict[str, str] = {}
    label_space: list[str] = []
    metrics: list[str]
    primary: Union[str, None] = None
    higher_is_better: bool = True
    folds: int = 5
    weak: bool = False
    features: dict[str, str]


_PLURAL = {int: "integers", str: "strings", bool: "true/false values", float: "numbers"}
_SINGLE = {int: "an integer", str: "a string", bool: "true or false", float: "a number"}


def _describe(ann: Any, plural: bool = False) -> str:
    """``list[int]`` -> "a list of integers", ``Literal['a', 'b']`` -> "one of a, b"..."""
    origin, args = get_origin(ann), get_args(ann)
    if ann in _SINGLE:
        return _PLURAL[ann] if plural else _SINGLE[ann]
    if ann is Any:
        return "values" if plural else "any value"
    if origin is Literal:
        return "one of " + ", ".join(str(a) for a in args)
    if origin is Union:
        kinds = [a for a in args if a is not type(None)]
        return _describe(kinds[0], plural) if len(kinds) == 1 else " or ".join(_describe(k) for k in kinds)
    if origin in (list, tuple):
        return ("lists of " if plural else "a list of ") + _describe(args[0], plural=True)
    if origin is dict:
        what = "mappings" if plural else "a mapping"
        return what if args[1] is Any else f"{what} of names to {_describe(args[1], plural=True)}"
    if isinstance(ann, type) and issubclass(ann, BaseModel):
        return ("mappings" if plural else "a mapping") + " with keys " + ", ".join(ann.model_fields)
    return str(ann)  # pragma: no cover


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _problem(err: dict, data: Any) -> str:
    """One pydantic error as ``key 'a.b': what is wrong``, at the level of the task file's keys."""
    loc, kind = err.get("loc", ()), err.get("type", "")
    model: type[BaseModel] = TaskFile
    path: list[str] = []
    value: Any = data
    ann: Any = None
    for i, part in enumerate(loc):
        fields = model.model_fields
        if not (isinstance(part, str) and part in fields):  # a key this level does not know
            path.append(str(part))
            break
        path.append(part)
        ann = fields[part].annotation
        value = value.get(part) if isinstance(value, dict) else None
        if isinstance(ann, type) and issubclass(ann, BaseModel) and i < len(loc) - 1:
            model = ann
            continue
        break
    key = ".".join(path) or "(top level)"
    if kind == "extra_forbidden":
        return f"key {key!r}: unknown key (allowed: {', '.join(model.model_fields)})"
    if kind == "missing":
        return f"key {key!r}: required key missing"
    if ann is None:
        return f"key {key!r}: {err.get('msg', 'invalid')}"
    expected = _describe(ann)
    hint = ""
    if "string" in expected and _has_yaml_word(value):
        hint = " (quote it: YAML reads unquoted yes, no, on, off as true/false and null or ~ as null)"
    return f"key {key!r}: expected {expected}, got {_show(value)}{hint}"


def _has_yaml_word(value: Any) -> bool:
    """True where a bool or None stands in ``value`` (YAML's reading of yes/no/on/off/null)."""
    if isinstance(value, dict):
        return any(_has_yaml_word(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_yaml_word(v) for v in value)
    return value is None or isinstance(value, bool)


def validate_task_file(data: Any, source: str = "<dict>") -> TaskFile:
    """The task file's contents checked against :class:`TaskFile`; DataError naming ``source``
    and each offending key (all of them, on one line)."""
    if not isinstance(data, dict):
        raise DataError(f"{source}: a task YAML is a mapping of keys ({', '.join(TaskFile.model_fields)}), "
                        f"got {type(data).__name__}")
    try:
        return TaskFile.model_validate(data)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_problem(e, data) for e in exc.errors()))
        raise DataError(f"{source}: " + "; ".join(problems)) from None


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
    """A TaskSpec from a YAML mapping; DataError naming the file and the key when malformed."""
    t = validate_task_file(data, source)

    def bad(key: str, why: str) -> DataError:
        return DataError(f"{source}: key {key!r}: {why}")

    if not t.metrics:
        raise bad("metrics", "needs at least one metric")
    for m in t.metrics:
        if m not in HARNESS_METRICS:
            raise bad("metrics", f"unknown metric {m!r} (known: {', '.join(sorted(HARNESS_METRICS))})")
        kind = HARNESS_METRICS[m][1]
        if kind != t.target:
            raise bad("metrics", f"metric {m!r} is for {kind} tasks, this task is {t.target}")
    if t.target != "regression" and len(t.label_space) < 2:
        raise bad("label_space", f"a {t.target} task needs a label_space of 2+ labels")
    if t.protocol == "official" and not {"train", "test"} <= set(t.split):
        raise bad("split", "the official protocol needs split names for train and test")
    primary = t.metrics[0] if t.primary is None else t.primary
    if primary not in t.metrics:
        raise bad("primary", f"primary metric {primary!r} is not in metrics")
    if t.folds < 2:
        raise bad("folds", f"needs at least 2 folds, got {t.folds}")
    return TaskSpec(task=t.task, version=t.version, description=t.description.strip(),
                    loader=t.dataset.loader, loader_args=dict(t.dataset.args), protocol=t.protocol,
                    target=t.target, metrics=tuple(t.metrics), primary=primary, features=dict(t.features),
                    split=dict(t.split), label_space=tuple(t.label_space), higher_is_better=t.higher_is_better,
                    folds=t.folds, weak=t.weak, source=source)


def load_task_file(path: str | Path, source: str | None = None) -> TaskSpec:
    """The task in a YAML file; errors name it as ``source`` (default: the path as given)."""
    import yaml

    p = Path(path)
    where = source or str(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise DataError(f"{where}: cannot read task YAML ({exc})") from None
    spec = parse_task(data, where)
    if spec.task != p.stem:
        raise DataError(f"{where}: key 'task': {spec.task!r} must match the file name ({p.stem!r})")
    return spec


def _builtin() -> Registry:
    reg: Registry = Registry("task")
    folder = resources.files("affectkit.bench").joinpath("tasks")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            with resources.as_file(entry) as p:
                spec = load_task_file(p, source=f"affectkit/bench/tasks/{entry.name}")
            reg.register(spec.task, spec)
    return reg


TASKS: Registry = _builtin()


def get_task(name_or_path: str) -> TaskSpec:
    """A registered task by name, or a task YAML file by path (a user's own task)."""
    if name_or_path.endswith((".yaml", ".yml")):
        if Path(name_or_path).is_file():
            return load_task_file(name_or_path)
        if name_or_path not in TASKS.names():
            raise DataError(f"no such task file: {name_or_path}")
    return TASKS.get(name_or_path)
