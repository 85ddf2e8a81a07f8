"""Voice extractors on real speech: espeak-ng voices of known pitch/rate, and EmoDB."""
import sys

import numpy as np
import pandas as pd
import pytest

from affectkit.core.data import Segment
from affectkit.core.errors import AudioError, DependencyError, InputError
from affectkit.io.audio import load_audio
from affectkit.perceive import EXTRACTORS
from affectkit.perceive import voice
from affectkit.perceive.tracks import hz_to_semitones, yin
from affectkit.perceive.voice import EGeMAPS, Prosody, add_relative
from affectkit.segment import vad_segments

SR = 16000
TEXT = "I really did not expect to see you here today, my dear old friend."


@pytest.fixture(scope="module")
def voices(media):
    """The same sentence said low (-p 20), high (-p 80), slow (-s 100) and fast (-s 250)."""
    return {k: media.speech(f"{k}.wav", TEXT, *args) for k, args in
            {"low": ("-p", "20"), "high": ("-p", "80"), "slow": ("-s", "100"), "fast": ("-s", "250")}.items()}


def test_registered():
    assert EXTRACTORS.get("voice.egemaps") is EGeMAPS
    assert EXTRACTORS.get("voice.prosody") is Prosody


def test_egemaps_88_functionals_per_segment(two_utterances):
    x, sr = load_audio(two_utterances)
    segs = vad_segments(x, sr)
    df = EGeMAPS().extract(two_utterances, segs)
    assert df.shape == (2, 88)
    assert list(df.index.names) == ["file", "start", "end"]
    assert set(df.index.get_level_values("file")) == {str(two_utterances)}
    starts = df.index.get_level_values("start").total_seconds()
    assert list(starts) == pytest.approx([s.start for s in segs])
    assert np.isfinite(df.to_numpy()).all()
    assert "F0semitoneFrom27.5Hz_sma3nz_amean" in df and "HNRdBACF_sma3nz_amean" in df
    whole = EGeMAPS().extract(two_utterances)
    assert whole.shape == (1, 88)
    assert whole.index[0][2].total_seconds() == pytest.approx(len(x) / sr)


def test_egemaps_too_short_segment_is_a_nan_row_not_a_missing_row(utterance):
    df = EGeMAPS().extract(utterance, [Segment("", 0.5, 0.55), Segment("", 0.5, 1.5)])
    assert len(df) == 2
    assert df.iloc[0].isna().all() and np.isfinite(df.iloc[1]).all()


def test_pitch_of_a_higher_voice_is_higher(voices):
    low = Prosody().extract(voices["low"]).iloc[0]
    high = Prosody().extract(voices["high"]).iloc[0]
    assert high.pitch_hz > low.pitch_hz * 1.3
    assert high.pitch_st - low.pitch_st > 4


def test_pitch_agrees_with_opensmile(voices, emodb_wav):
    """An independent estimator (openSMILE's SHS): no octave errors; voicing decisions differ a little."""
    for f in [voices["low"], voices["high"], *emodb_wav]:
        ours = Prosody(quality=False).extract(f).iloc[0]
        theirs = EGeMAPS().extract(f).iloc[0]
        assert ours.pitch_st == pytest.approx(theirs["F0semitoneFrom27.5Hz_sma3nz_percentile50.0"], abs=2.5), f


def test_faster_speech_has_a_higher_syllable_rate(voices):
    slow = Prosody(quality=False).extract(voices["slow"]).iloc[0]
    fast = Prosody(quality=False).extract(voices["fast"]).iloc[0]
    assert fast.syllable_rate > slow.syllable_rate * 1.2
    assert 1.5 < slow.syllable_rate < 8


def test_pause_ratio_sees_the_pause(two_utterances):
    x, sr = load_audio(two_utterances)
    whole = Prosody(quality=False).extract(two_utterances).iloc[0]
    assert 0.1 < whole.pause_ratio < 0.3  # 1 s of ~5.2 s of speaking span
    per_segment = Prosody(quality=False).extract(two_utterances, vad_segments(x, sr))
    assert (per_segment.pause_ratio < 0.1).all()


def test_prosody_columns_quality_and_relative(media, voices):
    both = media.concat("low_then_high.wav", voices["low"], voices["high"], 1.0)
    x, sr = load_audio(both)
    segs = vad_segments(x, sr)
    assert len(segs) == 2
    df = Prosody().extract(both, segs)
    for col in ["pitch_hz", "pitch_st", "pitch_range_st", "loudness_db", "syllable_rate", "pause_ratio",
                "jitter", "shimmer_db", "hnr_db", "pitch_rel", "loudness_rel_db", "rate_rel"]:
        assert col in df, col
    assert df.index.names == ["file", "start", "end"]
    # one speaker: the low half is below that speaker's median pitch, the high half above
    assert df.pitch_rel.iloc[0] < -0.15 and df.pitch_rel.iloc[1] > 0.15
    assert df.pitch_rel.iloc[1] == pytest.approx(df.pitch_hz.iloc[1] / df.pitch_hz.median() - 1)
    # told they are two speakers, each is at its own median
    two = Prosody().extract(both, [Segment("", s.start, s.end, spk) for s, spk in zip(segs, "AB")])
    assert two.pitch_rel.abs().max() == pytest.approx(0.0)
    assert (df.loudness_db < 0).all() and (df.jitter > 0).all() and (df.hnr_db > -10).all()


def test_prosody_on_emodb(emodb_wav):
    df = Prosody().extract(emodb_wav[0])
    row = df.iloc[0]
    assert 70 < row.pitch_hz < 400 and -40 < row.loudness_db < 0
    assert np.isfinite(row[["pitch_range_st", "syllable_rate", "jitter", "shimmer_db", "hnr_db"]].astype(float)).all()


def test_add_relative_by_hand():
    idx = pd.MultiIndex.from_tuples([("f", 0, 1), ("f", 1, 2), ("f", 2, 3)], names=["file", "start", "end"])
    df = pd.DataFrame({"pitch_hz": [100.0, 130.0, 200.0], "loudness_db": [-20.0, -26.0, -23.0]}, index=idx)
    out = add_relative(df, ["A", "A", "B"])
    assert list(out.pitch_rel) == pytest.approx([100 / 115 - 1, 130 / 115 - 1, 0.0])
    assert list(out.loudness_rel_db) == pytest.approx([3.0, -3.0, 0.0])


def test_yin_on_a_harmonic_signal():
    t = np.arange(SR) / SR
    x = sum(np.sin(2 * np.pi * 150 * k * t) / k for k in (1, 2, 3, 4))
    f0, aper = yin(x.astype(np.float32), SR)
    voiced = f0[~np.isnan(f0)]
    assert len(voiced) > 0.9 * len(f0)
    assert np.median(voiced) == pytest.approx(150, abs=0.5)
    assert hz_to_semitones(55.0) == pytest.approx(12.0)


def test_bad_segments(utterance):
    with pytest.raises(AudioError, match="outside the audio") as err:
        Prosody(quality=False).extract(utterance, [Segment("", 30.0, 31.0)])
    assert err.value.path == str(utterance)
    with pytest.raises(InputError, match="no start/end"):
        EGeMAPS().extract(utterance, [Segment("hi")])


def test_missing_opensmile_names_the_extra(utterance, monkeypatch):
    """openSMILE is the egemaps extra: without it eGeMAPS names the extra, the voice-quality cues are
    NaN (null in records) where they are not asked for, and an error where they are."""
    monkeypatch.setitem(sys.modules, "opensmile", None)
    voice._smile.cache_clear()
    voice.has_opensmile.cache_clear()
    try:
        with pytest.raises(DependencyError, match=r"affectkit\[egemaps\]"):
            EGeMAPS().extract(utterance)
        assert np.isfinite(Prosody(quality=False).extract(utterance).pitch_hz).all()  # numpy-only cues still work
        auto = Prosody()
        assert auto.get_params()["quality"] is False  # the cache key says the cues were not measured
        row = auto.extract(utterance).iloc[0]
        assert np.isfinite(row.pitch_hz) and np.isnan(row.jitter) and np.isnan(row.hnr_db) and np.isnan(row.jitter_rel)
        with pytest.raises(DependencyError, match=r"affectkit\[egemaps\]"):
            Prosody(quality=True).extract(utterance)
    finally:
        voice._smile.cache_clear()
        voice.has_opensmile.cache_clear()


def test_quality_cues_where_opensmile_is_installed(utterance):
    pytest.importorskip("opensmile")
    voice.has_opensmile.cache_clear()
    row = Prosody().extract(utterance).iloc[0]
    assert row.jitter > 0 and np.isfinite(row.shimmer_db) and np.isfinite(row.hnr_db)
