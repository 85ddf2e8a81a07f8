"""The stress network (LoRA MiniLM, screening model v2): it runs on the weights of the sentence
encoder screening already holds (no second copy), reads obviously stressed posts above calm ones,
and a head that needs it says so when it is missing."""
import json
import shutil

import numpy as np
import pytest

from affectkit.core.errors import ModelError
from affectkit.screen import screen_texts
from affectkit.screen.heads import WEIGHTS_DIR, ScreenHead, bundled_screen_model
from affectkit.screen.stress_net import STRESS_NET_DIR, TASK, load_net

STRESSED = ["I have three exams next week, my rent is overdue and my boss keeps threatening to fire me. "
            "I can't sleep, my chest is tight all the time and I don't know how I'm going to cope.",
            "My anxiety is through the roof. Every night I lie awake panicking about money and my "
            "relationship falling apart, and I feel like I'm drowning."]
CALM = ["We spent a relaxed Sunday at the lake, had a picnic and watched the sunset. A lovely day.",
        "Just finished a good book and made pancakes for the kids. Feeling content and rested."]


def test_the_shipped_network_runs_on_the_shared_encoder():
    """On ONNX Runtime the network is an adapter set on the one MiniLM that also computes the
    sentence embeddings: weights of its own only for the two layers it adapts."""
    from affectkit.perceive.minilm import load_minilm

    net = load_net(STRESS_NET_DIR)
    if net.backend != "onnx":
        pytest.skip("AFFECTKIT_BACKEND=torch: the torch path loads its own TextNet")
    assert sorted(net.runtime.adapter.layers) == [4, 5] and net.runtime.adapter.key == str(STRESS_NET_DIR)
    m = load_minilm()
    base = m.layer_weights(5)
    ours = net.runtime.adapter.layers[5]
    assert not np.allclose(ours["attention.self.query.weight"], base["attention.self.query.weight"])
    # the sentence embedding is the base encoder's, whatever adapters are loaded
    from affectkit.screen.heads import embed

    e = embed(CALM[:1])[0]
    ids, types, mask = m.encode(CALM[:1], 256)
    h = m.hidden(ids, types, mask)
    ref = (h * mask[:, :, None]).sum(1) / mask.sum()
    assert np.allclose(e, ref[0] / np.linalg.norm(ref[0]), atol=1e-5)


def test_onnx_and_torch_read_the_same():
    pytest.importorskip("torch")
    from affectkit.recognize.text_model import TextModel

    texts = STRESSED + CALM
    a = TextModel.load(STRESS_NET_DIR, "onnx").predict_proba(texts, TASK)
    b = TextModel.load(STRESS_NET_DIR, "torch").predict_proba(texts, TASK)
    assert np.abs(a - b).max() < 1e-3


def test_stressed_posts_read_above_calm_ones():
    p = load_net(STRESS_NET_DIR).predict_proba(STRESSED + CALM, TASK)[:, 1]
    assert p[:2].min() > 0.5 > p[2:].max()
    recs = screen_texts(STRESSED + CALM)
    assert [r["stress"]["label"] for r in recs] == [True, True, False, False]
    assert min(r["stress"]["probability"] for r in recs[:2]) > max(r["stress"]["probability"] for r in recs[2:])


def test_the_shipped_model_is_version_2_with_the_network_blended_in():
    model = bundled_screen_model()
    cfg = json.loads((WEIGHTS_DIR / "config.json").read_text())
    assert model.name == f"affectkit-screen@{cfg['version']}" == "affectkit-screen@2"
    head = model.heads["stress"]
    assert 0 < head.net_weight <= 1 and head.meta_["net"] == "stress_net" and "stress" in model.nets
    assert model.heads["depression"].net_weight == 0 and model.net_probabilities(["x y"], "depression") is None


def test_a_head_that_blends_a_network_needs_its_probabilities():
    head = ScreenHead(net_weight=0.5).fit(STRESSED * 5 + CALM * 5, np.array([1] * 10 + [0] * 10),
                                          emb=np.random.default_rng(0).normal(size=(20, 384)).astype(np.float32))
    emb = np.zeros((1, 384), np.float32)
    with pytest.raises(ModelError, match="p_net"):
        head.predict_proba(CALM[:1], emb)
    both = head.predict_proba(CALM[:1], emb, p_net=np.array([1.0]))[0, 1]
    alone = ScreenHead(**{**head.get_params(), "net_weight": 0.0})
    alone.__dict__.update({k: v for k, v in head.__dict__.items() if k.endswith("_")})
    assert both == pytest.approx(0.5 + 0.5 * alone.predict_proba(CALM[:1], emb)[0, 1])


def test_missing_or_wrong_network_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="retrain with: python bench/train_stress.py"):
        load_net(tmp_path / "none")
    # a screening folder whose stress head names a network that is not there
    shutil.copytree(WEIGHTS_DIR, tmp_path / "screen", ignore=shutil.ignore_patterns("stress_net"))
    with pytest.raises(ModelError, match="stress network not found"):
        bundled_screen_model(tmp_path / "screen")
    # a text-model folder without a stress head
    from affectkit.recognize.text_model import WEIGHTS_DIR as TEXT_DIR

    with pytest.raises(ModelError, match="no 'stress' head"):
        load_net(TEXT_DIR / "carer")
