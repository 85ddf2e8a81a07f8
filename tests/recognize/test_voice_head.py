"""The speech-emotion head on real EmoDB features, and the shipped weights."""
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from affectkit.core.errors import ModelError
from affectkit.core.labels import EMOTION
from affectkit.recognize.voice_affect import bundled_voice_head, input_extractor, to_prediction
from affectkit.recognize.voice_head import VoiceEmotionHead, speaker_standardise
from affectkit.store.cache import FeatureCache

LIGHT = ("egemaps", "logmel")  # the cheaper blocks keep these tests fast


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return FeatureCache(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="module")
def small(shared_data, cache):
    """Two files per (speaker, emotion) from four speakers, egemaps + logmel features."""
    from affectkit.bench.voice_eval import emodb_matrix

    return emodb_matrix(2, speakers=("03", "08", "09", "10"), blocks=LIGHT, cache_root=str(cache.root))


@pytest.mark.slow
def test_fit_predict_on_real_features_beats_chance_on_an_unseen_speaker(small):
    df, X = small
    train = df.speaker != "10"
    head = VoiceEmotionHead(C=0.01).fit(X[train.to_numpy()], df.emotion[train])
    assert list(head.classes_) == sorted(set(df.emotion))
    p = head.predict_proba(X[~train.to_numpy()])
    assert p.shape == ((~train).sum(), 7)
    assert np.allclose(p.sum(axis=1), 1.0) and (p >= 0).all()
    acc = np.mean(head.predict(X[~train.to_numpy()]) == df.emotion[~train].to_numpy())
    assert acc > 0.35, acc  # chance is 1/7


@pytest.mark.slow
def test_sklearn_conventions(small):
    df, X = small
    head = VoiceEmotionHead(C=0.1, blocks=[["egemaps"], ["logmel"]], clip=4.0)
    assert head.get_params()["C"] == 0.1 and not hasattr(head, "classes_")  # no work in __init__
    fitted = head.fit(X, df.emotion)
    assert fitted is head and len(head.coefs_) == 2
    assert clone(head).get_params() == head.get_params() and not hasattr(clone(head), "coefs_")
    assert np.allclose(head.predict_proba(X).sum(axis=1), 1.0)
    with pytest.raises(ValueError, match="no columns for feature block"):
        VoiceEmotionHead(blocks=[["compare"]]).fit(X, df.emotion)
    with pytest.raises(ModelError, match="not fitted"):
        VoiceEmotionHead().predict(X)


@pytest.mark.slow
def test_save_load_round_trip_without_pickle(small, tmp_path):
    df, X = small
    head = VoiceEmotionHead(C=0.05, blocks=[["egemaps"], ["logmel"]]).fit(X, df.emotion)
    head.save(tmp_path, meta={"note": "x"})
    again = VoiceEmotionHead.load(tmp_path)
    assert np.allclose(again.predict_proba(X), head.predict_proba(X), atol=1e-5)
    assert again.config_["note"] == "x"
    with np.load(tmp_path / "head.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
    with pytest.raises(ModelError, match="lacks"):
        again.predict_proba(X.drop(columns=X.columns[:3]))
    (tmp_path / "head.npz").write_bytes(b"broken")
    with pytest.raises(ModelError, match="unreadable"):
        VoiceEmotionHead.load(tmp_path)
    with pytest.raises(ModelError, match="not found"):
        VoiceEmotionHead.load(tmp_path / "nowhere")


def test_speaker_standardise_by_hand():
    X = np.array([[1.0, 10.0], [3.0, 10.0], [100.0, 0.0], [300.0, 2.0]])
    Z = speaker_standardise(X, ["a", "a", "b", "b"])
    assert Z[:, 0].tolist() == [-1.0, 1.0, -1.0, 1.0]
    assert Z[:2, 1].tolist() == [0.0, 0.0]  # a constant feature stays finite


def test_prediction_label_is_canonical_but_boredom_is_scored():
    classes = ["anger", "boredom", "disgust", "fear", "joy", "neutral", "sadness"]
    pred = to_prediction(classes, np.array([0.05, 0.6, 0.05, 0.05, 0.05, 0.15, 0.05]))
    assert list(pred.scores) == ["anger", "disgust", "fear", "joy", "neutral", "sadness", "boredom"]
    assert pred.label == "neutral" and pred.label in EMOTION
    assert sum(pred.scores.values()) == pytest.approx(1.0)


@pytest.mark.slow
def test_shipped_weights_load_and_classify_held_in_files(shared_data, cache):
    from affectkit.bench.datasets import load_emodb

    head = bundled_voice_head()
    assert head.config_["training"]["debug"] is False
    assert set(head.classes_) == {"anger", "disgust", "fear", "joy", "neutral", "sadness"}  # v2: boredom trained as neutral
    df = load_emodb()
    # 21 files of the training set: 3 per emotion, from different speakers
    pick = df.groupby("emotion").apply(lambda g: g.iloc[[0, len(g) // 2, -1]], include_groups=False)
    pick = pick.reset_index(level=0)
    ext = input_extractor(head)
    X = pd.concat([cache.extract(ext, p) for p in pick.path])
    p = head.predict_proba(X)
    assert np.allclose(p.sum(axis=1), 1.0)
    acc = np.mean(head.predict(X) == pick.emotion.to_numpy())
    assert acc >= 0.7, acc  # chance 1/7; held-in files should mostly be right


def test_weights_are_small_and_carded():
    from affectkit.recognize.voice_head import WEIGHTS_DIR

    files = {f.name: f.stat().st_size for f in WEIGHTS_DIR.iterdir()}
    assert {"config.json", "head.npz", "MODEL_CARD.md"} <= set(files)
    assert sum(files.values()) < 2_000_000
    card = (WEIGHTS_DIR / "MODEL_CARD.md").read_text()
    for word in ("EmoDB", "strict", "leave-one-speaker-out", "python bench/train_voice.py", "seed"):
        assert word in card
    config = json.loads((WEIGHTS_DIR / "config.json").read_text())
    assert config["extractor"]["name"] == "voice.emotion_input"


def test_wide_fit_equals_plain_logistic_regression():
    """The row-space shortcut for more features than rows gives sklearn's own solution."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((60, 300))
    y = np.array(list("abc") * 20)
    X[y == "a", :5] += 1.0
    head = VoiceEmotionHead(C=0.05, clip=100.0).fit(X, y)
    Z = (X - X.mean(0)) / X.std(0)
    lr = LogisticRegression(C=0.05, class_weight="balanced", max_iter=3000, tol=1e-8).fit(Z, y)
    assert np.allclose(head.predict_proba(X), lr.predict_proba(Z), atol=1e-3)
