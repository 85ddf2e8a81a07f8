from affectkit.bench.datasets import load_carer, load_goemotions, load_meld
from affectkit.core.errors import DataError
from affectkit.core.labels import EMOTION, SENTIMENT, CARER_LABELS

import pytest


def test_meld(shared_data):
    sizes = {s: len(load_meld(s)) for s in ("train", "dev", "test")}
    assert sizes == {"train": 9989, "dev": 1109, "test": 2610}
    df = load_meld("test")
    assert set(df.emotion) == set(EMOTION.labels) and set(df.sentiment) == set(SENTIMENT.labels)
    assert df.dialogue_id.nunique() == 280
    first = df[df.dialogue_id == "test-0"]
    assert list(first.utterance_id) == sorted(first.utterance_id)


def test_goemotions(shared_data):
    df = load_goemotions("test")
    assert len(df) == 5427
    assert all(1 <= len(l) <= 5 for l in df.labels)
    single = df.emotion.dropna()
    assert set(single) == set(EMOTION.labels)
    row = df[df.labels.apply(lambda l: l == ("nervousness",))].iloc[0]
    assert row.emotion == "fear"


def test_carer(shared_data):
    df = load_carer("test")
    assert len(df) == 2000 and set(df.label) == set(CARER_LABELS)
    assert set(df[df.label == "love"].emotion) == {"joy"}


def test_bad_split(shared_data):
    with pytest.raises(DataError, match="splits"):
        load_meld("validation")
