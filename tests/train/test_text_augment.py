"""Punctuation dropped from a seeded share of training texts (train.text_augment)."""
import pytest

from affectkit.recognize.text_config import contextual_pairs
from affectkit.train.text_augment import drop_punctuation, strip_punctuation


def test_strip_punctuation():
    assert strip_punctuation("Don\u2019t go... please!") == "Dont go please"
    assert strip_punctuation("Don't go, okay?", keep_apostrophes=True) == "Don't go okay"
    assert strip_punctuation("wait -- what?!") == "wait what"
    assert strip_punctuation("?!") == ""


def test_a_seeded_share_loses_its_marks():
    texts = [f"Really, number {i}?!" for i in range(400)] + ["?!"]
    out, chosen = drop_punctuation(texts, 0.3, seed=7)
    again, chosen2 = drop_punctuation(texts, 0.3, seed=7)
    assert out == again and (chosen == chosen2).all() and len(out) == len(texts)
    assert 0.22 < chosen[:400].mean() < 0.38
    assert all(t == (strip_punctuation(t0) if pick else t0) for t, t0, pick in zip(out[:400], texts, chosen))
    assert out[-1] == "?!"  # would be empty: kept as written
    assert drop_punctuation(texts, 0.0, seed=7)[0] == texts
    with pytest.raises(ValueError, match="between 0 and 1"):
        drop_punctuation(texts, 1.5, seed=0)
    with pytest.raises(ValueError, match="groups"):
        drop_punctuation(texts, 0.5, seed=0, groups=[1, 2])


def test_a_dialogue_is_chosen_whole_and_its_context_matches():
    texts, dialogues = [], []
    for d in range(60):
        for u in range(3):
            texts.append(f"Line {u}, of {d}!")
            dialogues.append(f"d{d}")
    out, chosen = drop_punctuation(texts, 0.5, seed=1, groups=dialogues)
    for d in range(60):
        assert len(set(chosen[3 * d:3 * d + 3])) == 1  # all or none of a dialogue
    assert 0 < chosen.mean() < 1
    pairs = contextual_pairs(out, ["A", "B", "A"] * 60, dialogues, 3)
    d = int(chosen.argmax()) // 3  # a chosen dialogue: its last line's context has no marks but the speakers'
    text, context = pairs[3 * d + 2]
    assert text == f"Line 2 of {d}" and "Line 0 of" in context and "!" not in context and "," not in context
