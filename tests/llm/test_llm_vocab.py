"""Open-vocabulary emotion words -> canonical labels, and set-based scores."""
import pytest

from affectkit.core.labels import EMOTION
from affectkit.llm.vocab import (LEXICON, label_set, lexicon_label, map_emotion, map_emotions, normalize,
                                         set_prf, set_scores)


@pytest.mark.parametrize("word,label", [
    ("furious", "anger"), ("thrilled", "joy"), ("anxious", "fear"), ("grief", "sadness"),
    ("astonished", "surprise"), ("disgusted", "disgust"), ("grossed out", "disgust"), ("calm", "neutral"),
    ("Feeling very ANXIOUS.", "fear"), ("happily", "joy"), ("sadness", "sadness"), ("heartbroken", "sadness"),
    ("annoyance", "anger"), ("I'm a bit worried", "fear"),
])
def test_lexicon_words(word, label):
    m = map_emotion(word, embeddings=False)
    assert (m.label, m.word) == (label, word)
    assert m.method in ("lexicon", "canonical")


def test_lexicon_covers_every_label_and_is_large():
    assert len(LEXICON) >= 100
    assert set(LEXICON.values()) == set(EMOTION.labels)
    assert normalize("  Feeling   so  Angry! ") == "angry"
    assert lexicon_label("banana") is None


def test_unknown_words_by_embedding_similarity_and_kept_as_said():
    got = {m.word: m for m in map_emotions(["serenity", "banana", "nostalgic", "joy", ""])}
    assert got["joy"].method == "canonical"
    assert (got["serenity"].label, got["serenity"].method) == ("neutral", "embedding")
    assert got["serenity"].nearest == "serene" and got["serenity"].similarity >= 0.5
    assert got["nostalgic"].label == "sadness"  # in the lexicon
    assert (got["banana"].label, got["banana"].method) == (None, "unknown") and got["banana"].similarity < 0.5
    assert got[""].label is None
    # lexicon only: unknown words stay unknown
    assert map_emotion("serenity", embeddings=False).method == "unknown"
    assert label_set(["furious", "livid", "scared", "banana"], embeddings=False) == {"anger", "fear"}


def test_set_prf_hand_computed():
    assert set_prf({"anger", "fear"}, {"anger"}) == (0.5, 1.0, pytest.approx(2 / 3))
    assert set_prf({"joy"}, {"sadness"}) == (0.0, 0.0, 0.0)
    assert set_prf(set(), set()) == (1.0, 1.0, 1.0)
    assert set_prf(set(), {"joy"}) == (0.0, 0.0, 0.0)
    assert set_prf({"joy"}, set()) == (0.0, 0.0, 0.0)


def test_set_scores_sample_and_micro_averages():
    s = set_scores([{"anger", "fear"}, {"joy"}, {"sadness"}], [{"anger"}, {"joy", "surprise"}, {"neutral"}])
    # per item P: .5, 1, 0 -> .5; R: 1, .5, 0 -> .5; F1: 2/3, 2/3, 0 -> 4/9
    assert s["sample_precision"] == pytest.approx(0.5) and s["sample_recall"] == pytest.approx(0.5)
    assert s["sample_f1"] == pytest.approx(4 / 9)
    # pooled: 2 hits, 4 predicted, 4 reference
    assert (s["micro_precision"], s["micro_recall"], s["micro_f1"], s["n"]) == (0.5, 0.5, 0.5, 3)
    with pytest.raises(ValueError):
        set_scores([{"joy"}], [])
