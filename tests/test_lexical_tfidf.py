"""The TF-IDF rows the shipped lexical heads compute with numpy equal scikit-learn's
TfidfVectorizer.transform with the same vocabulary and idf (inference then needs no scikit-learn)."""
from pathlib import Path

import numpy as np
import pytest

from affectkit.recognize.lexical import TfidfLogReg

WEIGHTS = Path(__file__).resolve().parent.parent / "src" / "affectkit" / "weights"
TEXTS = ["I can't believe we actually won!!", "", "   ", "a b c", "Ünïcödé CAFÉ naïve déjà-vu",
         "don't stop_me now 123 x2 x2 x2", "so so so so tired of this tired tired life",
         "日本語のテキスト and English", "tabs\tand\nnewlines", "I feel nothing. Nothing at all."]


@pytest.mark.parametrize("name", ["text/lexical_goemotions.npz", "text/lexical_carer.npz",
                                  "screen/stress/tfidf.npz", "screen/depression/tfidf.npz"])
def test_numpy_tfidf_equals_scikit_learn(name):
    m = TfidfLogReg.load(WEIGHTS / name)
    vec = m._vectorizer(m.vocabulary_).fit(["x"])
    vec.idf_ = m.idf_
    ref = vec.transform(TEXTS)
    for i, text in enumerate(TEXTS):
        idx, w = m.tfidf(text)
        row = np.zeros(ref.shape[1])
        row[idx] = w
        np.testing.assert_allclose(row, ref[i].toarray()[0], atol=1e-12)
    np.testing.assert_allclose(m.decision_function(TEXTS), np.asarray(ref @ m.coef_.T) + m.intercept_, atol=1e-9)


def test_ngrams_follow_the_vectorizer_analyzer():
    m = TfidfLogReg((1, 2))
    assert m.ngrams("I am SO happy, a b") == ["am", "so", "happy", "am so", "so happy"]
    assert m.ngrams("") == [] and m.ngrams("x") == []


def test_a_text_with_no_known_term_scores_the_intercept():
    m = TfidfLogReg.load(WEIGHTS / "screen/stress/tfidf.npz")
    np.testing.assert_allclose(m.decision_function(["zzzqqq"])[0], m.intercept_)
