import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from affectkit.recognize.lexical import TfidfLogReg

TEXTS = ["i love this so much", "i hate that thing", "love it, lovely day", "hate you, awful",
         "so happy and in love", "angry, hate and rage", "what a lovely gift", "this is awful and bad"]
Y = np.array([0, 1, 0, 1, 0, 1, 0, 1])


def test_matches_sklearn_and_survives_save_load(tmp_path):
    m = TfidfLogReg(min_df=1, C=3.0).fit(TEXTS, Y)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True).fit(TEXTS)
    ref = LogisticRegression(C=3.0, max_iter=2000).fit(vec.transform(TEXTS), Y)
    new = ["i love you", "awful hate", "neutral words only"]
    np.testing.assert_allclose(m.predict_proba(new)[:, 1], ref.predict_proba(vec.transform(new))[:, 1], atol=1e-6)
    assert list(m.predict(new)[:2]) == [0, 1]
    m.save(tmp_path / "lex.npz")
    again = TfidfLogReg.load(tmp_path / "lex.npz")
    np.testing.assert_allclose(again.predict_proba(new), m.predict_proba(new), atol=2e-3)  # fp16 weights
    assert again.get_params() == m.get_params()
    assert clone(m).get_params()["C"] == 3.0


def test_multilabel():
    y = np.stack([Y, 1 - Y, np.array([1, 0, 1, 0, 0, 0, 1, 0])], 1)
    m = TfidfLogReg(min_df=1, multilabel=True).fit(TEXTS, y)
    p = m.predict_proba(["lovely love"])
    assert p.shape == (1, 3) and p[0, 1] > 0.5 > p[0, 0]  # column 1 is "not Y": the love texts
    assert not np.isclose(p.sum(), 1.0)
