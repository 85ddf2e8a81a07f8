"""What an input is (by content) and the limits, before any decoding."""
import struct

import pytest

from affectkit.core.errors import AudioError, InputError, TranscriptError
from affectkit.io.probe import Limits, check_transcript, looks_like_text, media_signature, probe_input


def wav_bytes(seconds=1.0, sr=8000):
    n = int(seconds * sr)
    data = b"".join(struct.pack("<h", int(8000 * ((i // 20) % 2 * 2 - 1))) for i in range(n))
    return (b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, sr, sr * 2, 2, 16)
            + b"data" + struct.pack("<I", len(data)) + data)


@pytest.mark.parametrize("head,name", [
    (wav_bytes(0.01)[:16], "wav"), (b"RIFF\x00\x00\x00\x00AVI LIST", "avi"), (b"\x00\x00\x00\x18ftypmp42", "mp4"),
    (b"\x1aE\xdf\xa3\x9fB\x86\x81", "matroska"), (b"OggS\x00\x02", "ogg"), (b"fLaC\x00\x00", "flac"),
    (b"ID3\x04\x00", "mp3"), (b"\xff\xfb\x90\x64", "mpeg-audio"), (b"\xff\xf1\x50\x80", "mpeg-audio"),
    (b"FORM\x00\x00\x00\x00AIFF", "aiff"),
])
def test_media_signatures(head, name):
    assert media_signature(head) == name


def test_text_is_not_media_and_is_recognised():
    for text in (b"1\n00:00:01,000 --> 00:00:02,000\nhi\n", "WEBVTT\n\ncaf\u00e9".encode(), "\ufeffhi".encode(),
                 "hi".encode("utf-16")):
        assert media_signature(text) is None and looks_like_text(text)
    assert not looks_like_text(b"\x00\x01\x02binary") and not looks_like_text(b"")
    assert not looks_like_text(bytes(range(1, 32)) * 10)
    assert looks_like_text(("é" * 3000).encode()[:4096])   # a character cut at the sample's end is fine


def test_limits_from_options_env_and_defaults(monkeypatch):
    for var in ("AFFECTKIT_MAX_FILE_MB", "AFFECTKIT_MAX_DURATION", "AFFECTKIT_MAX_TRANSCRIPT_MB"):
        monkeypatch.delenv(var, raising=False)
    assert Limits.from_env() == Limits(2048, 14400, 50)
    monkeypatch.setenv("AFFECTKIT_MAX_DURATION", "60")
    assert Limits.from_env().max_duration == 60
    assert Limits.from_env(max_duration=5).max_duration == 5          # the option beats the environment
    monkeypatch.setenv("AFFECTKIT_MAX_FILE_MB", "lots")
    with pytest.raises(InputError, match="AFFECTKIT_MAX_FILE_MB must be a positive number"):
        Limits.from_env()
    monkeypatch.setenv("AFFECTKIT_MAX_FILE_MB", "-1")
    with pytest.raises(InputError, match="positive"):
        Limits.from_env()
    with pytest.raises(InputError):
        Limits(max_duration=0)


def test_probe_by_content_not_name(tmp_path):
    wav = tmp_path / "really_a_wav.mp4"
    wav.write_bytes(wav_bytes(1.5))
    info = probe_input(wav)
    assert info.kind == "audio" and info.has_audio and not info.has_video and info.duration == pytest.approx(1.5)
    named_txt = tmp_path / "audio.txt"
    named_txt.write_bytes(wav_bytes(1.0))
    assert probe_input(named_txt).kind == "audio"
    srt = tmp_path / "talk.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    assert probe_input(srt).kind == "transcript"
    text_mp4 = tmp_path / "talk.mp4"
    text_mp4.write_text("1\n00:00:00,000 --> 00:00:01,000\nhi\n")
    with pytest.raises(AudioError, match=r"holds text, not audio or video, despite its \.mp4 name"):
        probe_input(text_mp4)


def test_probe_refuses_over_limits_before_decoding(tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(wav_bytes(2.0))
    with pytest.raises(AudioError, match=r"files over 0.01 MB are refused \(raise --max-file-mb or AFFECTKIT_MAX_FILE_MB\)"):
        probe_input(wav, Limits(max_file_mb=0.01))
    with pytest.raises(AudioError, match=r"is 2.00 s long; recordings over 1.00 s are refused \(raise --max-duration"):
        probe_input(wav, Limits(max_duration=1))
    srt = tmp_path / "t.srt"
    srt.write_text("1\n00:00:00,000 --> 00:00:01,000\n" + "word " * 100 + "\n")
    with pytest.raises(TranscriptError, match="--max-transcript-mb"):
        check_transcript(srt, Limits(max_transcript_mb=0.0001))
    with pytest.raises(TranscriptError, match="--max-transcript-mb"):
        probe_input(srt, Limits(max_transcript_mb=0.0001))


def test_probe_errors_name_the_problem(tmp_path):
    with pytest.raises(AudioError, match="no such file"):
        probe_input(tmp_path / "missing.wav")
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(AudioError, match=r"empty \(0 bytes\)"):
        probe_input(empty)
    (tmp_path / "empty.srt").touch()
    with pytest.raises(TranscriptError, match="empty"):
        probe_input(tmp_path / "empty.srt")
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x10\x00\x00\x00WAVE" + b"\x07" * 200)
    with pytest.raises(AudioError, match="corrupt or unsupported"):
        probe_input(corrupt)
