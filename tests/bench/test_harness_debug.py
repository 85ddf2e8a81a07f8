"""Every (task, model) pair registered at test time, end to end on tiny data (the debug mode):
the SpeechBrain recipe-test habit. Tasks on ../shared/data read a few rows of the real files;
the others read a tiny synthetic file of their exact format."""
import json
import math

import numpy as np
import pytest

from affectkit.bench.runner import model_registry, run_task, make_model, write_json
from affectkit.bench.tasks import TASKS, get_task
from affectkit.core.errors import DataError

SLOW_PAIRS = {("iemocap-6", "mult"), ("iemocap-4", "mult")}  # seconds each; mult keeps its other tasks fast
# the screening heads (model "screen") read one binary question or a PHQ-8 score from texts
SCREEN_TASKS = {"daic-woz", "daic-woz-phq8", "edaic", "edaic-phq8", "dreaddit", "depression-reddit"}
PAIRS = [pytest.param(t, m, marks=pytest.mark.slow) if (t, m) in SLOW_PAIRS else (t, m)
         for t in TASKS.names() for m in model_registry().names() if m != "screen" or t in SCREEN_TASKS]


@pytest.mark.parametrize("task,model", PAIRS)
def test_debug_run(task, model, tmp_path):
    spec = get_task(task)
    try:
        seeds = (0, 1) if model in ("majority", "logreg") else (0,)  # torch models: one seed keeps it quick
        r = run_task(spec, make_model(model), seeds=seeds, debug=True, n_boot=50, model_name=model)
    except DataError as exc:
        if "dataset" in str(exc) and "missing" in str(exc) or "folder not found" in str(exc):
            pytest.skip(f"shared data not here: {exc}")
        raise
    assert r["task"] == task and r["task_version"] == spec.version and r["seeds"] == list(seeds)
    assert set(r["metrics"]) == set(spec.metrics) and len(r["per_seed"]) == len(seeds)
    for m, v in r["metrics"].items():
        assert set(v) == {"mean", "std", "ci95"}
        if m != "corr":  # a constant prediction has no correlation
            assert math.isfinite(v["mean"])
    rob = r["robustness"]
    if r["task_spec"]["features"].get("text") == "text.raw":  # a model reading the texts: dilution only
        assert set(rob) == {"clean", "dilution"}
        return
    assert "clean" in rob and "missing:0.7" in rob and "noise:1" in rob
    if len(spec.features) > 1:
        assert all(f"drop:{mod}" in rob for mod in spec.features)
    if "text" in spec.features and spec.features["text"].startswith("text."):
        assert "dilution" in rob
    p = write_json(r, tmp_path / "r.json")
    assert json.loads(p.read_text())["model"] == model


def test_logreg_beats_majority_on_debug_mosi():
    spec = get_task("mosi")
    lr = run_task(spec, make_model("logreg"), debug=True, n_boot=20, robustness=False)
    mj = run_task(spec, make_model("majority"), debug=True, n_boot=20, robustness=False)
    assert lr["metrics"]["mae"]["mean"] < mj["metrics"]["mae"]["mean"]


def test_loso_pools_out_of_fold_predictions():
    spec = get_task("ravdess")
    r = run_task(spec, make_model("majority"), debug=True, n_boot=20, robustness=False)
    assert r["n"]["folds"] == 4 and r["n"]["test"] == r["n"]["all"] == 32
    assert set(r["per_seed"][0]["folds"]) == {"1", "2", "3", "4"}


def test_seeds_are_recorded_and_std_over_seeds():
    spec = get_task("carer")
    try:
        r = run_task(spec, make_model("logreg"), seeds=(0, 1, 2), debug=True, n_boot=20, robustness=False)
    except DataError:
        pytest.skip("shared data not here")
    assert [s["seed"] for s in r["per_seed"]] == [0, 1, 2]
    vals = [s["metrics"]["accuracy"] for s in r["per_seed"]]
    assert r["metrics"]["accuracy"]["std"] == pytest.approx(float(np.std(vals, ddof=1)))


def test_harness_all_script_in_debug_mode(tmp_path):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "bench" / "harness_all.py"
    spec = importlib.util.spec_from_file_location("harness_all", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.main(["--debug", "--tasks", "sims", "ravdess", "--models", "majority", "logreg", "--seeds", "0",
                     "--bootstrap", "20", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "sims__logreg__debug.json").is_file() and (tmp_path / "ravdess__majority__debug.json").is_file()
    md = (tmp_path / "summary_debug.md").read_text()
    assert "| sims | official | logreg | mae |" in md and "DEBUG" in md


def test_multilabel_fusion_models_fit_once_and_reload(tmp_path):
    """GoEmotions with a torch model: one joint network (not 28 binary fits), thresholds tuned on
    dev, and a saved model that answers exactly as the fitted one."""
    from affectkit.bench.runner import MultiLabel, load_trained, train_and_save
    from affectkit.bench.task_data import load_task_data

    spec = get_task("goemotions")
    try:
        data = load_task_data(spec, debug=True)
    except DataError as exc:
        pytest.skip(f"shared data not here: {exc}")
    out = train_and_save(spec, "concat", tmp_path / "m", config={"max_epochs": 3}, debug=True)
    model, meta = load_trained(out)
    assert isinstance(model, MultiLabel) and model.joint_ is not None and model.models_ == []
    assert model.joint_.task_ == "multilabel" and model.joint_.n_labels_ == 28
    assert (out / "joint" / "model.safetensors").is_file() and not any(out.glob("label_*"))
    p = model.predict_proba(data.X)
    assert p.shape == (len(data), 28)
    fresh = MultiLabel(make_model("concat", {"max_epochs": 3}), 28)
    rows = np.flatnonzero(np.asarray(data.part) == "train")
    va = np.flatnonzero(np.asarray(data.part) == "valid")
    fresh.fit({k: v[rows] for k, v in data.X.items()}, data.y[rows],
              {k: v[va] for k, v in data.X.items()}, data.y[va], seed=0)
    np.testing.assert_allclose(fresh.predict_proba(data.X), p, atol=1e-5)
    np.testing.assert_allclose(fresh.thresholds_, model.thresholds_)


def test_debug_corpus_folders_are_removed_when_the_process_exits(tmp_path):
    """A --debug run writes its synthetic corpus to a temp folder and removes it at exit (before,
    every debug run left one behind: 1,503 of them were found in /tmp)."""
    import os
    import subprocess
    import sys

    code = ("from affectkit.bench.tasks import get_task\n"
            "from affectkit.bench.task_data import load_task_data\n"
            "d = load_task_data(get_task('ravdess'), debug=True)\n"
            "assert len(d) > 0\n")
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=300)
    assert not list(tmp_path.glob("affectkit-debug-*"))
    # and while the process lives, the corpus is there to read
    code_alive = code + "import os, tempfile; assert any(n.startswith('affectkit-debug-ravdess') for n in os.listdir(tempfile.gettempdir()))\n"
    subprocess.run([sys.executable, "-c", code_alive], check=True, env=env, timeout=300)
    assert not list(tmp_path.glob("affectkit-debug-*"))
