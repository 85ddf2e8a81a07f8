"""`affectkit analyze AUDIO`: utterances from --transcript, speech-to-text or voice activity;
the voice reading and cues per utterance, the text reading where there is text."""
import json

import pandas as pd
import pytest

from affectkit.cli import main
from affectkit.core.labels import EMOTION, SENTIMENT

VOICE_LABELS = {"anger", "disgust", "fear", "joy", "neutral", "sadness"}  # the v2 head's classes (EmoDB, boredom as neutral)
SRT = """1
00:00:00,000 --> 00:00:02,700
Ann: I really did not expect to see you here today.

2
00:00:03,000 --> 00:00:03,300
Bob: Hm.

3
00:00:03,650 --> 00:00:07,500
Ann: Well, that is a very pleasant surprise, my friend.
"""


def run(capsys, argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture(scope="module")
def srt(tmp_path_factory):
    path = tmp_path_factory.mktemp("srt") / "two.srt"
    path.write_text(SRT)
    return path


def check_voice(reading):
    assert reading["label"] in EMOTION.labels and set(reading["scores"]) == VOICE_LABELS
    assert sum(reading["scores"].values()) == pytest.approx(1.0, abs=1e-6)
    assert 70 < reading["cues"]["pitch_hz"] < 400 and "pitch_rel" in reading["cues"]
    assert "loudness_rel_db" in reading["cues"]


def test_transcript_gives_the_times_speakers_and_text(capsys, tmp_path, two_utterances, srt, text_model):
    target = tmp_path / "out.json"
    rc, out, err = run(capsys, ["analyze", two_utterances, "--transcript", srt, "--format", "json", "-o", target])
    assert rc == 0 and out == "" and "3 utterances from the timestamps of" in err
    doc = json.loads(target.read_text())
    assert doc["input"] == str(two_utterances) and doc["errors"] == []
    assert doc["modalities"] == ["text", "voice"] and doc["segmentation"]["method"] == "transcript"
    assert set(doc["models"]) == {"voice.emotion", "text.emotion", "text.sentiment", "fusion"}
    segs = doc["segments"]
    assert [(s["start"], s["end"], s["speaker"]) for s in segs] == [
        (0.0, 2.7, "Ann"), (3.0, 3.3, "Bob"), (3.65, doc["duration"], "Ann")]
    assert doc["duration"] == pytest.approx(6.89, abs=0.01)               # the last cue clipped to the audio
    assert segs[2]["text"] == "Well, that is a very pleasant surprise, my friend."
    for s in segs:
        assert s["emotion"] in EMOTION.labels and s["text_emotion"]["label"] in EMOTION.labels
        assert s["sentiment"] in SENTIMENT.labels and s["explanation"].startswith(f"text ({s['text_emotion']['label']}")
    # fused where both modalities read the utterance; the text alone where the voice could not
    assert [set(s["modality_weights"]) for s in segs] == [{"text", "voice"}, {"text"}, {"text", "voice"}]
    assert segs[1]["emotion"] == segs[1]["text_emotion"]["label"]
    assert segs[1]["explanation"].endswith("no voice reading (the utterance is 0.30 s long)")
    check_voice(segs[0]["voice_emotion"])
    check_voice(segs[2]["voice_emotion"])
    # Bob's 0.3 s "Hm." is too short for the voice model: no reading, and the reason
    assert segs[1]["voice_emotion"] is None and "0.30 s" in segs[1]["errors"][0]
    # Ann's cues are relative to Ann's own median (two utterances: equal and opposite)
    rel = [segs[i]["voice_emotion"]["cues"]["loudness_rel_db"] for i in (0, 2)]
    assert rel[0] == pytest.approx(-rel[1], abs=1e-3) and rel[0] != 0
    # -o never overwrites, and never an input (the transcript included)
    rc, _, err = run(capsys, ["analyze", two_utterances, "--transcript", srt, "-o", target])
    assert rc == 2 and "exists" in err
    rc, _, err = run(capsys, ["analyze", two_utterances, "--transcript", srt, "-o", srt, "--force"])
    assert rc == 2 and "input" in err and srt.read_text() == SRT


def test_no_asr_segments_by_voice_activity(capsys, monkeypatch, tmp_path, two_utterances):
    monkeypatch.setenv("COLUMNS", "160")
    rc, out, err = run(capsys, ["analyze", two_utterances, "--no-asr"])
    assert rc == 0 and "2 utterances from voice-activity segmentation; no text" in err
    table, _, summary = out.partition("\n\nSummary: ")
    assert summary.startswith("2 utterances over 6.9 s, read from voice. ")   # the table ends with a summary
    lines = table.splitlines()
    assert lines[0].split() == ["#", "start", "end", "speaker", "emotion", "voice", "pitch", "loudness",
                                "text_emotion", "sentiment", "text"]
    rows = [l for l in lines[1:] if not l.startswith(" ")]
    assert len(rows) == 2 and all(" dB" in l for l in rows)
    assert [l for l in lines[1:] if l.startswith("   > ")] == [l for l in lines[1:] if l.startswith(" ")]
    assert lines[2].startswith("   > voice (")                    # each row's explanation under it
    target = tmp_path / "vad.csv"
    rc, _, _ = run(capsys, ["analyze", two_utterances, "--no-asr", "--format", "csv", "-o", target])
    df = pd.read_csv(target)
    assert rc == 0 and len(df) >= 2
    assert df["text"].isna().all() and df["text_emotion"].isna().all() and df["sentiment"].isna().all()
    assert set(df["voice_emotion"]) <= set(EMOTION.labels) and (df["emotion"] == df["voice_emotion"]).all()
    assert (df["weight_voice"] == 1.0).all() and df["explanation"].str.startswith("voice (").all()
    assert df[[f"voice_{l}" for l in sorted(VOICE_LABELS)]].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-6)
    assert {"pitch_hz", "pitch_rel", "loudness_rel_db", "syllable_rate"} <= set(df.columns)
    assert not {"sentiment_scores", "emotion_scores", "words", "modality_weights"} & set(df.columns)
    assert (df["start"].diff().dropna() > 0).all() and (df["end"] > df["start"]).all()


@pytest.mark.slow
def test_speech_to_text_by_default(capsys, whisper, text_model, two_utterances):
    rc, out, err = run(capsys, ["analyze", two_utterances, "--format", "json"])
    assert rc == 0 and "from speech-to-text (whisper-base, language en" in err
    doc = json.loads(out)
    assert doc["segmentation"]["method"] == "asr" and doc["segmentation"]["language"] == "en"
    assert doc["models"]["segment.asr"] == "whisper-base" and doc["modalities"] == ["text", "voice"]
    text = " ".join(s["text"] for s in doc["segments"]).lower()
    assert "expect" in text and "pleasant" in text
    for s in doc["segments"]:
        assert s["words"] and s["words"][0]["start"] == s["start"] and s["words"][-1]["end"] == s["end"]
        assert s["text_emotion"]["label"] in EMOTION.labels and s["sentiment"] in SENTIMENT.labels
        check_voice(s["voice_emotion"])


def test_bad_files_are_error_records_and_the_rest_runs(capsys, tmp_path, two_utterances, silent_wav):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt garbage" * 10)
    rc, out, err = run(capsys, ["analyze", corrupt, silent_wav, two_utterances, "--no-asr", "--format", "json"])
    assert rc == 1 and "2 of 3 inputs failed" in err
    bad, silent, good = json.loads(out)
    assert "corrupt" in bad["errors"][0] and str(corrupt) in bad["errors"][0] and bad["segments"] == []
    assert "silent" in silent["errors"][0] and silent["segments"] == []
    assert good["errors"] == [] and len(good["segments"]) >= 2


def test_no_speech_is_a_clear_error(capsys, whisper, noise_wav):
    rc, out, err = run(capsys, ["analyze", noise_wav])
    assert rc == 1 and f"{noise_wav}: no speech found: speech-to-text (whisper-base) heard no words" in err
    assert out.startswith("ERROR:") and "no speech found" in out


def test_without_the_extra_it_falls_back_to_voice_activity(capsys, no_asr_extra, two_utterances):
    rc, out, err = run(capsys, ["analyze", two_utterances, "--format", "json"])
    assert rc == 0 and "voice-activity segmentation" in err and "affectkit[asr]" in err
    doc = json.loads(out)
    assert doc["segmentation"]["method"] == "vad" and "affectkit[asr]" in doc["segmentation"]["no_text"]
    assert doc["modalities"] == ["voice"] and len(doc["segments"]) == 2


def test_usage_errors_exit_2(capsys, tmp_path, two_utterances, utterance, srt):
    missing = tmp_path / "missing.srt"
    for argv, msg in [
        (["analyze", two_utterances, utterance, "--transcript", srt], "exactly one audio"),
        (["analyze", srt, "--transcript", srt], "exactly one audio"),
        (["analyze", two_utterances, "--transcript", missing], "no such transcript"),
        (["analyze", two_utterances, "--no-asr", "--language", "en"], "--language"),
        (["analyze", srt, "--language", "en"], "--language"),
    ]:
        rc, out, err = run(capsys, argv)
        assert rc == 2 and msg in err and out == "", argv


def test_an_unknown_language_is_a_usage_error(capsys, whisper, two_utterances):
    rc, _, err = run(capsys, ["analyze", two_utterances, "--language", "klingon"])
    assert rc == 2 and "unknown speech-to-text language 'klingon'" in err
