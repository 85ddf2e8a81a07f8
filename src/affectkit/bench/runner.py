"""Train and score a model on a task under the task's protocol; one results dict (JSON-ready).

    result = run_task(get_task("meld-emotion"), "logreg", seeds=(0, 1, 2))

Protocols:
  official      fit on the ``train`` split, score the ``test`` split (``valid`` only tunes the
                per-label thresholds of multi-label tasks).
  loso          leave-one-speaker-out: one fold per group; metrics on the pooled out-of-fold
                predictions (every item predicted once, by the model that did not see its speaker).
  loso_session  the same with sessions as groups (IEMOCAP: 5 folds).
  kfold         ``folds`` speaker-independent folds (sklearn GroupKFold on the groups).
Per seed: the model's ``random_state`` is set to the seed; metrics are reported per seed and as
mean and standard deviation over seeds (sample std, ddof=1; 0 for one seed), with a 95 % percentile
bootstrap interval (1,000 resamples of the test items; each resample scores the mean over seeds).
"""
from __future__ import annotations

import json
import os
import platform
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from affectkit.bench import metrics as M
from affectkit.bench import robustness as R
from affectkit.bench.task_data import TaskData, load_task_data, text_features
from affectkit.bench.tasks import TaskSpec
from affectkit.core.errors import DataError, InputError, ModelError

RESULTS_DIR = Path("bench") / "results" / "harness"


def model_registry():
    """FUSION_MODELS with the harness baselines and, when importable, the torch fusion models."""
    import affectkit.bench.baselines  # noqa: F401  (registers majority, logreg)
    import affectkit.bench.screen_model  # noqa: F401  (registers screen: the screening heads on raw texts)
    from affectkit.bench import fusion_models

    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(fusion_models.__path__):  # each module registers its models
        try:
            importlib.import_module(f"{fusion_models.__name__}.{info.name}")
        except ImportError:  # an optional dependency (torch) missing: its models are not offered
            pass
    return fusion_models.FUSION_MODELS


def data_spec(spec: TaskSpec, model: Any) -> TaskSpec:
    """The task with the model's own input features where it declares them (``input_features``,
    e.g. ``{"text": "text.raw"}``: a model that reads the texts themselves)."""
    want = getattr(model, "input_features", None)
    if not want:
        return spec
    import dataclasses

    missing = sorted(set(want) - set(spec.features))
    if missing:
        raise InputError(f"{spec.task}: model {type(model).__name__} reads {missing}, which this task does not have "
                         f"(it has {sorted(spec.features)})")
    return dataclasses.replace(spec, features={**spec.features, **want})


def _take(X: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in X.items()}


def _with_seed(model, seed: int):
    from sklearn.base import clone

    m = clone(model)
    params = m.get_params()
    for key in ("random_state", "seed"):
        if key in params:
            m.set_params(**{key: seed})
    return m


def _joint_multilabel(model) -> bool:
    """Whether ``model`` fits every label at once (the torch fusion models: task="multilabel")."""
    from affectkit.bench.fusion_models.base import FusionEstimator

    return isinstance(model, FusionEstimator)


class MultiLabel:
    """Multi-label fitting. Models that learn all labels jointly (the fusion models) are fitted
    once on the 0/1 matrix; any other classifier gets one binary clone per label column, where a
    label seen with one class only in training predicts that class's training share. Thresholds
    per label: tuned on the valid split to maximise that label's F1 (metrics.tune_thresholds),
    else 0.5."""

    def __init__(self, base, n_labels: int) -> None:
        self.base = base
        self.n_labels = n_labels
        self.joint_ = None

    def fit(self, X, Y, X_valid=None, Y_valid=None, seed: int = 0) -> "MultiLabel":
        self.models_, self.const_ = [], []
        self.joint_ = None
        if _joint_multilabel(self.base):
            self.joint_ = _with_seed(self.base, seed).set_params(task="multilabel").fit(
                X, np.asarray(Y, dtype=np.int64))
        for j in range(self.n_labels if self.joint_ is None else 0):
            y = np.asarray(Y[:, j], dtype=np.int64)
            if len(np.unique(y)) < 2:
                self.models_.append(None)
                self.const_.append(float(y.mean()) if len(y) else 0.0)
            else:
                m = _with_seed(self.base, seed)
                if "task" in m.get_params():
                    m.set_params(task="classification")
                self.models_.append(m.fit(X, y))
                self.const_.append(0.0)
        self.thresholds_ = np.full(self.n_labels, 0.5)
        if X_valid is not None and len(Y_valid):
            self.thresholds_ = M.tune_thresholds(Y_valid, self.predict_proba(X_valid))
        return self

    def predict_proba(self, X) -> np.ndarray:
        if self.joint_ is not None:
            return self.joint_.predict_proba(X)
        n = len(next(iter(X.values())))
        cols = []
        for m, c in zip(self.models_, self.const_):
            if m is None:
                cols.append(np.full(n, c))
            else:
                p = m.predict_proba(X)
                classes = list(getattr(m, "classes_", [0, 1]))
                cols.append(p[:, classes.index(1)] if 1 in classes else np.zeros(n))
        return np.stack(cols, axis=1)

    def predict(self, X) -> np.ndarray:
        return (self.predict_proba(X) >= self.thresholds_[None, :]).astype(np.int64)


def _score(spec: TaskSpec, y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {m: M.compute(m, y, pred, spec.n_classes) for m in spec.metrics}


def _folds(spec: TaskSpec, data: TaskData) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]]:
    """(fold name, train idx, test idx, valid idx or None)."""
    n = len(data)
    if spec.protocol == "official":
        part = np.asarray(data.part)
        tr, te = np.flatnonzero(part == "train"), np.flatnonzero(part == "test")
        va = np.flatnonzero(part == "valid")
        if not len(tr) or not len(te):
            raise DataError(f"{spec.task}: empty train or test split")
        return [("official", tr, te, va if len(va) else None)]
    groups = np.asarray([str(g) for g in data.groups])
    uniq = sorted(set(groups))
    if spec.protocol in ("loso", "loso_session"):
        if len(uniq) < 2:
            raise DataError(f"{spec.task}: leave-one-group-out needs 2+ groups, found {uniq}")
        return [(g, np.flatnonzero(groups != g), np.flatnonzero(groups == g), None) for g in uniq]
    from sklearn.model_selection import GroupKFold

    k = min(spec.folds, len(uniq))
    if k < 2:
        raise DataError(f"{spec.task}: {spec.protocol} needs 2+ groups")
    return [(f"fold{i}", tr, te, None) for i, (tr, te) in enumerate(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups))]


def _dilution_features(spec: TaskSpec, data: TaskData, rows: np.ndarray, debug: bool, cache_root) -> np.ndarray | None:
    ex = spec.features.get("text", "")
    if data.texts is None or not ex.startswith("text."):
        return None
    texts = [f"{data.texts[i]} {R.DILUTION_TEXT}" for i in rows]
    if data.X["text"].dtype == object:  # a model that reads the texts (text.raw)
        full = data.X["text"].copy()
        full[rows] = np.asarray(texts, dtype=object)
        return full
    full = np.zeros_like(data.X["text"])
    full[rows] = text_features(texts, ex, debug, cache_root)
    return full


def _fit(spec: TaskSpec, model, X_tr, y_tr, X_va, y_va, seed: int):
    if spec.target == "multilabel":
        return MultiLabel(model, len(spec.label_space)).fit(X_tr, y_tr, X_va, y_va, seed=seed)
    m = _with_seed(model, seed)
    task = "regression" if spec.target == "regression" else "classification"
    if "task" in m.get_params():
        m.set_params(task=task)
    return m.fit(X_tr, y_tr)


def _predict(spec: TaskSpec, fitted, X) -> np.ndarray:
    pred = np.asarray(fitted.predict(X))
    if spec.target == "regression":
        return pred.astype(np.float64).reshape(-1)
    return pred.astype(np.int64)


def run_task(spec: TaskSpec, model: Any, seeds: Sequence[int] = (0,), *, data: TaskData | None = None,
             data_path: str | None = None, debug: bool = False, robustness: bool = True,
             n_boot: int = 1000, cache_root: str | None = None, model_name: str | None = None,
             config: dict | None = None, engine: str = "local") -> dict[str, Any]:
    """Fit ``model`` (an unfitted estimator, or a fitted one for ``official`` with ``seeds=()``)
    per seed and fold, score, perturb; return the results dict. ``engine="ray"``: each seed's
    cell (its fits, scores and perturbations) is a Ray task in the caller's Ray session
    (``engine.cells``); the results are those of the local run."""
    t_start = time.perf_counter()
    if data is None:
        data = load_task_data(data_spec(spec, model), path=data_path, debug=debug, cache_root=cache_root)
    folds = _folds(spec, data)
    pretrained = not seeds
    if pretrained and spec.protocol != "official":
        raise InputError(f"{spec.task}: a saved model can only be scored under the official protocol "
                         f"(this task is {spec.protocol}: every fold trains its own model)")
    test_rows = np.concatenate([te for _, _, te, _ in folds])
    diluted = _dilution_features(spec, data, test_rows, debug, cache_root) if robustness else None
    cell = _Cell(spec, model, data, folds, test_rows, diluted, sorted(data.X), robustness, pretrained)
    from affectkit.engine.cells import map_cells

    per_seed, preds_by_seed, robust = [], [], {}
    for entry, p_te, cond_scores in map_cells(_seed_cell, cell, list(seeds or [None]), engine=engine):
        per_seed.append(entry)
        preds_by_seed.append(p_te)
        for cname, scores in cond_scores.items():
            robust.setdefault(cname, []).append(scores)
    summary = {}
    for m in spec.metrics:
        vals = np.asarray([s["metrics"][m] for s in per_seed], dtype=float)
        lo, hi = M.bootstrap_ci(m, data.y[test_rows], preds_by_seed, spec.n_classes, n_boot=n_boot)
        summary[m] = {"mean": _nanmean(vals),
                      "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else 0.0, "ci95": [lo, hi]}
    table = None
    if robustness:
        table = {"clean": {m: summary[m]["mean"] for m in spec.metrics}}
        for cname, rows in robust.items():
            table[cname] = {m: _nanmean([r[m] for r in rows]) for m in spec.metrics}
    from affectkit.core.version import __version__

    counts = {"test": int(len(test_rows)), "all": int(len(data))}
    if spec.protocol == "official":
        counts.update({"train": int(len(folds[0][1])), "valid": int(len(folds[0][3])) if folds[0][3] is not None else 0})
    else:
        counts["folds"] = len(folds)
    return {
        "task": spec.task, "task_version": spec.version, "task_spec": data_spec(spec, model).to_dict(),
        "model": model_name or type(model).__name__, "config": config or _params(model),
        "protocol": spec.protocol, "seeds": list(seeds), "debug": debug, "weak": spec.weak,
        "n": counts, "modalities": {k: list(v.shape[1:]) for k, v in data.X.items()},
        "primary": spec.primary, "higher_is_better": spec.higher_is_better,
        "metrics": summary, "per_seed": per_seed, "robustness": table,
        "robustness_note": None if not robustness else "mean over seeds of each metric under each condition "
                           "(affectkit.bench.robustness); CI: percentile bootstrap over test items, seed-mean",
        "data": data.info, "affectkit_version": __version__, "python": sys.version.split()[0],
        "platform": platform.platform(), "threads": os.environ.get("OMP_NUM_THREADS"),
        "seconds": round(time.perf_counter() - t_start, 2),
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


@dataclass(frozen=True)
class _Cell:
    """What every seed's cell of ``run_task`` shares (sent once to Ray's object store)."""

    spec: TaskSpec
    model: Any
    data: TaskData
    folds: list
    test_rows: np.ndarray
    diluted: np.ndarray | None
    modalities: list[str]
    robustness: bool
    pretrained: bool


def _seed_cell(c: _Cell, seed: int | None) -> tuple[dict, np.ndarray, dict[str, dict]]:
    """One seed: fit and score on every fold, and under each robustness condition; its per-seed
    entry, its test predictions and its metrics per condition."""
    spec, data, model = c.spec, c.data, c.model
    t0 = time.perf_counter()
    pred = np.zeros(data.y.shape, dtype=np.float64 if spec.target == "regression" else np.int64)
    cond_preds: dict[str, np.ndarray] = {}
    fold_scores = {}
    for name, tr, te, va in c.folds:
        X_tr = _take(data.X, tr)
        if c.pretrained:
            fitted = model
        else:
            X_va = _take(data.X, va) if va is not None else None
            fitted = _fit(spec, model, X_tr, data.y[tr], X_va, data.y[va] if va is not None else None, seed)
        X_te = _take(data.X, te)
        pred[te] = _predict(spec, fitted, X_te)
        if len(c.folds) > 1:
            fold_scores[name] = {"n": int(len(te)), spec.primary: M.compute(spec.primary, data.y[te], pred[te], spec.n_classes)}
        if c.robustness:
            conds = R.conditions(X_tr, c.modalities, None, seed=seed or 0)
            if c.diluted is not None:
                conds.append(("dilution", (lambda te: lambda X: {**X, "text": c.diluted[te]})(te)))
            for cname, fn in conds:
                if cname == "clean":
                    continue
                cp = cond_preds.setdefault(cname, np.zeros_like(pred))
                cp[te] = _predict(spec, fitted, fn(X_te))
    y_te, p_te = data.y[c.test_rows], pred[c.test_rows]
    entry = {"seed": seed, "metrics": _score(spec, y_te, p_te), "seconds": round(time.perf_counter() - t0, 2)}
    if fold_scores:
        vals = [f[spec.primary] for f in fold_scores.values()]
        entry["folds"] = fold_scores
        entry["fold_mean"] = {spec.primary: float(np.nanmean(vals)), "std": float(np.nanstd(vals))}
    return entry, p_te, {cname: _score(spec, y_te, cp[c.test_rows]) for cname, cp in cond_preds.items()}


def _nanmean(vals) -> float:
    a = np.asarray(vals, dtype=float)
    return float(a[~np.isnan(a)].mean()) if (~np.isnan(a)).any() else float("nan")


def _params(model) -> dict:
    try:
        return {k: v for k, v in model.get_params().items() if isinstance(v, (int, float, str, bool, type(None), list))}
    except Exception:  # a model without get_params: record nothing rather than guess
        return {}


def make_model(name: str, config: dict | None = None):
    """An unfitted estimator from FUSION_MODELS by name, with ``config`` as constructor parameters."""
    cls = model_registry().get(name)
    try:
        return cls(**(config or {}))
    except TypeError as exc:
        raise InputError(f"model {name!r}: bad config ({exc})") from None


def write_json(result: dict, path: str | Path) -> Path:
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(result, indent=1, default=_json_default, allow_nan=True) + "\n", encoding="utf-8")
    return p


def _json_default(o):
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, np.ndarray):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


# ----------------------------------------------------------------------- train / save / load

def train_and_save(spec: TaskSpec, name: str, out_dir: str | Path, config: dict | None = None, seed: int = 0,
                   data_path: str | None = None, debug: bool = False, cache_root: str | None = None) -> Path:
    """Fit on the training split (official) or on every row (fold protocols: a model for use,
    not for scoring) and save to ``out_dir``: harness.json + the model's own files."""
    model = make_model(name, config)
    data = load_task_data(data_spec(spec, model), path=data_path, debug=debug, cache_root=cache_root)
    if spec.protocol == "official":
        tr = np.flatnonzero(np.asarray(data.part) == "train")
        va = np.flatnonzero(np.asarray(data.part) == "valid")
    else:
        tr, va = np.arange(len(data)), np.zeros(0, dtype=np.int64)
    t0 = time.perf_counter()
    fitted = _fit(spec, model, _take(data.X, tr), data.y[tr], _take(data.X, va) if len(va) else None,
                  data.y[va] if len(va) else None, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fmt = save_model(fitted, out)
    meta = {"task": spec.task, "task_version": spec.version, "model": name, "config": config or {}, "seed": seed,
            "trained_on": "train split" if spec.protocol == "official" else "all rows", "n_train": int(len(tr)),
            "format": fmt, "fit_seconds": round(time.perf_counter() - t0, 2), "debug": debug,
            "modalities": {k: list(v.shape[1:]) for k, v in data.X.items()}}
    (out / "harness.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
    return out


def _native(model) -> bool:
    return callable(getattr(model, "save", None)) and callable(getattr(type(model), "load", None))


def save_model(model, folder: Path) -> str:
    """The model's own save(folder) when it has one (JSON + npz/safetensors), else joblib (a pickle:
    load only files you trust). Multi-label wrappers save one sub-folder per label."""
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(model, MultiLabel):
        if model.joint_ is not None:
            save_model(model.joint_, folder / "joint")
        for j, m in enumerate(model.models_):
            if m is not None:
                save_model(m, folder / f"label_{j:02d}")
        np.savez(folder / "multilabel.npz", thresholds=model.thresholds_, const=np.asarray(model.const_),
                 fitted=np.asarray([m is not None for m in model.models_]))
        (folder / "multilabel.json").write_text(json.dumps({"model": _registered_name(model.base)}), encoding="utf-8")
        return "multilabel"
    (folder / "estimator.json").write_text(json.dumps({"model": _registered_name(model)}), encoding="utf-8")
    if _native(model):
        model.save(folder)
        return "native"
    import joblib

    joblib.dump(model, folder / "model.joblib")
    return "joblib"


def _registered_name(model) -> str:
    reg = model_registry()
    for n in reg.names():
        if reg.get(n) is type(model):
            return n
    raise ModelError(f"{type(model).__name__} is not registered in FUSION_MODELS")


def load_model(folder: str | Path):
    """A model saved by :func:`save_model` (``affectkit train``)."""
    d = Path(folder)
    if (d / "multilabel.npz").is_file():
        with np.load(d / "multilabel.npz", allow_pickle=False) as z:
            thr, const, fitted = z["thresholds"], z["const"], z["fitted"]
        base = model_registry().get(json.loads((d / "multilabel.json").read_text())["model"])
        ml = MultiLabel(None, len(thr))
        ml.thresholds_, ml.const_ = thr, list(const)
        ml.models_ = [load_model(d / f"label_{j:02d}") if f else None for j, f in enumerate(fitted)]
        if (d / "joint").is_dir():
            ml.joint_ = load_model(d / "joint")
        ml.base = base
        return ml
    if not (d / "estimator.json").is_file():
        raise ModelError(f"{d}: not a model saved by 'affectkit train' (no estimator.json)")
    cls = model_registry().get(json.loads((d / "estimator.json").read_text())["model"])
    if (d / "model.joblib").is_file():
        import joblib

        return joblib.load(d / "model.joblib")
    return cls.load(d)


def load_trained(folder: str | Path) -> tuple[Any, dict]:
    d = Path(folder)
    meta_file = d / "harness.json"
    if not meta_file.is_file():
        raise ModelError(f"{d}: no harness.json; train one with 'affectkit train --task T --model M -o {d}'")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    return load_model(d), meta
