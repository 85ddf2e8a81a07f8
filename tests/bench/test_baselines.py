"""The majority and logreg baselines follow the fusion-model contract."""
import numpy as np
import pytest
from sklearn.base import clone

from affectkit.bench.baselines import LogRegBaseline, MajorityBaseline, pool
from affectkit.core.errors import InputError, ModelError
from affectkit.bench.fusion_models import FUSION_MODELS


def _data(n=80, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = {"text": (rng.normal(size=(n, 6)) + y[:, None]).astype(np.float32),
         "audio": rng.normal(size=(n, 4, 3)).astype(np.float32)}
    X["audio"][:, 2:] = 0.0  # padding
    return X, y


def test_registered():
    assert FUSION_MODELS.get("logreg") is LogRegBaseline and FUSION_MODELS.get("majority") is MajorityBaseline


def test_pool_ignores_padding_and_keeps_missing():
    x = np.zeros((2, 3, 2), dtype=np.float32)
    x[0, 0] = [1, 2]
    x[0, 1] = [3, 4]
    x[1] = np.nan
    out = pool(x)
    assert out[0].tolist() == [2, 3] and np.isnan(out[1]).all()
    with pytest.raises(InputError):
        pool(np.zeros(3))


def test_logreg_learns_and_tolerates_missing_modalities():
    X, y = _data()
    m = clone(LogRegBaseline(C=1.0)).fit(X, y)
    assert (m.predict(X) == y).mean() > 0.8
    p = m.predict_proba(X)
    assert p.shape == (80, 3) and np.allclose(p.sum(1), 1)
    nan_text = {**X, "text": np.full_like(X["text"], np.nan)}
    assert m.predict(nan_text).shape == (80,)  # all-NaN rows: never fails
    assert m.predict({"audio": X["audio"]}).shape == (80,)  # modality absent
    with pytest.raises(InputError, match="features"):
        m.predict({"text": X["text"][:, :3], "audio": X["audio"]})
    with pytest.raises(InputError, match="different numbers"):
        m.predict({"text": X["text"][:5], "audio": X["audio"]})


def test_regression_and_auto_task():
    X, y = _data()
    yr = y.astype(np.float32) * 0.5
    m = LogRegBaseline(alpha=1.0).fit(X, yr)
    assert m.task_ == "regression" and np.corrcoef(m.predict(X), yr)[0, 1] > 0.9
    with pytest.raises(ModelError):
        m.predict_proba(X)
    assert MajorityBaseline().fit(X, yr).predict(X)[0] == pytest.approx(yr.mean())


def test_majority():
    X, _ = _data()
    y = np.array([2] * 50 + [0] * 30)
    m = MajorityBaseline().fit(X, y)
    assert (m.predict(X) == 2).all() and m.predict_proba(X)[0].tolist() == [30 / 80, 50 / 80]


def test_single_class_and_binary():
    X, y = _data()
    one = LogRegBaseline().fit(X, np.zeros(80, dtype=int))
    assert (one.predict(X) == 0).all()
    b = LogRegBaseline().fit(X, (y > 0).astype(int))
    assert b.predict_proba(X).shape == (80, 2)


@pytest.mark.parametrize("cls", [LogRegBaseline, MajorityBaseline])
def test_save_load_roundtrip(tmp_path, cls):
    X, y = _data()
    m = cls().fit(X, y)
    m.save(tmp_path / "m")
    assert not list((tmp_path / "m").glob("*.pkl"))
    back = cls.load(tmp_path / "m")
    assert np.array_equal(back.predict(X), m.predict(X))
    with pytest.raises(ModelError):
        (LogRegBaseline if cls is MajorityBaseline else MajorityBaseline).load(tmp_path / "m")
