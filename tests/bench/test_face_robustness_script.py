"""bench/face_robustness.py: each degradation does what its name says, and a quick run scores the
shipped face model on FER2013 PrivateTest under every condition."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import FACES, bench_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "face_robustness.py"


def _module():
    return bench_script("face_robustness")


def _crops():
    import cv2

    return np.stack([cv2.imread(str(p), cv2.IMREAD_GRAYSCALE) for p in sorted(FACES.glob("fer_*.png"))])


def test_conditions_keep_shape_and_type_and_change_the_pictures():
    fr = _module()
    x = _crops()
    assert np.array_equal(fr.degrade(x, "clean"), x)
    for name in fr.CONDITIONS:
        d = fr.degrade(x, name)
        assert d.shape == x.shape and d.dtype == np.uint8, name
        if name != "clean":
            assert not np.array_equal(d, x), name
    assert np.array_equal(fr.degrade(x, "noise_10"), fr.degrade(x, "noise_10"))   # deterministic
    bar = fr.degrade(x, "eye_bar")
    assert (bar[:, 13:25, 4:44] == 20).all() and np.array_equal(bar[:, 30:], x[:, 30:])
    assert fr.degrade(x, "dark").mean() < 0.5 * x.mean()
    with pytest.raises(ValueError, match="unknown condition"):
        fr.degrade(x, "fog")


@pytest.mark.slow
def test_quick_run_writes_a_row_per_condition(tmp_path, shared_data):
    out = tmp_path / "rob.json"
    r = subprocess.run([sys.executable, str(SCRIPT), "--quick", "--out", str(out)], capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    res = json.loads(out.read_text())
    conds = res["conditions"]
    assert set(conds) == set(_module().CONDITIONS) and res["n"] == 210
    for row in conds.values():
        for key in ("shipped",) + (("fp32",) if res["shipped_precision"] != "fp32" else ()):
            assert 0.0 <= row[key]["accuracy"] <= 1.0 and 0.0 <= row[key]["macro_f1"] <= 1.0
    assert conds["clean"]["shipped"]["accuracy_drop"] == 0.0
    # the shipped model reads clean crops far above chance (1/7) and is hurt by heavy noise
    assert conds["clean"]["shipped"]["accuracy"] > 0.45
    assert conds["noise_25"]["shipped"]["accuracy"] < conds["clean"]["shipped"]["accuracy"]
