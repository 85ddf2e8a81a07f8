"""Late fusion: renormalising over the modalities present, the voice head's extra and missing
labels, modality shares, conflicts, and the shipped settings."""
import json

import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.core.labels import EMOTION
from affectkit.recognize.calibrate import temperature_scale
from affectkit.recognize.fusion import FusionConfig, bundled_fusion, fuse, js_divergence

CFG = FusionConfig(temperatures={}, weights={"text": 2.0, "voice": 1.0})  # no calibration: easy arithmetic


def dist(**kw):
    """A distribution over the 7 canonical labels: the given ones, the rest shared equally."""
    rest = [l for l in EMOTION.labels if l not in kw]
    left = 1.0 - sum(kw.values())
    return {**{l: left / len(rest) for l in rest}, **kw}


def voice(boredom=0.0, **kw):
    """A voice-head distribution: EmoDB's labels (no surprise, plus boredom)."""
    labels = [l for l in EMOTION.labels if l != "surprise"]
    rest = [l for l in labels if l not in kw]
    left = 1.0 - boredom - sum(kw.values())
    return {**{l: left / len(rest) for l in rest}, **kw, "boredom": boredom}


def test_one_modality_is_its_own_answer_and_missing_ones_are_left_out():
    text = dist(joy=0.6, surprise=0.2)
    for scores in ({"text": text}, {"text": text, "voice": None}, {"text": text, "voice": {}}):
        f = fuse(scores, CFG)
        assert f.weights == {"text": 1.0} and f.label == "joy" and not f.conflict
        assert f.scores == pytest.approx(text)
    assert fuse({"text": None, "voice": None}, CFG) is None and fuse({}, CFG) is None


def test_voice_only_drops_boredom_and_has_no_surprise():
    f = fuse({"voice": voice(boredom=0.4, anger=0.3)}, CFG)
    assert f.weights == {"voice": 1.0} and set(f.scores) == set(EMOTION.labels)
    assert f.scores["surprise"] == 0.0 and sum(f.scores.values()) == pytest.approx(1.0)
    assert f.scores["anger"] == pytest.approx(0.3 / 0.6) and f.label == "anger"


def test_both_modalities_weights_sum_to_one_and_follow_the_priors():
    f = fuse({"text": dist(joy=0.7), "voice": voice(joy=0.5)}, CFG)
    assert f.weights == pytest.approx({"text": 2 / 3, "voice": 1 / 3})
    assert sum(f.weights.values()) == pytest.approx(1.0) and sum(f.scores.values()) == pytest.approx(1.0)
    assert f.label == "joy" and not f.conflict
    assert 0.5 < f.scores["joy"] < 0.7                       # between the two readings


def test_boredom_is_an_abstention_that_shrinks_the_voice_share():
    f = fuse({"text": dist(joy=0.7), "voice": voice(boredom=0.5, anger=0.4)}, CFG)
    assert f.weights["voice"] == pytest.approx(0.5 / 2.5)    # 1 x (1 - 0.5) against text's 2
    bored = fuse({"text": dist(joy=0.7), "voice": voice(boredom=1.0)}, CFG)
    assert bored.weights == {"text": 1.0} and "voice" in bored.skipped


def test_the_voice_neither_confirms_nor_denies_surprise():
    text = dist(surprise=0.6, joy=0.2)
    for v in (voice(anger=0.7), voice(neutral=0.9), voice(joy=0.5)):
        f = fuse({"text": text, "voice": v}, CFG)
        assert f.scores["surprise"] == pytest.approx(0.6)      # as much as the words say
        assert sum(f.scores.values()) == pytest.approx(1.0)
    calm = fuse({"text": text, "voice": voice(neutral=0.9)}, CFG)
    angry = fuse({"text": text, "voice": voice(anger=0.9)}, CFG)
    assert calm.scores["neutral"] > angry.scores["neutral"] and angry.scores["anger"] > calm.scores["anger"]


def test_temperatures_are_applied_before_fusing():
    v = voice(boredom=0.1, anger=0.6)
    cfg = FusionConfig(temperatures={"voice": 2.0}, weights={})
    labels = list(v)
    soft = dict(zip(labels, temperature_scale(np.array([[v[l] for l in labels]]), 2.0)[0]))
    f = fuse({"voice": v}, cfg)
    kept = sum(p for l, p in soft.items() if l != "boredom")
    assert f.scores["anger"] == pytest.approx(soft["anger"] / kept)
    assert f.scores["anger"] < fuse({"voice": v}, FusionConfig()).scores["anger"]


def test_a_new_modality_plugs_in_by_name():
    f = fuse({"text": dist(joy=0.6), "voice": voice(joy=0.5), "face": dist(joy=0.8)}, CFG)
    assert f.weights == pytest.approx({"text": 0.5, "voice": 0.25, "face": 0.25})   # unknown: weight 1
    assert f.label == "joy" and set(f.readings) == {"text", "voice", "face"}


def test_conflict_fires_on_strong_disagreement_only():
    clash = fuse({"text": dist(joy=0.8), "voice": voice(anger=0.8)}, CFG)
    assert clash.conflict and "text says joy, voice says anger" in clash.conflicts[0]
    agree = fuse({"text": dist(anger=0.7), "voice": voice(anger=0.8)}, CFG)
    assert not agree.conflict
    close = fuse({"text": dist(joy=0.40, neutral=0.35), "voice": voice(neutral=0.40, joy=0.35)}, CFG)
    assert not close.conflict                                  # top labels differ, distributions do not


def test_valence_conflict_positive_words_angry_voice():
    scores = {"text": dist(neutral=0.5), "voice": voice(neutral=0.4, anger=0.3, disgust=0.2)}
    assert not fuse(scores, CFG).conflict                      # both neutral on top, no sentiment given
    f = fuse(scores, CFG, valence={"text": 0.8})               # the text's sentiment: clearly positive
    assert f.conflicts == ["text reads positive, voice negative"]


def test_js_divergence_bounds():
    p = dist(joy=0.5)
    assert js_divergence(p, p) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence({"a": 1.0, "b": 0.0}, {"a": 0.0, "b": 1.0}) == pytest.approx(1.0)


def test_unusable_scores_are_left_out_and_bad_settings_are_typed_errors(tmp_path):
    f = fuse({"text": dist(joy=0.6), "voice": {"joy": float("nan"), "anger": 0.5}}, CFG)
    assert f.weights == {"text": 1.0} and "voice" in f.skipped
    assert fuse({"voice": {"joy": -1.0, "anger": 0.5}}, CFG) is None
    with pytest.raises(ModelError, match="bench/calibrate.py"):
        FusionConfig.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"temperatures": {"text": -1}, "weights": {}}))
    with pytest.raises(ModelError, match="positive"):
        FusionConfig.load(bad)


def test_the_shipped_settings_calibrate_text_and_voice():
    cfg = bundled_fusion()
    assert set(cfg.temperatures) >= {"text", "voice"} and all(t > 0 for t in cfg.temperatures.values())
    assert cfg.weight("text") > 0 and cfg.weight("voice") > 0 and cfg.name.startswith("affectkit-late-fusion@")
