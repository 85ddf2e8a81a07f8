"""The summary paragraph: dominant emotions, notable moments, disagreements, missing readings."""
from affectkit.report.summary import notable_moments, summary_text


def seg(start, emotion, p, text="", speaker=None, **extra):
    scores = {emotion: p, "neutral": round(1 - p, 3)} if emotion != "neutral" else {"neutral": p}
    return dict(start=start, end=None if start is None else start + 2, speaker=speaker, text=text, emotion=emotion, emotion_scores=scores, **extra)


def test_paragraph_names_dominant_emotions_moments_conflicts_and_gaps():
    recs = [seg(0, "neutral", 0.6, "Hello there.", "Ann", sentiment="neutral", voice_emotion={"label": "neutral"}),
            seg(61, "joy", 0.93, "That is the best news I have heard in a very long time!", "Bob",
                sentiment="positive", voice_emotion={"label": "joy"}, conflict=True),
            seg(70, "anger", 0.55, "", None, sentiment="negative", voice_emotion=None),
            seg(75, "neutral", 0.7, "ok", None, sentiment="neutral", voice_emotion={"label": "neutral"}),
            seg(80, "sadness", 0.4, "sigh", None, sentiment="negative", voice_emotion={"label": "sadness"})]
    text = summary_text(recs, duration=125.0, modalities=["text", "voice"])
    assert text.startswith("5 utterances over 2.1 min, read from text, voice. Mostly neutral (2 of 5), then joy (1), "
                           "anger (1), sadness (1). Sentiment mixed: neutral (2), negative (2), positive (1).")
    # the strongest non-neutral readings at p >= 0.5, in time order, with who said what (cut short)
    assert 'Notable moments: 01:01 joy (0.93, Bob: "That is the best news I have heard in a…"); 01:10 anger (0.55).' in text
    assert "sadness (0.40" not in text
    assert "The modalities disagree in 1 utterance (01:01)." in text
    assert text.endswith("No voice reading in 1 of 5 (see each utterance's errors).")


def test_untimed_and_empty():
    recs = [seg(None, "fear", 0.8, "help"), seg(None, "fear", 0.9, "now")]
    for r in recs:
        r["start"] = r["end"] = None
    text = summary_text(recs, modalities=["text"])
    assert text.startswith("2 utterances, read from text. Mostly fear (2 of 2).") and "#0 fear (0.80" in text
    assert summary_text([]) == "No utterances were analysed."
    tied = [dict(seg(0, "joy", 0.6), sentiment="positive"), dict(seg(2, "sadness", 0.7), sentiment="negative")]
    assert summary_text(tied, duration=4.0) == ("2 utterances over 4.0 s. No single dominant emotion: joy (1), "
                                                "sadness (1). Sentiment mixed: positive (1), negative (1). Notable "
                                                "moments: 00:00 joy (0.60); 00:02 sadness (0.70).")
    none = summary_text([{"emotion": None, "emotion_scores": None}])
    assert "No emotion could be read in any utterance." in none
    assert notable_moments([seg(0, "joy", 0.9)] * 5, limit=3) == [(0, "joy", 0.9), (1, "joy", 0.9), (2, "joy", 0.9)]
