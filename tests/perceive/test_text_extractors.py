import numpy as np
import pytest

from affectkit.core.errors import InputError
from affectkit.perceive import EXTRACTORS
import affectkit.perceive.text  # noqa: F401
from affectkit.perceive.text import nrc_words


def test_minilm_embeddings():
    ext = EXTRACTORS.get("text.minilm")()
    df = ext.extract(["I am very happy", "I feel so glad", "The invoice is attached"])
    assert df.shape == (3, 384)
    x = df.to_numpy()
    np.testing.assert_allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)
    assert x[0] @ x[1] > x[0] @ x[2] + 0.2
    assert ext.extract([]).shape == (0, 384)


def test_lexicon_features():
    ext = EXTRACTORS.get("text.lexicon")()
    df = ext.extract(["I love this wonderful day", "I am afraid and miserable", ""])
    assert df.loc[0, "vader_compound"] > 0.5 and df.loc[0, "nrc_joy"] > 0
    assert df.loc[1, "nrc_fear"] > 0 and df.loc[1, "vader_compound"] < 0
    assert df.loc[2, "n_tokens"] == 0 and df.loc[2, "nrc_joy"] == 0
    assert "joy" in nrc_words("What a wonderful surprise")
    with pytest.raises(InputError):
        ext.extract([3])
