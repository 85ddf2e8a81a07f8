"""The Python API for recordings: ``affectkit.analyze`` on audio, its record and DataFrame; the
deprecated ``analyze_audio`` wrapper."""
from pathlib import Path

import pytest

import affectkit
from affectkit.core.errors import AudioError, DependencyError
from affectkit.io.probe import sniff


def analyze_audio(path, transcript=None, **options):
    """A recording read from its sound: the record, through the one entry point."""
    return affectkit.analyze(path, transcript, faces=False, **options).record


@pytest.mark.slow
def test_the_deprecated_wrappers_warn_and_give_the_same_record(two_utterances, text_model):
    with pytest.warns(DeprecationWarning, match="analyze_audio"):
        old = affectkit.analyze_audio(two_utterances, asr=False, text_model=text_model, explain=False)
    new = affectkit.analyze(two_utterances, asr=False, text_model=text_model, explain=False).record
    assert old == new and old["kind"] == "audio"
    with pytest.warns(DeprecationWarning, match="analyze_transcript"):
        assert affectkit.analyze_transcript(Path(__file__).parent.parent / "examples" / "interview.srt",
                                            model=text_model)["kind"] == "transcript"
    with pytest.raises(TypeError, match="unknown option"):
        affectkit.analyze(two_utterances, progres=print)


def test_media_is_told_from_transcripts_by_content_then_name(tmp_path, two_utterances):
    wav_as_txt, srt, text_as_mp4 = tmp_path / "a.txt", tmp_path / "b.srt", tmp_path / "c.MP4"
    wav_as_txt.write_bytes(two_utterances.read_bytes())
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    text_as_mp4.write_text("hello")
    assert sniff(two_utterances) == "media" and sniff(wav_as_txt) == "media"   # a container signature
    assert sniff(srt) == "transcript"
    assert sniff(text_as_mp4) == "media"          # named media: the probe refuses it with a clear line
    assert sniff(tmp_path / "missing.wav") is None


def test_analyze_audio_with_a_transcript_and_records_frame(tmp_path, two_utterances, text_model):
    srt = tmp_path / "t.srt"
    srt.write_text("1\n00:00:00,500 --> 00:00:02,500\nI really did not expect to see you here today.\n")
    doc = analyze_audio(two_utterances, transcript=srt, text_model=text_model)
    assert doc["kind"] == "audio" and doc["segmentation"]["method"] == "transcript"
    assert doc["segmentation"]["transcript"] == str(srt) and doc["segmentation"]["model"] is None
    df = affectkit.records_frame(doc)
    assert len(df) == 1 and df.loc[0, "start"] == 0.5 and df.loc[0, "end"] == 2.5
    assert df.loc[0, "emotion"] in affectkit.EMOTION.labels and df.loc[0, "voice_emotion"] in affectkit.EMOTION.labels
    assert {"voice_joy", "voice_neutral", "pitch_rel", "loudness_rel_db", "sentiment_positive", "errors",
            "weight_text", "weight_voice", "conflict", "explanation"} <= set(df.columns)
    assert df.loc[0, "weight_text"] + df.loc[0, "weight_voice"] == pytest.approx(1.0, abs=1e-3)
    assert doc["summary"]["voice_emotion_counts"] == {df.loc[0, "voice_emotion"]: 1}


def test_analyze_audio_fuses_text_and_voice_and_explains(tmp_path, two_utterances, text_model):
    from affectkit.recognize.fusion import bundled_fusion, fuse

    srt = tmp_path / "two.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:02,700\nI really did not expect to see you here today.\n\n"
                   "2\n00:00:03,650 --> 00:00:06,800\nWell, that is a very pleasant surprise, my friend.\n")
    doc = analyze_audio(two_utterances, transcript=srt, text_model=text_model)
    assert doc["models"]["fusion"] == bundled_fusion().name
    assert doc["summary"]["conflicts"] == sum(s["conflict"] for s in doc["segments"])
    for seg in doc["segments"]:
        text, voice = seg["text_emotion"], seg["voice_emotion"]
        assert set(seg["emotion_scores"]) == set(affectkit.EMOTION.labels)
        assert sum(seg["emotion_scores"].values()) == pytest.approx(1.0, abs=1e-6)
        assert seg["emotion"] == max(seg["emotion_scores"], key=seg["emotion_scores"].get)
        # the fused answer is fusion of the two readings the record shows
        again = fuse({"text": text["scores"], "voice": voice["scores"]})
        assert seg["emotion_scores"] == pytest.approx(again.scores, abs=2e-3) and seg["emotion"] == again.label
        assert set(seg["modality_weights"]) == {"text", "voice"}
        assert sum(seg["modality_weights"].values()) == pytest.approx(1.0, abs=1e-6)
        assert all(0.0 <= w <= 1.0 for w in seg["modality_weights"].values())  # shares of the evidence (fusion@3 on)
        assert isinstance(seg["conflict"], bool) and seg["conflict"] == again.conflict
        said = seg["explanation"]
        assert said.startswith(f"text ({text['label']}, ") and f"; voice ({voice['label']}, " in said
        assert ("conflict: " in said) == seg["conflict"]
        pitch = voice["cues"]["pitch_rel"]
        assert (f"pitch {abs(pitch):.0%} " in said) == (abs(pitch) >= 0.10)


def test_analyze_audio_without_the_extra(no_asr_extra, two_utterances):
    with pytest.raises(DependencyError, match=r"affectkit\[asr\]"):
        analyze_audio(two_utterances, asr=True)
    doc = analyze_audio(two_utterances)          # asr=None: when installed, else VAD
    assert doc["segmentation"]["method"] == "vad" and len(doc["segments"]) == 2
    assert all(s["text"] == "" and s["modality_weights"] == {"voice": 1.0} for s in doc["segments"])
    assert all(s["emotion"] == s["voice_emotion"]["label"] and s["explanation"].startswith(f"voice ({s['emotion']}):")
               and not s["conflict"] for s in doc["segments"])


def test_analyze_audio_on_silence_raises(silent_wav):
    with pytest.raises(AudioError, match="silent"):
        analyze_audio(silent_wav, asr=False)


@pytest.mark.slow
def test_a_second_run_reads_speech_to_text_and_features_back(tmp_path, whisper, text_model, two_utterances,
                                                             monkeypatch):
    from affectkit.segment import asr
    from affectkit.store.cache import FeatureCache

    cache = FeatureCache(tmp_path / "cache")
    first = analyze_audio(two_utterances, text_model=text_model, cache=cache)
    assert first["segmentation"]["method"] == "asr"
    stored = {p.parent.parent.name for p in (tmp_path / "cache" / "features").rglob("*.npz")}
    assert stored == {"segment.asr", "voice.emotion_input", "voice.prosody"}

    def fail(*a, **k):
        raise AssertionError("computed again")

    monkeypatch.setattr(asr, "transcribe", fail)
    from affectkit.perceive.voice_sets import EmotionInput
    monkeypatch.setattr(EmotionInput, "extract_signal", fail)
    second = analyze_audio(two_utterances, text_model=text_model, cache=cache)
    assert second["segments"] == first["segments"]                # words, times, readings: all the same
    assert len(first["segments"][0]["words"]) >= 2
