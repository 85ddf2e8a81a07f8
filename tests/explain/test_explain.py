"""Explanations: voice cues in words, the words behind a text reading (occlusion), and the
one-sentence explanation of a fused reading."""
import pytest

from affectkit.explain import explain_utterance, key_phrases, voice_phrases
from affectkit.explain import text_cues
from affectkit.recognize.fusion import FusionConfig, fuse

CFG = FusionConfig(temperatures={}, weights={"text": 2.0, "voice": 1.0})


def test_voice_phrases_for_given_cue_values():
    assert voice_phrases({"pitch_rel": 0.4}) == ["pitch 40% above this speaker's usual"]
    assert voice_phrases({"pitch_rel": -0.12}) == ["pitch 12% below this speaker's usual"]
    assert voice_phrases({"loudness_rel_db": 3.14}) == ["louder than usual (+3.1 dB)"]
    # strongest first, by how far past its threshold: -20% rate is 1.33x its 15%, -2.5 dB 1.25x its 2 dB
    assert voice_phrases({"loudness_rel_db": -2.5, "rate_rel": -0.2}) == ["slower than usual (-20%)",
                                                                          "quieter than usual (-2.5 dB)"]
    # below every threshold, missing, or not measurable: nothing to say
    assert voice_phrases({"pitch_rel": 0.05, "loudness_rel_db": 1.0, "rate_rel": None,
                          "pause_rel": float("nan")}) == []
    assert voice_phrases(None) == []


def test_voice_phrases_strongest_first_and_at_most_top():
    cues = {"pitch_rel": 0.12, "loudness_rel_db": 6.0, "rate_rel": 0.30, "pitch_range_rel": -0.5, "hnr_rel_db": -4}
    said = voice_phrases(cues)
    assert said == ["louder than usual (+6.0 dB)", "faster than usual (+30%)", "flatter intonation than usual"]
    assert len(voice_phrases(cues, top=5)) == 5 and voice_phrases(cues, top=5)[-1].startswith("pitch 12% above")


def test_explanation_names_cues_shares_and_the_conflict():
    text = {"joy": 0.8, "anger": 0.05, "disgust": 0.03, "fear": 0.02, "neutral": 0.05, "sadness": 0.02, "surprise": 0.03}
    voice = {"anger": 0.8, "boredom": 0.0, "disgust": 0.05, "fear": 0.05, "joy": 0.03, "neutral": 0.04, "sadness": 0.03}
    fused = fuse({"text": text, "voice": voice}, CFG)
    said = explain_utterance(fused, {"text": ["wonderful news"], "voice": voice_phrases({"pitch_rel": 0.4})})
    assert said.startswith("text (joy, 67%): 'wonderful news'; voice (anger, 33%): pitch 40% above this speaker's usual")
    assert "conflict: text says joy, voice says anger" in said
    alone = explain_utterance(fuse({"text": text}, CFG), {"text": []}, unread={"voice": "the utterance is 0.30 s long"})
    assert alone == "text (joy): no single word stands out; no voice reading (the utterance is 0.30 s long)"
    assert explain_utterance(None, {}) == "no reading"


def test_occlusion_finds_the_emotional_words(text_model):
    texts = ["We lost everything in the fire and I cannot stop crying.",
             "This is wonderful news, I am so happy for you!",
             "The meeting is at noon.", "Wow!"]
    probs = text_model.predict_proba(texts, "emotion")
    labels = [text_model.tasks()["emotion"][i] for i in probs.argmax(1)]
    assert labels[0] == "sadness" and labels[1] == "joy"
    found = key_phrases(text_model, texts, labels)
    assert any("crying" in p or "lost" in p for p in found[0]) and 1 <= len(found[0]) <= 3
    assert any("wonderful" in p or "happy" in p for p in found[1])
    assert all(p in texts[1] for p in found[1])                     # the speaker's own words, in order
    if labels[2] == "neutral":
        assert found[2] == []                                        # no emotion words to point at
    assert found[3] == ([] if labels[3] == "neutral" else ["Wow"])   # one word: the utterance itself
    assert key_phrases(text_model, texts[:1], [None]) == [[]]


def test_occlusion_is_bounded_per_utterance(text_model, monkeypatch):
    seen = []
    real = text_cues._pair_probs
    monkeypatch.setattr(text_cues, "_pair_probs", lambda m, pairs, task: seen.append(len(pairs)) or real(m, pairs, task))
    long = " ".join(["I am furious and this is outrageous"] * 12)   # 84 words
    key_phrases(text_model, [long], ["anger"], max_variants=10)
    assert seen[0] == 1 + 10                                         # the utterance + 10 runs of 9 words
    assert seen[1:] in ([], [1 + 10])          # where no run moves it: an empty utterance + each run alone
    with pytest.raises(Exception, match="not a label"):
        key_phrases(text_model, ["hello there"], ["boredom"])


def test_a_reading_two_words_carry_is_explained_by_each_word_alone(text_model, monkeypatch):
    # leaving either joyful word out leaves the reading where it was: occlusion alone names nothing
    text = "This is wonderful news, I am so happy for you!"
    seen = []
    real = text_cues._pair_probs
    monkeypatch.setattr(text_cues, "_pair_probs", lambda m, pairs, task: seen.append(pairs) or real(m, pairs, task))
    found = key_phrases(text_model, [text], ["joy"])[0]
    assert "wonderful" in found and "happy" in found and all(p in text for p in found)
    if len(seen) == 2:  # the second pass: an empty utterance, then each word alone
        assert seen[1][0][0] == "" and [t for t, _ in seen[1][1:]] == text.split()
    assert key_phrases(text_model, ["The meeting is at noon, in room four."], ["anger"])[0] == []  # nothing angry in it
