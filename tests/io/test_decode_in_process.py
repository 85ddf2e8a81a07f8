"""Decoding runs in-process (PyAV): no ffmpeg/ffprobe binary is called, and the samples are the
ones the ffmpeg command gives (the shipped voice head was trained on ffmpeg-decoded audio)."""
import shutil
import subprocess
import sys

import numpy as np
import pytest

from affectkit.core.errors import DependencyError
from affectkit.io.audio import decode_audio, load_audio, probe_audio
from affectkit.io.probe import probe_input
from affectkit.io.video import iter_frames, probe_video

EXAMPLES = {"talk": "examples/talk.flac", "video": "examples/talking_head.mp4"}


def _ffmpeg_samples(path, sr=16000) -> np.ndarray:
    """What the ffmpeg command decodes (the pre-PyAV path), as the reference."""
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn", "-ac", "1",
                          "-ar", str(sr), "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype="<f4")


@pytest.fixture
def no_subprocess(monkeypatch):
    """Any attempt to start a program (ffmpeg, ffprobe...) fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a subprocess was started: {args[0] if args else kwargs}")

    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_examples_probe_and_decode_without_any_subprocess(name, no_subprocess):
    path = EXAMPLES[name]
    info = probe_input(path)
    assert info.kind == ("video" if name == "video" else "audio") and info.has_audio
    assert info.duration == pytest.approx(17.4 if name == "video" else 11.508, abs=0.01)
    d = decode_audio(path)
    assert d.sr == 16000 and d.samples.dtype == np.float32 and d.damage is None
    assert abs(d.duration - probe_audio(path).duration) < 0.05
    if name == "video":
        v = probe_video(path)
        assert (v.width, v.height) == (640, 360) and v.has_audio
        frames = list(iter_frames(path, 5.0, gray=True, max_side=320))
        assert len(frames) == 87 and frames[0].image.shape == (180, 320)


needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="the ffmpeg command is the reference here")


@needs_ffmpeg
@pytest.mark.parametrize("fmt", ["emodb", "stereo48k", "mp3", "m4a", "video"])
def test_samples_equal_the_ffmpeg_commands(fmt, media, utterance, emodb_wav):
    made = {"stereo48k": ("utt_stereo48k.wav", ["-ac", "2", "-ar", "48000"]),
            "mp3": ("utt.mp3", ["-c:a", "libmp3lame", "-b:a", "64k"]),
            "m4a": ("utt.m4a", ["-c:a", "aac", "-b:a", "64k"])}
    if fmt == "emodb":
        path = emodb_wav[0]  # 22,050 Hz: resampled, as for the voice head's training
    elif fmt == "video":
        path = EXAMPLES["video"]
    else:
        name, args = made[fmt]
        path = media.ffmpeg(name, "-i", str(utterance), *args)
    x, _ = load_audio(path)
    ref = _ffmpeg_samples(path)
    assert len(x) == len(ref)
    assert float(np.abs(x - ref).max()) < 1e-5, fmt


def test_without_pyav_each_path_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "av", None)
    for call in (lambda: probe_input(EXAMPLES["talk"]), lambda: decode_audio(EXAMPLES["talk"]),
                 lambda: list(iter_frames(EXAMPLES["video"]))):
        with pytest.raises(DependencyError, match=r"needs PyAV: pip install 'affectkit\[voice\]'"):
            call()
    # a transcript needs no decoder
    assert probe_input("examples/interview.srt").kind == "transcript"
