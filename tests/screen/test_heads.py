"""The screening heads as estimators: fit on given embeddings, save as plain arrays, load back to
the same probabilities; a missing or broken folder is a ModelError naming it; the choice on dev
and the "high" threshold behave as documented."""
import numpy as np
import pytest
from sklearn.base import clone

from affectkit.core.errors import ModelError
from affectkit.screen.heads import ScreenHead
from affectkit.train.screen import choose, dreaddit_dev_split, high_threshold

TEXTS = [f"i am so {w} about work and money {i}" for i, w in enumerate(["stressed", "worried", "anxious"] * 10)] + \
        [f"we had a {w} day at the park {i}" for i, w in enumerate(["lovely", "great", "fine"] * 10)]
Y = np.array([1] * 30 + [0] * 30)


def _emb(n, seed=0):
    e = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    e[:30, 0] += 2.0  # the positives differ along one axis
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def test_fit_save_load_round_trip(tmp_path):
    emb = _emb(60)
    head = ScreenHead(C_embedding=0.1, C_tfidf=1.0, weight=0.5, threshold=0.45).fit(TEXTS, Y, emb=emb)
    p = head.predict_proba(TEXTS, emb)[:, 1]
    assert p[:30].mean() > p[30:].mean() and head.predict(TEXTS, emb).tolist() == (p >= 0.45).astype(int).tolist()
    head.save(tmp_path / "h", meta={"high_threshold": 0.8})
    back = ScreenHead.load(tmp_path / "h")
    assert np.allclose(back.predict_proba(TEXTS, emb)[:, 1], p, atol=1e-3)
    assert back.threshold == 0.45 and back.meta_["high_threshold"] == 0.8
    assert clone(head).get_params() == head.get_params()


def test_missing_or_broken_head_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="retrain with: python bench/train_screen.py"):
        ScreenHead.load(tmp_path / "nothing")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match="unreadable"):
        ScreenHead.load(tmp_path / "bad")


def test_choose_on_dev_and_the_high_threshold():
    emb = _emb(60)
    idx = np.r_[0:20, 30:50]
    dev = np.r_[20:30, 50:60]
    ch = choose([TEXTS[i] for i in idx], Y[idx], [TEXTS[i] for i in dev], Y[dev], emb[idx], emb[dev],
                grid={"C_embedding": [0.1], "C_tfidf": [1.0]}, weights=[0.0, 1.0], thresholds=[0.5])
    assert ch.dev_score == max(r["dev"] for r in ch.tried) and len(ch.tried) == 2
    y = np.array([0, 0, 1, 0, 1, 1, 1, 1, 1, 1])
    p = np.linspace(0.1, 1.0, 10)
    assert high_threshold(y, p, 0.3) == pytest.approx(0.5)  # from 0.3 precision is 7/8, from 0.4 6/7, from 0.5 1
    assert high_threshold(y, p, 0.3, precision=0.85) == pytest.approx(0.3)
    assert high_threshold(y, p, 0.3, precision=1.01) == pytest.approx(1.0)  # never reached: the top positive


def test_dev_split_keeps_the_chunks_of_a_post_together():
    posts = [f"p{i // 3}" for i in range(300)]
    dev = dreaddit_dev_split(posts)
    by_post = {}
    for p, d in zip(posts, dev):
        by_post.setdefault(p, set()).add(bool(d))
    assert all(len(v) == 1 for v in by_post.values()) and 0.1 < dev.mean() < 0.2
