"""bench/text_versions.py: its weighted-F1 is sklearn's, its paired bootstrap is honest about ties."""
import json

import numpy as np
import pytest
from sklearn.metrics import f1_score

from conftest import bench_script

tv = bench_script("text_versions")


def test_weighted_f1_equals_sklearn():
    rng = np.random.default_rng(1)
    for k in (2, 3, 7):
        y, p = rng.integers(0, k, 300), rng.integers(0, k, 300)
        p[:5] = 0  # a class never true but predicted, and (k = 7) classes rarely seen
        assert tv.weighted_f1(y, p, k) == pytest.approx(f1_score(y, p, average="weighted", zero_division=0), abs=1e-12)
    assert tv.weighted_f1(np.array([1, 1]), np.array([1, 1]), 3) == 1.0


def test_paired_bootstrap_over_groups():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    groups = np.repeat(np.arange(40), 10)
    same = tv.paired_bootstrap(y, y.copy(), y.copy(), groups, 3)
    assert same["difference"] == 0.0 and same["ci95"] == [0.0, 0.0] and same["share_new_worse"] == 0.0
    worse = y.copy()
    worse[::4] = (worse[::4] + 1) % 3  # a quarter wrong
    r = tv.paired_bootstrap(y, y, worse, groups, 3)
    assert r["old"] == 1.0 and r["new"] < 0.8 and r["ci95"][1] < 0 and r["share_new_worse"] == 1.0
    assert tv.paired_bootstrap(y, y, worse, groups, 3) == r  # seeded


def test_an_unknown_revision_is_a_clear_error(tmp_path):
    with pytest.raises(SystemExit, match="neither a folder nor a git revision"):
        tv.model_folder("no-such-revision-xyz", tmp_path)


def test_a_quick_run_against_a_folder(tmp_path, shared_data):
    pytest.importorskip("onnxruntime")
    out = tmp_path / "v.json"
    assert tv.main(["--old", tv.WEIGHTS, "--limit", "40", "--out", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert set(doc["results"]) == {"dev.as_written", "dev.no_punctuation", "test.as_written", "test.no_punctuation"}
    row = doc["results"]["test.as_written"]["emotion"]
    assert row["old"] == row["new"] and row["difference"] == 0.0  # the same model on both sides
