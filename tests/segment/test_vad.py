"""Voice-activity segmentation on real espeak-ng speech and on signals with known levels."""
import numpy as np
import pytest

from affectkit.core.data import Segment
from affectkit.core.errors import InputError
from affectkit.io.audio import load_audio, probe_audio
from affectkit.segment import segments_from_transcript, vad_segments
from affectkit.segment.vad import frame_db

SR = 16000


def test_two_utterances_with_a_one_second_pause(media, two_utterances):
    x, sr = load_audio(two_utterances)
    first = probe_audio(media.root / "utt1.wav").duration
    segs = vad_segments(x, sr)
    assert len(segs) == 2
    assert all(isinstance(s, Segment) and s.text == "" and s.speaker is None for s in segs)
    assert [s.index for s in segs] == [0, 1]
    a, b = segs
    assert a.start < 0.2 and a.end <= first + 0.15       # ends within the padding of utterance 1
    assert b.start >= first + 1.0 - 0.2                    # starts at utterance 2 (after the 1 s gap)
    assert b.end >= len(x) / sr - 0.4 and b.end <= len(x) / sr
    assert 0.8 < b.start - a.end < 1.3


def test_a_long_min_pause_bridges_the_gap(two_utterances):
    x, sr = load_audio(two_utterances)
    segs = vad_segments(x, sr, min_pause=1.5)
    assert len(segs) == 1


def _tone(seconds, db, f=220.0):
    t = np.arange(int(seconds * SR)) / SR
    return (10 ** (db / 20) * np.sqrt(2) * np.sin(2 * np.pi * f * t)).astype(np.float32)


def test_frame_level_is_rms_in_dbfs():
    lv = frame_db(_tone(1.0, -12.0), SR)
    assert np.median(lv) == pytest.approx(-12.0, abs=0.1)
    assert len(lv) == 101  # a frame every 10 ms, centred at 0, 0.01, ..., 1.0


def test_thresholds_follow_the_noise_floor():
    """Bursts 30 dB over steady noise: relative thresholds find the 3 bursts, drop the 0.1 s blip."""
    rng = np.random.default_rng(0)
    parts = [_tone(0.8, -10), np.zeros(int(0.7 * SR)), _tone(1.2, -10), np.zeros(SR), _tone(0.1, -10),
             np.zeros(SR), _tone(0.6, -10)]
    x = np.concatenate(parts).astype(np.float32)
    x += (10 ** (-40 / 20) * rng.standard_normal(len(x))).astype(np.float32)
    segs = vad_segments(x, SR, pad=0.0)
    assert len(segs) == 3
    expected = [(0.0, 0.8), (1.5, 2.7), (4.8, 5.4)]
    for s, (a, b) in zip(segs, expected):
        assert s.start == pytest.approx(a, abs=0.05) and s.end == pytest.approx(b, abs=0.05)


def test_quiet_recording_segments_like_a_loud_one(two_utterances):
    x, sr = load_audio(two_utterances)
    loud = [(s.start, s.end) for s in vad_segments(x, sr)]
    quiet = [(s.start, s.end) for s in vad_segments(x * 10 ** (-30 / 20), sr)]
    assert loud == quiet


def test_segments_from_transcript_clip_and_drop():
    segs = [Segment("hello", 0.5, 2.0, "A"), Segment("there", 2.5, 6.0, "B"), Segment("late", 7.0, 8.0, "A")]
    out = segments_from_transcript(segs, 5.0)
    assert [(s.text, s.start, s.end, s.speaker, s.index) for s in out] == [
        ("hello", 0.5, 2.0, "A", 0), ("there", 2.5, 5.0, "B", 1)]


def test_segments_from_transcript_errors():
    with pytest.raises(InputError, match=r"talk.wav: none of the 1 transcript segments .* 3.00 s"):
        segments_from_transcript([Segment("x", 10.0, 12.0)], 3.0, path="talk.wav")
    with pytest.raises(InputError, match="no timestamps"):
        segments_from_transcript([Segment("x")], 3.0)
    with pytest.raises(InputError, match="no segments"):
        segments_from_transcript([], 3.0)
