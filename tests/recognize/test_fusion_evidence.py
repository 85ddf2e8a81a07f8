"""The evidence rule (issue 17): neutral words no longer veto a voice and a face that agree, all
neutral stays neutral, conflicts are still flagged, an abstaining voice is handled, one modality
is that modality; the shipped settings; the explanation says each share and why."""
import json

import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.core.labels import EMOTION
from affectkit.explain import explain_utterance
from affectkit.recognize.fusion import (FusionConfig, bundled_fusion, calibrated, canonical, evidence,
                                        evidence_pool, fuse, robust)

# usual readings like the heads' own: words mostly neutral (MELD), voice and face spread out
PRIORS = {"text": {"anger": 0.11, "disgust": 0.03, "fear": 0.03, "joy": 0.17, "neutral": 0.46, "sadness": 0.07,
                   "surprise": 0.13},
          "voice": {"anger": 0.22, "boredom": 0.15, "disgust": 0.08, "fear": 0.13, "joy": 0.13, "neutral": 0.16,
                    "sadness": 0.13},
          "face": {"anger": 0.13, "disgust": 0.02, "fear": 0.12, "joy": 0.25, "neutral": 0.18, "sadness": 0.17,
                   "surprise": 0.13}}
EV = FusionConfig(rule="evidence", evidence_weights={"text": 1.0, "voice": 1.0, "face": 1.0}, priors=PRIORS,
                  neutral_bias=0.5, abstain_power=1.0)
LINEAR = FusionConfig(weights={"text": 2.0, "voice": 1.0, "face": 1.0})


def _spread(prior, kw, left):
    rest = {l: p for l, p in prior.items() if l not in kw}
    return {**{l: left * p / sum(rest.values()) for l, p in rest.items()}, **kw}


def dist(modality="text", **kw):
    """A reading over the 7 labels: the given ones, the rest spread as the head usually spreads it
    (a calibrated head's mass on labels it has no evidence for follows their base rates)."""
    return _spread({l: p for l, p in PRIORS[modality].items()}, kw, 1.0 - sum(kw.values()))


def voice(boredom=0.0, **kw):
    """A voice-head reading: EmoDB's labels (no surprise, plus boredom)."""
    prior = {l: p for l, p in PRIORS["voice"].items() if l != "boredom"}
    return {**_spread(prior, kw, 1.0 - boredom - sum(kw.values())), "boredom": boredom}


# the case: confident neutral words, a sad voice and a sad face
NEUTRAL_WORDS = dist(neutral=0.62, joy=0.1)
SAD_VOICE = voice(sadness=0.7, neutral=0.1)
SAD_FACE = dist("face", sadness=0.5, neutral=0.2)


@pytest.mark.parametrize("cfg", [EV, "shipped"])
def test_neutral_words_no_longer_veto_an_agreeing_voice_and_face(cfg):
    cfg = bundled_fusion() if cfg == "shipped" else cfg
    f = fuse({"text": NEUTRAL_WORDS, "voice": SAD_VOICE, "face": SAD_FACE}, cfg)
    assert f.label == "sadness" and f.scores["sadness"] > 0.5
    assert f.weights["text"] < min(f.weights["voice"], f.weights["face"])   # the words bring little evidence
    before = fuse({"text": NEUTRAL_WORDS, "voice": SAD_VOICE, "face": SAD_FACE}, LINEAR)
    assert before.label == "neutral"                                          # the rule before: the veto


@pytest.mark.parametrize("cfg", [EV, "shipped"])
def test_all_neutral_or_near_it_stays_neutral(cfg):
    cfg = bundled_fusion() if cfg == "shipped" else cfg
    clear = fuse({"text": dist(neutral=0.8), "voice": voice(neutral=0.8), "face": dist("face", neutral=0.7)}, cfg)
    assert clear.label == "neutral" and clear.scores["neutral"] > 0.7 and not clear.conflict
    # near neutral: each head's top label is neutral, but weakly, and each leans a different way
    near = fuse({"text": dist(neutral=0.40, joy=0.2), "voice": voice(neutral=0.35, anger=0.2, boredom=0.1),
                 "face": dist("face", neutral=0.35, sadness=0.25)}, cfg)
    assert near.label == "neutral" and not near.conflict


@pytest.mark.parametrize("cfg", [EV, "shipped"])
def test_a_real_conflict_is_still_flagged(cfg):
    cfg = bundled_fusion() if cfg == "shipped" else cfg
    f = fuse({"text": dist(joy=0.8), "voice": voice(anger=0.8)}, cfg)
    assert f.conflict and "text says joy, voice says anger" in f.conflicts[0]
    assert f.label in ("joy", "anger") and sum(f.scores.values()) == pytest.approx(1.0)
    three = fuse({"text": dist(joy=0.8), "voice": voice(anger=0.8), "face": dist("face", anger=0.6)}, cfg)
    assert three.conflict and three.label == "anger"                          # two against one
    agree = fuse({"text": dist(anger=0.7), "voice": voice(anger=0.8), "face": dist("face", anger=0.6)}, cfg)
    assert not agree.conflict and agree.label == "anger"


@pytest.mark.parametrize("cfg", [EV, "shipped"])
def test_one_modality_is_that_modality(cfg):
    cfg = bundled_fusion() if cfg == "shipped" else cfg
    for m, s in (("text", NEUTRAL_WORDS), ("face", SAD_FACE), ("voice", SAD_VOICE)):
        f = fuse({m: s, "other": None}, cfg)
        want, _ = canonical(calibrated(s, cfg.temperature(m)))
        assert f.weights == {m: 1.0} and f.label == max(want, key=want.get)
        assert f.scores == pytest.approx({l: want.get(l, 0.0) for l in EMOTION.labels})
    assert fuse({"voice": SAD_VOICE}, cfg).scores["surprise"] == 0.0          # the voice has no surprise


def test_an_abstaining_voice_is_handled():
    words, face = dist(joy=0.5), dist("face", joy=0.6)
    plain = fuse({"text": words, "voice": voice(joy=0.6), "face": face}, EV)
    bored = fuse({"text": words, "voice": voice(boredom=0.9, joy=0.06), "face": face}, EV)
    assert bored.label == "joy" and sum(bored.scores.values()) == pytest.approx(1.0)
    assert bored.abstained["voice"]["boredom"] == pytest.approx(0.9)
    assert 0 < bored.weights["voice"] < plain.weights["voice"]                # it says less, not nothing
    # strength (1 - 0.9) ** power: with power 0 the canonical evidence counts in full
    full = fuse({"text": words, "voice": voice(boredom=0.9, joy=0.06), "face": face},
                FusionConfig(**{**EV.__dict__, "abstain_power": 0.0}))
    assert full.weights["voice"] > bored.weights["voice"]
    said = explain_utterance(bored, {"text": ["great"], "voice": [], "face": []})
    assert "voice (" in said and "abstains: 90% boredom" in said
    gone = fuse({"text": words, "voice": voice(boredom=1.0), "face": face}, EV)
    assert "voice" in gone.skipped and set(gone.weights) == {"text", "face"}


def test_the_voice_neither_confirms_nor_denies_surprise():
    e, _ = evidence(canonical(voice(anger=0.7))[0], EV.prior("voice", canonical(voice())[0]))
    assert e[EMOTION.index("surprise")] == 0.0 and e[EMOTION.index("anger")] > 0
    f = fuse({"text": dist(surprise=0.6), "voice": voice(neutral=0.3), "face": dist("face", surprise=0.5)}, EV)
    assert f.label == "surprise"


def test_shares_follow_the_evidence_and_the_explanation_says_why():
    f = fuse({"text": PRIORS["text"], "voice": SAD_VOICE, "face": SAD_FACE}, EV)  # words read what they usually read
    assert f.information["text"] == pytest.approx(0.0, abs=1e-9) and f.weights["text"] == pytest.approx(0.0, abs=1e-9)
    assert sum(f.weights.values()) == pytest.approx(1.0)
    said = explain_utterance(f, {"text": [], "voice": [], "face": []})
    assert said.startswith("text (neutral, 0%, weak evidence: close to its usual reading): no emotion words")
    usual = fuse({"text": PRIORS["text"], "face": PRIORS["face"]}, EV)              # nobody says anything
    assert usual.weights == pytest.approx({"text": 0.5, "face": 0.5})


def test_fuse_agrees_with_the_vectorised_pool_the_fit_uses():
    s = {"text": NEUTRAL_WORDS, "voice": voice(sadness=0.5, boredom=0.3), "face": SAD_FACE}
    rows, strengths = [], []
    for m, x in s.items():
        p, out = canonical(calibrated(x, EV.temperature(m)))
        rows.append(evidence(p, EV.prior(m, list(p)))[0])
        strengths.append(EV.evidence_weight(m) * (1 - out) ** EV.abstain_power)
    batch = evidence_pool(np.asarray([rows, rows]), np.asarray([strengths, strengths]), EV.neutral_bias)
    assert batch[0] == pytest.approx(list(fuse(s, EV).scores.values()))


def test_the_shipped_settings_use_the_fitted_evidence_rule():
    cfg = bundled_fusion()
    assert cfg.rule == "evidence" and cfg.name == "affectkit-late-fusion@6"
    assert 0 < cfg.contamination < 1                                          # fitted, so the floor is on
    assert set(cfg.priors) == {"text", "voice", "face"} and all(w > 0 for w in cfg.evidence_weights.values())
    for m, p in cfg.priors.items():
        assert sum(p.values()) == pytest.approx(1.0, abs=1e-3)
    assert "boredom" not in cfg.priors["voice"] and "surprise" not in cfg.priors["voice"]


def test_bad_pool_settings_are_typed_errors(tmp_path):
    base = {"temperatures": {"text": 1.0}, "weights": {"text": 2.0}}
    for pool, msg in (({"rule": "vote"}, "unknown pooling rule"),
                      ({"rule": "evidence", "evidence_weights": {"text": 0}}, "positive"),
                      ({"rule": "evidence", "abstain_power": -1}, "abstain_power"),
                      ({"rule": "evidence", "contamination": 1.0}, "contamination"),
                      ({"rule": "evidence", "contamination": -0.1}, "contamination"),
                      ({"evidence_weights": {}}, "incomplete")):
        path = tmp_path / "c.json"
        path.write_text(json.dumps({**base, "pool": pool}))
        with pytest.raises(ModelError, match=msg):
            FusionConfig.load(path)
    path.write_text(json.dumps(base))
    assert FusionConfig.load(path).rule == "linear"                            # settings before the pool


# examples/talk.flac, first sentence ("Thanks for coming in..."): the text and voice heads' own scores
TALK_WORDS = {"anger": 0.015, "disgust": 0.009, "fear": 0.01, "joy": 0.782, "neutral": 0.075, "sadness": 0.014,
              "surprise": 0.096}
TALK_VOICE = {"anger": 0.84, "disgust": 0.02, "fear": 0.004, "joy": 0.011, "neutral": 0.091, "sadness": 0.027,
              "boredom": 0.006}


def test_contaminated_evidence_is_floored_and_leaves_no_evidence_alone():
    r = np.log(np.asarray([1e-4, 0.05, 1.0, 4.0]))
    assert robust(r, 0.0) is r                                                # eps 0: the plain log-ratio
    out = robust(r, 0.2)
    assert out.min() >= np.log(0.2) and out[2] == pytest.approx(0.0)           # ratio 1 stays 0
    assert out[3] == pytest.approx(np.log(0.2 + 0.8 * 4.0)) and np.all(np.diff(out) > 0)  # monotone
    e, _ = evidence(canonical(voice(anger=0.95))[0], EV.prior("voice", canonical(voice())[0]), 0.2)
    assert e.min() >= np.log(0.2) and e[EMOTION.index("surprise")] == 0.0


@pytest.mark.parametrize("cfg", ["robust", "shipped"])
def test_a_two_head_conflict_fuses_to_one_of_the_heads_labels(cfg):
    cfg = bundled_fusion() if cfg == "shipped" else FusionConfig(**{**EV.__dict__, "contamination": 0.2})
    both = ("anger", "disgust", "fear", "joy", "sadness")                     # labels both heads can express
    for a in both:
        for b in both:
            if a == b:
                continue
            for pa, pb in ((0.8, 0.8), (0.6, 0.9), (0.9, 0.6)):
                f = fuse({"text": dist(**{a: pa}), "voice": voice(**{b: pb})}, cfg)
                assert f.label in (a, b), (a, pa, b, pb, f.scores)
                assert f.conflict and f"text says {a}, voice says {b}" in f.conflicts[0]
    f = fuse({"text": TALK_WORDS, "voice": TALK_VOICE}, cfg)                   # the real readings
    assert f.label in ("joy", "anger") and f.conflict


def test_without_the_floor_a_conflict_fused_to_a_label_no_head_gave():
    # fusion@2's fitted parameters (no contamination): joy words + an "angry" voice fused to surprise
    v2 = FusionConfig(**{**bundled_fusion().__dict__, "contamination": 0.0, "neutral_bias": 0.156,
                         "evidence_weights": {"text": 0.7591, "voice": 0.502, "face": 0.832}})
    assert fuse({"text": TALK_WORDS, "voice": TALK_VOICE}, v2).label == "surprise"
    assert fuse({"text": TALK_WORDS, "voice": TALK_VOICE}).label in ("joy", "anger")
