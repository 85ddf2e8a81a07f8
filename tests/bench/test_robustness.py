"""Perturbations used by the robustness table."""
import numpy as np

from affectkit.bench import robustness as R


def _X():
    rng = np.random.default_rng(0)
    seq = rng.normal(size=(200, 10, 3)).astype(np.float32)
    seq[:, 8:] = 0.0
    return {"text": rng.normal(size=(200, 50)).astype(np.float32), "audio": seq}


def test_random_missing_rate_and_padding():
    X = _X()
    out = R.random_missing(X, 0.3, seed=1)
    zero = (out["text"] == 0).mean()
    assert 0.27 < zero < 0.33
    steps = np.any(out["audio"][:, :8] != 0, axis=2).mean()
    assert 0.65 < steps < 0.75
    assert (out["audio"][:, 8:] == 0).all()
    assert np.array_equal(out["text"], R.random_missing(X, 0.3, seed=1)["text"])  # reproducible
    assert (X["text"] != 0).all()  # input untouched


def test_noise_scales_with_training_std_and_keeps_padding():
    X = _X()
    std = R.feature_std(X)
    assert np.allclose(std["text"], X["text"].std(0), rtol=1e-5)
    out = R.gaussian_noise(X, 0.5, std, seed=0)
    d = out["text"] - X["text"]
    assert 0.4 < d.std() / X["text"].std() < 0.6
    assert (out["audio"][:, 8:] == 0).all()
    same = R.gaussian_noise(X, 0.0, std)
    assert np.array_equal(same["text"], X["text"])


def test_conditions_list():
    X = _X()
    names = [n for n, _ in R.conditions(X, ["audio", "text"], None)]
    assert names[:3] == ["clean", "drop:audio", "drop:text"]
    assert "missing:0.7" in names and "noise:1" in names and "dilution" not in names
    assert "drop:text" not in [n for n, _ in R.conditions({"text": X["text"]}, ["text"], None)]
    fn = dict(R.conditions(X, ["audio", "text"], None))["drop:text"]
    assert set(fn(X)) == {"audio"}
