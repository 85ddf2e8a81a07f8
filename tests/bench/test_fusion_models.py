"""The fusion models (late, concat, TFN, LMF, MulT, MISA) against the estimator contract: they learn
a real signal, answer from any subset of modalities, ignore padding, give the training prior to a
sample with nothing, reject bad input with clear errors, clone, refit deterministically and
survive a save/load round trip."""
import json

import numpy as np
import pytest
import torch
from sklearn.base import clone

from affectkit.core.errors import InputError, ModelError
from affectkit.bench.fusion_models import FUSION_MODELS, FusionEstimator, load_model
from affectkit.bench.fusion_models.tfn import TFN

NAMES = ["concat", "late", "lmf", "misa", "mult", "tfn"]


def names_slow(*slow):
    """NAMES, those in ``slow`` marked slow (their case costs seconds; the others keep the model in the fast set)."""
    return [pytest.param(n, marks=pytest.mark.slow) if n in slow else n for n in NAMES]
SMALL = {"mult": {"d_model": 16, "n_heads": 2, "n_layers": 1}, "tfn": {"tfn_dim": 8}}


def make(name, **kw):
    """A small, fast model of the registered kind."""
    params = {"hidden": 16, "max_epochs": 25, "batch_size": 64, "lr": 3e-3, "modality_dropout": 0.3,
              "random_state": 0, **SMALL.get(name, {}), **kw}
    return FUSION_MODELS.get(name)(**params)


def synthetic(n, seed, regression=False):
    """Three modalities: text [n, 8] carries the signal, audio a padded sequence [n, 6, 4] of
    random length 2..6 (noise), vision [n, 5] (noise)."""
    rng = np.random.default_rng(seed)
    text = rng.normal(size=(n, 8)).astype(np.float32)
    audio = rng.normal(size=(n, 6, 4)).astype(np.float32)
    for i, length in enumerate(rng.integers(2, 7, n)):
        audio[i, length:] = 0.0
    vision = rng.normal(size=(n, 5)).astype(np.float32) * 3 + 1
    score = text[:, 0] + 0.5 * text[:, 1] - 0.5 * text[:, 2]
    y = (3 * score / 1.2 + rng.normal(scale=0.1, size=n)) if regression else (score > 0).astype(np.int64)
    return {"text": text, "audio": audio, "vision": vision}, y


TRAIN = synthetic(240, 0)
TEST = synthetic(200, 1)


@pytest.fixture(scope="module", params=NAMES)
def fitted(request):
    X, y = TRAIN
    return request.param, make(request.param).fit(X, y)


def test_registry_holds_every_model():
    assert set(NAMES) <= set(FUSION_MODELS.names())
    for name in NAMES:
        cls = FUSION_MODELS.get(name)
        assert issubclass(cls, FusionEstimator) and cls.name == name


def test_learns_the_signal_well_above_chance(fitted):
    name, model = fitted
    X, y = TEST
    assert model.classes_.tolist() == [0, 1] and model.task_ == "classification"
    proba = model.predict_proba(X)
    assert proba.shape == (200, 2) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert (model.predict(X) == y).mean() > 0.8, name  # chance is ~0.5
    assert model.score(X, y) == pytest.approx((model.predict(X) == y).mean())


def test_any_subset_of_modalities_gives_finite_answers(fitted):
    name, model = fitted
    X, y = TEST
    subsets = [["text"], ["audio"], ["vision"], ["text", "audio"], ["audio", "vision"], []]
    for keep in subsets:
        absent = {k: v for k, v in X.items() if k in keep} or {"vision": np.full_like(X["vision"], np.nan)}
        nan_rows = {k: (v if k in keep else np.full_like(v, np.nan)) for k, v in X.items()}
        pa, pn = model.predict_proba(absent), model.predict_proba(nan_rows)
        assert np.isfinite(pa).all() and pa.shape == (200, 2)
        # an absent key and all-NaN rows are the same thing: missing
        np.testing.assert_allclose(pa, pn, atol=1e-5, err_msg=f"{name} {keep}")
    # trained with modality dropout, the model still reads the signal from text alone
    assert (model.predict({"text": X["text"]}) == y).mean() > 0.75, name


def test_missing_modality_per_sample(fitted):
    name, model = fitted
    X, _ = TEST
    X = {k: v.copy() for k, v in X.items()}
    X["text"][:50] = np.nan
    X["audio"][25:75] = np.nan
    X["vision"][::3] = np.nan
    proba = model.predict_proba(X)
    assert np.isfinite(proba).all()
    # a sample's answer depends on its own modalities only
    alone = model.predict_proba({k: v[:10] for k, v in X.items()})
    np.testing.assert_allclose(proba[:10], alone, atol=1e-5)


def test_a_sample_with_nothing_gets_the_training_prior(fitted):
    name, model = fitted
    X, _ = TEST
    X = {k: v[:4].copy() for k, v in X.items()}
    for v in X.values():
        v[1] = np.nan
    X["audio"][3] = 0.0  # a sequence without a valid step is missing too
    X["text"][3] = np.nan
    X["vision"][3] = np.nan
    proba = model.predict_proba(X)
    prior = np.bincount(TRAIN[1]) / len(TRAIN[1])
    np.testing.assert_allclose(proba[1], prior, atol=1e-5)
    np.testing.assert_allclose(proba[3], prior, atol=1e-5)
    assert not np.allclose(proba[0], prior, atol=1e-3)


def test_sequence_padding_is_ignored(fitted):
    name, model = fitted
    X, _ = TEST
    longer = dict(X, audio=np.concatenate([X["audio"], np.zeros((200, 5, 4), np.float32)], axis=1))
    np.testing.assert_allclose(model.predict_proba(X), model.predict_proba(longer), atol=1e-5)


def test_save_load_round_trip_gives_identical_predictions(fitted, tmp_path):
    name, model = fitted
    X, _ = TEST
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == ["config.json", "model.safetensors"]
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["model"] == name and config["classes"] == [0, 1]
    for loaded in (FusionEstimator.load(tmp_path / "m"), load_model(str(tmp_path / "m")),
                   type(model).load(tmp_path / "m")):
        assert type(loaded) is type(model) and loaded.get_params() == model.get_params()
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
        np.testing.assert_array_equal(loaded.predict({"audio": X["audio"]}), model.predict({"audio": X["audio"]}))
    other = TFN if name != "tfn" else FUSION_MODELS.get("late")
    with pytest.raises(ModelError, match="not a"):
        other.load(tmp_path / "m")


def test_clone_and_params(fitted):
    name, model = fitted
    c = clone(model)
    assert type(c) is type(model) and c.get_params() == model.get_params()
    assert not hasattr(c, "net_")
    with pytest.raises(ModelError, match="not fitted"):
        c.predict(TEST[0])
    c.set_params(hidden=8, max_epochs=2)
    assert c.hidden == 8 and model.hidden == 16


@pytest.mark.parametrize("name", names_slow("mult"))
def test_regression_learns_and_round_trips(name, tmp_path):
    X, y = synthetic(240, 2, regression=True)
    Xt, yt = synthetic(200, 3, regression=True)
    model = make(name, max_epochs=30).fit(X, y)
    assert model.task_ == "regression" and not hasattr(model, "classes_")
    pred = model.predict(Xt)
    assert pred.shape == (200,) and np.isfinite(pred).all()
    assert np.corrcoef(pred, yt)[0, 1] > 0.8, name
    nothing = model.predict({"text": np.full((2, 8), np.nan, np.float32)})
    np.testing.assert_allclose(nothing, [y.mean(), y.mean()], atol=1e-4)
    assert np.isfinite(model.predict({"vision": Xt["vision"]})).all()
    with pytest.raises(InputError, match="regression"):
        model.predict_proba(Xt)
    model.save(tmp_path)
    np.testing.assert_array_equal(FusionEstimator.load(tmp_path).predict(Xt), pred)


def multilabel_synthetic(n, seed):
    """Three labels on the modalities of ``synthetic``: two read from text, one never set."""
    X, _ = synthetic(n, seed)
    t = X["text"]
    Y = np.stack([(t[:, 0] > 0), (t[:, 1] + t[:, 2] > 0.5), np.zeros(n, bool)], axis=1).astype(np.int64)
    return X, Y


@pytest.mark.parametrize("name", names_slow("misa", "mult"))
def test_multilabel_learns_each_label_jointly_and_round_trips(name, tmp_path):
    X, Y = multilabel_synthetic(300, 4)
    Xt, Yt = multilabel_synthetic(200, 5)
    model = make(name, max_epochs=80 if name == "misa" else 30).fit(X, Y)  # MISA's extra losses slow it
    assert model.task_ == "multilabel" and model.n_labels_ == 3
    p = model.predict_proba(Xt)
    assert p.shape == (200, 3) and ((p >= 0) & (p <= 1)).all()
    from sklearn.metrics import roc_auc_score

    for j in (0, 1):  # both informative labels are learnt, well above chance
        assert roc_auc_score(Yt[:, j], p[:, j]) > 0.75, (name, j)
    assert p[:, 2].max() < 0.2  # never seen set: stays improbable
    pred = model.predict(Xt)
    assert pred.shape == (200, 3) and set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (p >= 0.5).astype(np.int64))
    nothing = model.predict_proba({"text": np.full((1, 8), np.nan, np.float32)})
    np.testing.assert_allclose(nothing[0, :2], Y[:, :2].mean(0), atol=1e-4)  # the training prior
    assert np.isfinite(model.predict_proba({"audio": Xt["audio"]})).all()
    model.save(tmp_path)
    np.testing.assert_allclose(FusionEstimator.load(tmp_path).predict_proba(Xt), p, atol=1e-6)


def test_multilabel_targets_are_checked():
    X, Y = multilabel_synthetic(60, 6)
    with pytest.raises(InputError, match="only 0 and 1"):
        make("concat", task="multilabel").fit(X, Y * 2)
    with pytest.raises(InputError, match="0/1 matrix"):
        make("concat", task="multilabel").fit(X, Y[:, 0])
    assert make("concat", max_epochs=1).fit(X, Y).task_ == "multilabel"  # "auto" reads a 2-D y


@pytest.mark.parametrize("name", NAMES)
def test_fit_is_deterministic_for_a_seed(name):
    X, y = TRAIN
    a = make(name, max_epochs=3, random_state=7).fit(X, y).predict_proba(TEST[0])
    b = make(name, max_epochs=3, random_state=7).fit(X, y).predict_proba(TEST[0])
    c = make(name, max_epochs=3, random_state=8).fit(X, y).predict_proba(TEST[0])
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_fit_leaves_the_global_torch_rng_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    make("late", max_epochs=1).fit(*TRAIN)
    assert torch.equal(torch.rand(3), expected)


def test_modality_dropout_hides_some_modalities_but_never_all():
    model = make("concat", modality_dropout=0.9)
    present = torch.tensor([[1, 1, 1], [1, 0, 1], [0, 0, 1], [0, 0, 0]] * 250, dtype=torch.bool)
    xs = [torch.ones(1000, 4), torch.ones(1000, 3, 2), torch.ones(1000, 2)]
    masks = [None, torch.ones(1000, 3, dtype=torch.bool), None]
    xs2, masks2, keep = model._drop_modalities(xs, masks, present, torch.Generator().manual_seed(0))
    assert not (keep & ~present).any()  # nothing absent comes back
    assert keep[present.any(1)].any(1).all()  # every sample with something keeps something
    assert not keep[3::4].any()
    assert keep[0::4].sum(1).float().mean() < 1.5  # p = 0.9 drops a lot
    for i, x in enumerate(xs2):
        flat = x.reshape(1000, -1)
        assert torch.equal(flat.abs().sum(1) > 0, keep[:, i])
    assert torch.equal(masks2[1].any(1), keep[:, 1])


def test_string_labels_and_the_vector_only_case():
    X, y = TRAIN
    names = np.array(["neg", "pos"])[y]
    model = make("lmf", max_epochs=10).fit({"text": X["text"], "vision": X["vision"]}, names)
    assert model.classes_.tolist() == ["neg", "pos"]
    assert set(model.predict({"text": TEST[0]["text"]})) <= {"neg", "pos"}


@pytest.mark.parametrize("bad_X, match", [
    ([np.zeros((4, 3))], "dict"),
    ({"text": np.zeros(4)}, r"\[N, D\] or \[N, T, D\]"),
    ({"text": np.zeros((4, 2, 3, 1))}, r"\[N, D\] or \[N, T, D\]"),
    ({"text": np.zeros((4, 3)), "audio": np.zeros((5, 2))}, "number of samples"),
    ({"text": np.full((4, 3), np.inf)}, "infinite"),
    ({"text": np.zeros((4, 0))}, "empty"),
    ({}, "no modality"),
    ({"text": [["a", "b"]] * 4}, "numeric"),
    ({"": np.zeros((4, 3))}, "non-empty strings"),
])
def test_bad_training_input_is_a_clear_error(bad_X, match):
    with pytest.raises(InputError, match=match):
        make("concat", max_epochs=1).fit(bad_X, [0, 1, 0, 1])


def test_bad_labels_params_and_predict_input_are_clear_errors():
    X, y = TRAIN
    with pytest.raises(InputError, match="one label per sample"):
        make("late", max_epochs=1).fit(X, y[:-1])
    with pytest.raises(InputError, match="at least 2 classes"):
        make("late", max_epochs=1).fit(X, np.zeros(240, int))
    with pytest.raises(InputError, match="non-integer"):
        make("late", max_epochs=1, task="classification").fit(X, y + 0.5)
    with pytest.raises(InputError, match="NaN"):
        make("late", max_epochs=1).fit(X, np.full(240, np.nan))
    with pytest.raises(InputError, match="every modality missing"):
        make("late", max_epochs=1).fit({"text": np.full((4, 3), np.nan)}, [0, 1, 0, 1])
    for params, match in [({"modality_dropout": 1.0}, "modality_dropout"), ({"task": "rank"}, "task"),
                          ({"seq_encoder": "lstm"}, "seq_encoder"), ({"hidden": 0}, "hidden"),
                          ({"device": "tpu"}, "device"), ({"random_state": 1.5}, "random_state")]:
        with pytest.raises(InputError, match=match):
            make("concat", max_epochs=1, **params).fit(X, y)
    with pytest.raises(InputError, match="must divide"):
        make("mult", n_heads=3).fit(X, y)
    with pytest.raises(InputError, match="lower tfn_dim"):
        TFN(tfn_dim=200, max_epochs=1).fit(X, y)
    with pytest.raises(ModelError, match="not fitted"):
        make("tfn").predict(X)

    model = make("concat", max_epochs=1).fit(X, y)
    with pytest.raises(InputError, match="not seen in fit"):
        model.predict(dict(X, face=X["vision"]))
    with pytest.raises(InputError, match=r"fitted on \[N, 8\]"):
        model.predict(dict(X, text=X["text"][:, :5]))
    with pytest.raises(InputError, match=r"fitted on \[N, T, 4\]"):
        model.predict(dict(X, audio=X["audio"][:, 0]))
    with pytest.raises(InputError, match="no modality"):
        model.predict({})


def test_sequence_encoders_and_validation_free_training():
    X, y = TRAIN
    for enc in ("conv", "mean"):
        model = make("concat", seq_encoder=enc, validation_fraction=0.0, max_epochs=4).fit(X, y)
        assert model.n_epochs_ == 4 and len(model.epoch_seconds_) == 4
        assert "val_loss" not in model.history_[0]
        longer = dict(X, audio=np.concatenate([X["audio"], np.zeros((240, 3, 4), np.float32)], axis=1))
        np.testing.assert_allclose(model.predict_proba(X), model.predict_proba(longer), atol=1e-5)


def test_early_stopping_keeps_the_best_epoch():
    X, y = TRAIN
    model = make("late", max_epochs=200, patience=2, lr=0.05).fit(X, y)
    assert model.n_epochs_ < 200
    losses = [h["val_loss"] for h in model.history_]
    assert model.best_epoch_ < model.n_epochs_
    assert losses[model.best_epoch_ - 1] <= min(losses) + 1e-4  # improvements under 1e-4 do not count


def test_cuda_is_never_required():
    model = make("late", max_epochs=1, device="cuda")
    if torch.cuda.is_available():
        pytest.skip("a GPU is present: the CPU fallback cannot be seen")
    with pytest.warns(RuntimeWarning, match="CUDA is not available"):
        model.fit(*TRAIN)
    assert model.device_ == "cpu" and np.isfinite(model.predict_proba(TEST[0])).all()
