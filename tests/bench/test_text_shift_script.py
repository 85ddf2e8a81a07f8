"""bench/text_shift.py's rewritings: what each condition does to a text, seeded."""
import random

import pytest

from conftest import bench_script

ts = bench_script("text_shift")


def test_punctuation_conditions():
    text = "Don\u2019t stop, okay?! It's \u201cfine\u201d -- really..."
    assert ts.no_punctuation(text) == "Dont stop okay Its fine really"
    assert ts.no_punctuation(text, keep_apostrophes=True) == "Don't stop okay It's fine really"
    assert ts.no_punctuation("!!!") == ""


def test_word_edits_are_seeded_and_touch_only_words():
    rng = random.Random(0)
    for _ in range(50):
        w = ts.typo("really", rng)  # a swap of the two l's leaves it as it was
        assert abs(len(w) - 6) <= 1 and set(w) <= set("really")
        assert sorted(w) == sorted("really") or len(w) != 6  # a swap moves letters, adds or drops none
    assert ts.elongate("so") == "sooo" and ts.elongate("crazy") == "crazyyy" and ts.elongate("hmm") == "hmm"
    cond = ts.conditions(seed=3)
    texts = ["I really cannot believe this happened today!", "ok", "Wonderful news, everyone."] * 20
    once, again = cond["typos"](texts), cond["typos"](texts)
    assert once == again and once != texts and len(once) == len(texts)
    assert all(a.split(" ")[-1] == b.split(" ")[-1] for a, b in zip(once, texts))  # "today!" has a mark: kept
    assert cond["clean"] is None and ts.changed_share(texts, None) == 0.0
    assert 0 < ts.changed_share(texts, cond["elongation"]) < 1


def test_needs_shared_data_for_a_run(tmp_path, shared_data):
    pytest.importorskip("onnxruntime")
    assert ts.main(["--limit", "30", "--out", str(tmp_path / "t.json")]) == 0
    import json

    doc = json.loads((tmp_path / "t.json").read_text())
    assert set(doc["conditions"]) == {"clean", "no_punctuation", "transcript_style", "typos", "elongation"}
    assert doc["n"] == {"meld": 30, "carer": 30, "goemotions": 30} and doc["provenance"]["seeds"] == [0]
    assert doc["conditions"]["no_punctuation"]["texts_changed"]["meld"] > 0.5
    assert set(doc["change_from_clean"]["typos"]) == {"meld_emotion_weighted_f1", "meld_sentiment_weighted_f1",
                                                     "carer_accuracy", "goemotions_macro_f1"}
