"""Audio decoding (in-process, PyAV) on real files: espeak-ng speech converted by the ffmpeg command
(test fixtures only), and EmoDB read in place."""
import sys

import numpy as np
import pytest

from affectkit.core.errors import AudioError, DependencyError, InputError
from affectkit.io import audio
from affectkit.io.audio import load_audio, probe_audio

SR = 16000


@pytest.fixture(scope="module")
def source(utterance):
    x, sr = load_audio(utterance)
    return utterance, x, probe_audio(utterance).duration


FORMATS = {
    "flac": ("utt.flac", ["-c:a", "flac"]),
    "mp3": ("utt.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
    "ogg": ("utt.ogg", ["-c:a", "libvorbis"]),
    "m4a": ("utt.m4a", ["-c:a", "aac", "-b:a", "64k"]),
    "stereo48k": ("utt_stereo48k.wav", ["-ac", "2", "-ar", "48000"]),
}


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_decodes_to_16k_mono_float32(media, source, fmt):
    path, ref, duration = source
    name, args = FORMATS[fmt]
    f = media.ffmpeg(name, "-i", str(path), *args)
    x, sr = load_audio(f)
    assert sr == SR and x.dtype == np.float32 and x.ndim == 1
    # lossy codecs add a few tens of ms of priming/padding at most
    assert abs(len(x) / SR - duration) < 0.08, (fmt, len(x) / SR, duration)
    rms = lambda a: 20 * np.log10(np.sqrt(np.mean(a.astype(np.float64) ** 2)))
    assert abs(rms(x) - rms(ref)) < 1.0  # same loudness: the stereo downmix does not halve it


def test_wav_length_is_duration_times_16000(source):
    path, x, duration = source
    assert abs(len(x) - duration * SR) <= 1
    assert np.abs(x).max() <= 1.0


def test_stereo_48k_probe_and_decode(media, source):
    f = media.ffmpeg("utt_stereo48k.wav", "-i", str(source[0]), "-ac", "2", "-ar", "48000")
    info = probe_audio(f)
    assert (info.channels, info.sample_rate, info.has_video) == (2, 48000, False)
    assert info.duration == pytest.approx(source[2], abs=0.01)
    x, sr = load_audio(f, sr=8000)
    assert sr == 8000 and abs(len(x) - source[2] * 8000) <= 2


def test_audio_track_of_a_video(media, source):
    path, ref, duration = source
    f = media.ffmpeg("talk.mp4", "-f", "lavfi", "-i", "color=c=blue:s=64x64:r=10", "-i", str(path),
                     "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac")
    info = probe_audio(f)
    assert info.has_video and info.channels == 1
    x, sr = load_audio(f)
    assert x.dtype == np.float32 and abs(len(x) / SR - duration) < 0.15


def test_emodb_file_in_place(emodb_wav):
    info = probe_audio(emodb_wav[0])
    assert info.sample_rate == 22050 and info.duration == pytest.approx(2.0, abs=1e-3)
    x, sr = load_audio(emodb_wav[0])
    assert sr == SR and x.dtype == np.float32 and abs(len(x) - 32000) <= 1


@pytest.fixture(scope="module")
def bad_files(media, utterance, tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    junk = d / "junk.mp3"
    junk.write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    empty = d / "empty.wav"
    empty.write_bytes(b"")
    return {
        "missing": (d / "nope.wav", "no such file"),
        "directory": (d, "directory"),
        "empty": (empty, "empty"),
        "corrupt": (junk, "corrupt"),
        "no audio stream": (media.ffmpeg("silent_film.mp4", "-f", "lavfi", "-i", "color=c=red:s=64x64:d=1",
                                         "-c:v", "libx264", "-pix_fmt", "yuv420p"), "no audio stream"),
        "all silent": (media.ffmpeg("silence.wav", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "2"),
                       "silent"),
        "nearly silent": (media.ffmpeg("hum.wav", "-f", "lavfi", "-i", "sine=f=200:r=16000", "-t", "2",
                                       "-af", "volume=-85dB"), "silent"),
        "too short": (media.ffmpeg("short.wav", "-i", str(utterance), "-t", "0.1"), "0.25 s"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "corrupt", "no audio stream",
                                  "all silent", "nearly silent", "too short"])
def test_bad_input_raises_audio_error_naming_the_file(bad_files, case):
    path, reason = bad_files[case]
    with pytest.raises(AudioError, match=reason) as err:
        load_audio(path)
    assert err.value.path == str(path)
    assert str(path) in str(err.value)
    assert isinstance(err.value, InputError)


def test_duration_cap_and_floor_are_parameters(utterance, bad_files):
    with pytest.raises(AudioError, match="refused"):
        load_audio(utterance, max_duration=1.0)
    short, _ = bad_files["too short"]
    x, _ = load_audio(short, min_duration=0.05)
    assert abs(len(x) - 0.1 * SR) <= 2


def test_probe_errors_too(bad_files):
    for case in ("missing", "corrupt", "no audio stream"):
        with pytest.raises(AudioError):
            probe_audio(bad_files[case][0])


def test_missing_pyav_names_the_extra_to_install(utterance, monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)  # import av -> ImportError, as without the extra
    with pytest.raises(DependencyError, match=r"PyAV: pip install 'affectkit\[voice\]'"):
        load_audio(utterance)
