"""Recording conditions on a real EmoDB utterance: each does what it says, deterministically."""
import numpy as np
import pytest

from affectkit.core.errors import InputError
from affectkit.io.conditions import (KINDS, apply_chain, apply_condition, colored_noise, condition_name,
                                     room_impulse_response, _rms_active)

SR = 16000


@pytest.fixture(scope="module")
def speech(emodb_wav):
    from affectkit.io.audio import load_audio

    x, sr = load_audio(str(emodb_wav[0]), SR)
    assert sr == SR
    return x


def test_speed_changes_length_by_the_factor(speech):
    y = apply_condition(speech, SR, {"kind": "speed", "factor": 1.25})
    assert abs(len(y) - len(speech) / 1.25) <= 2
    assert abs(len(apply_condition(speech, SR, {"kind": "speed", "factor": 0.8})) - len(speech) / 0.8) <= 2


def test_pitch_keeps_the_length_and_moves_the_frequency(speech):
    y = apply_condition(speech, SR, {"kind": "pitch", "semitones": 4})
    assert abs(len(y) - len(speech)) < 0.05 * len(speech)
    tone = (0.5 * np.sin(2 * np.pi * 200 * np.arange(SR) / SR)).astype(np.float32)
    up = apply_condition(tone, SR, {"kind": "pitch", "semitones": 12})
    spectrum = np.abs(np.fft.rfft(up[2000:14000]))
    peak = np.fft.rfftfreq(12000, 1 / SR)[np.argmax(spectrum)]
    assert abs(peak - 400) < 10 and abs(len(up) - SR) < 0.05 * SR


@pytest.mark.parametrize("snr", [20.0, 5.0])
def test_noise_at_the_asked_snr(speech, snr):
    y = apply_condition(speech, SR, {"kind": "noise", "snr_db": snr, "color": "pink", "seed": 3})
    noise = y - speech
    measured = 20 * np.log10(_rms_active(speech) / np.sqrt(np.mean(noise ** 2)))
    assert abs(measured - snr) < 0.5
    again = apply_condition(speech, SR, {"kind": "noise", "snr_db": snr, "color": "pink", "seed": 3})
    assert np.array_equal(y, again)  # the seed fixes the samples


def test_noise_colours_have_their_slopes():
    rng = np.random.default_rng(0)
    for color, lo_over_hi in (("white", (0.5, 2.0)), ("brown", (100.0, np.inf))):
        n = colored_noise(16000, color, rng)
        p = np.abs(np.fft.rfft(n)) ** 2
        ratio = p[10:200].mean() / p[4000:8000].mean()
        assert lo_over_hi[0] < ratio < lo_over_hi[1], (color, ratio)


def test_room_response_decays_by_60_db_in_rt60():
    h = room_impulse_response(SR, 0.5, seed=1)
    assert np.isclose(np.sum(h ** 2), 1.0)
    tail = h[40:]  # after the direct path
    early = np.mean(tail[: 800] ** 2)
    late = np.mean(tail[7200:8000] ** 2)
    assert 10 * np.log10(early / late) > 40
    y = apply_condition(np.ones(100, np.float32) * 0.1, SR, {"kind": "reverb", "rt60": 0.5, "seed": 1})
    assert len(y) == 100 + int(0.15 * SR)


@pytest.mark.parametrize("name,kbps", [("opus", 8), ("mp3", 32), ("aac", 32)])
def test_codec_round_trip_keeps_length_and_loses_detail(speech, name, kbps):
    y = apply_condition(speech, SR, {"kind": "codec", "name": name, "kbps": kbps})
    assert len(y) == len(speech) and np.all(np.isfinite(y))
    assert 0 < np.max(np.abs(y)) < 1.5
    assert not np.allclose(y, speech, atol=1e-3)


def test_gain_clips_and_quantises(speech):
    loud = apply_condition(speech, SR, {"kind": "gain", "db": 20.0})
    assert np.max(np.abs(loud)) <= 1.0 and np.mean(np.abs(loud) >= 0.999) > 0.01
    quiet = apply_condition(speech, SR, {"kind": "gain", "db": -60.0})
    assert len(np.unique(quiet)) < 60  # 16-bit steps at -60 dB: a few dozen levels left


def test_crop_and_tile_lengths(speech):
    assert len(apply_condition(speech, SR, {"kind": "crop", "seconds": 0.6})) == int(0.6 * SR)
    short = speech[: SR // 4]
    assert len(apply_condition(short, SR, {"kind": "crop", "seconds": 1.0})) <= len(short)
    tiled = apply_condition(speech, SR, {"kind": "tile", "times": 3, "pause": 0.3})
    assert len(tiled) > 2.5 * 0.8 * len(speech) / 1.0 * 0.5 and len(tiled) < 3 * len(speech) + SR


def test_chain_applies_in_order(speech):
    chain = [{"kind": "speed", "factor": 1.1}, {"kind": "codec", "name": "mp3", "kbps": 32}]
    y = apply_chain(speech, SR, chain)
    assert abs(len(y) - len(speech) / 1.1) <= 2
    assert apply_chain(speech, SR, []) is speech


@pytest.mark.parametrize("cond,needle", [
    ({"kind": "echo"}, "unknown condition kind"),
    ({"kind": "noise"}, "lacks parameter 'snr_db'"),
    ({"kind": "noise", "snr_db": 10, "color": "blue"}, "unknown noise colour"),
    ({"kind": "codec", "name": "flac", "kbps": 8}, "unknown codec"),
    ({"kind": "speed", "factor": 3.0}, "speed factor"),
    ({"kind": "pitch", "semitones": 20}, "pitch shift"),
    ({"kind": "reverb", "rt60": 10}, "rt60"),
])
def test_bad_conditions_say_what_is_wrong(cond, needle):
    with pytest.raises(InputError, match=needle):
        apply_condition(np.zeros(1600, np.float32) + 0.01, SR, cond)


def test_names_are_stable():
    assert condition_name({"kind": "noise", "snr_db": 10, "color": "pink"}) == "noise:color=pink,snr_db=10"
    assert condition_name({"kind": "clean"}) == "clean" and "clean" in KINDS
