"""The speech-emotion head's input features, on real EmoDB audio and on signals with known answers."""
import numpy as np
import pytest

from affectkit.io.audio import load_audio
from affectkit.perceive import EXTRACTORS
from affectkit.perceive.voice_sets import ComParE, EmotionInput, LogMelStats, log_mel, prepare_signal

SR = 16000


def test_registered():
    assert EXTRACTORS.get("voice.compare") is ComParE
    assert EXTRACTORS.get("voice.logmel") is LogMelStats
    assert EXTRACTORS.get("voice.emotion_input") is EmotionInput


def test_prepare_trims_silence_and_normalises_the_peak():
    rng = np.random.default_rng(0)
    tone = 0.05 * np.sin(2 * np.pi * 200 * np.arange(SR) / SR)
    x = np.concatenate([np.zeros(SR // 2), tone + 1e-3 * rng.standard_normal(SR), np.zeros(SR)]).astype(np.float32)
    y = prepare_signal(x, SR)
    assert len(y) == pytest.approx(SR, abs=0.03 * SR)        # 0.5 s before and 1 s after removed
    assert np.max(np.abs(y)) == pytest.approx(1.0, abs=1e-6)
    quiet = prepare_signal(x * 0.01, SR)                      # the recording level does not matter
    assert np.allclose(quiet, y, atol=1e-4)


def test_log_mel_puts_a_tone_in_the_right_band():
    t = np.arange(SR) / SR
    m = log_mel(np.sin(2 * np.pi * 1000 * t), SR, n_mels=40)
    low = log_mel(np.sin(2 * np.pi * 200 * t), SR, n_mels=40)
    assert m.shape == (98, 40)
    assert np.argmax(m.mean(0)) > np.argmax(low.mean(0)) + 5


def test_emotion_input_on_emodb(emodb_wav):
    ext = EmotionInput(blocks=("egemaps", "logmel"))
    df = ext.extract(emodb_wav[0])
    assert df.shape == (1, 88 + 40 * 7)
    assert list(df.columns) == ext.columns()
    assert df.columns[0].startswith("egemaps:") and df.columns[-1] == "logmel:mel39_dstd"
    assert np.isfinite(df.to_numpy()).all()
    # the level of the recording does not change the features (peak-normalised first)
    x, sr = load_audio(emodb_wav[0])
    quiet = ext.extract_signal(x * 0.1, sr, file=str(emodb_wav[0]))
    a, b = quiet.to_numpy(), df.to_numpy()
    mel = np.array([c.startswith("logmel:") for c in df.columns])
    assert np.allclose(a[:, mel], b[:, mel], rtol=1e-3, atol=1e-3)
    rel = np.abs(a - b) / (np.abs(b) + 1e-3)  # openSMILE's pitch tracker sees float rounding: nearly equal
    assert np.median(rel) < 1e-3 and np.mean(rel < 0.05) > 0.9


def test_compare_has_6373_functionals(emodb_wav):
    df = ComParE().extract(emodb_wav[1])
    assert df.shape == (1, 6373) and np.isfinite(df.to_numpy()).all()
