"""bench/text_versions.py: its paired bootstrap over dialogues, its inputs, a quick run."""
import json

import numpy as np
import pytest

from conftest import bench_script

tv = bench_script("text_versions")


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
