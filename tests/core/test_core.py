import pytest

from affectkit.core import EMOTION, SENTIMENT, LabelSpace, Prediction, Registry, RegistryError, InputError
from affectkit.core.labels import (CARER_LABELS, CARER_TO_EMOTION, GOEMOTIONS_EKMAN, GOEMOTIONS_LABELS,
                                   GOEMOTIONS_TO_EMOTION, EMODB_CODES, FER2013_TO_EMOTION)


def test_canonical_spaces():
    assert EMOTION.labels == ("anger", "disgust", "fear", "joy", "neutral", "sadness", "surprise")
    assert SENTIMENT.labels == ("negative", "neutral", "positive")
    assert EMOTION.index("joy") == 3
    with pytest.raises(InputError, match="boredom"):
        EMOTION.index("boredom")
    with pytest.raises(ValueError):
        LabelSpace("x", ("a", "a"))


def test_goemotions_ekman_grouping_is_a_partition_onto_canonical_labels():
    assert len(GOEMOTIONS_LABELS) == 28
    grouped = [f for fines in GOEMOTIONS_EKMAN.values() for f in fines]
    assert sorted(grouped) == sorted(GOEMOTIONS_LABELS)  # each fine label exactly once
    assert set(GOEMOTIONS_TO_EMOTION.values()) == set(EMOTION.labels)
    assert GOEMOTIONS_TO_EMOTION["nervousness"] == "fear"
    assert GOEMOTIONS_TO_EMOTION["disapproval"] == "anger"
    assert GOEMOTIONS_TO_EMOTION["curiosity"] == "surprise"


def test_other_maps():
    assert set(CARER_TO_EMOTION) == set(CARER_LABELS)
    assert CARER_TO_EMOTION["love"] == "joy"
    assert set(CARER_TO_EMOTION.values()) <= set(EMOTION.labels)
    assert EMODB_CODES["F"] == "joy" and EMODB_CODES["L"] == "boredom"
    assert set(FER2013_TO_EMOTION.values()) == set(EMOTION.labels)


def test_prediction_checks_probabilities():
    p = Prediction.from_probs(["a", "b"], [1.0, 3.0])
    assert p.label == "b" and p.scores == {"a": 0.25, "b": 0.75}
    with pytest.raises(ValueError, match="sum to 1"):
        Prediction("a", {"a": 0.5, "b": 0.2})
    with pytest.raises(ValueError, match="not among"):
        Prediction("c", {"a": 0.5, "b": 0.5})


def test_registry_decorator_duplicates_and_unknown():
    reg = Registry("widget")

    @reg.register("one")
    class One:
        pass

    assert reg.get("one") is One
    assert "one" in reg and reg.names() == ["one"]
    reg.register("one", One)  # same object again is harmless
    with pytest.raises(RegistryError, match="already registered"):
        reg.register("one", object())
    with pytest.raises(RegistryError, match="unknown widget 'two'; known: one"):
        reg.get("two")
    with pytest.raises(RegistryError):
        reg.register("", One)


def test_extractors_are_registered():
    from affectkit.perceive import EXTRACTORS
    import affectkit.perceive.text  # noqa: F401  registers

    assert {"text.minilm", "text.lexicon"} <= set(EXTRACTORS.names())
