"""bench/voice_speaker_norm.py: standardisation by hand, and a debug run end to end."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import bench_script

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "bench" / "voice_speaker_norm.py"


def _module():
    return bench_script("voice_speaker_norm")


def test_a_constant_channel_offset_is_removed_by_the_speakers_own_statistics():
    m = _module()
    rng = np.random.default_rng(0)
    clean = rng.normal(size=(20, 4))
    shifted = clean * 2.0 + 5.0                      # another microphone: scale and offset per feature
    np.testing.assert_allclose(m.standardise(shifted, shifted), m.standardise(clean, clean), atol=1e-9)
    const = np.ones((5, 2))                          # a feature that never varies is centred, not divided by 0
    assert np.isfinite(m.standardise(const, const)).all() and (m.standardise(const, const) == 0).all()


def test_training_rows_are_standardised_per_speaker_only_inside_the_mask():
    m = _module()
    rng = np.random.default_rng(1)
    X = rng.normal(3.0, 2.0, size=(8, 3))
    A = rng.normal(size=(8, 2, 3))
    spk = np.array(["a"] * 4 + ["b"] * 4)
    mask = np.array([True] * 4 + [True, True, False, False])
    Xn, An = m.normalised_training(X, A, spk, mask, "by-clean")
    np.testing.assert_allclose(Xn[:4].mean(axis=0), 0, atol=1e-9)
    np.testing.assert_allclose(Xn[4:6].std(axis=0), 1, atol=1e-9)   # speaker b's stats from its masked rows only
    np.testing.assert_allclose(An[:4], (A[:4] - X[:4].mean(0)) / X[:4].std(0))
    _, own = m.normalised_training(X, A, spk, mask, "own")
    np.testing.assert_allclose(own[:4].reshape(-1, 3).mean(axis=0), 0, atol=1e-9)


@pytest.mark.slow
def test_debug_run_writes_results(tmp_path, shared_data):
    out = tmp_path / "norm.json"
    r = subprocess.run([sys.executable, str(SCRIPT), "--debug", "--out", str(out), "--cache", str(tmp_path / "c")],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    doc = json.loads(out.read_text())
    assert doc["debug"] and doc["chosen"].startswith("speaker-normalised")
    assert set(doc["test"]["per-file (shipped)"]) == {"speed 1.15"}
    assert set(doc["dev"]["per-file (shipped)"]) == {"clean", "noise white 15 dB"}
    for v in doc["summary"]["test_mean_uar"].values():
        assert 0 <= v <= 1
    assert len(doc["test"][doc["chosen"]]["speed 1.15"]["k=5"]["uar_draws"]) == 5


def test_a_debug_run_may_not_write_into_bench_results():
    r = subprocess.run([sys.executable, str(SCRIPT), "--debug"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "--debug needs --out" in r.stderr
