"""Audio in: probe and decode any audio file, or the audio track of a video, to mono float32.

Decoding goes through the ``ffmpeg`` / ``ffprobe`` binaries (subprocess, no shell), so every
container and codec ffmpeg knows works (wav, flac, mp3, ogg, m4a, mp4, mkv, webm...), and
stereo or 48 kHz input is downmixed and resampled by ffmpeg. Every problem raises
``AudioError`` naming the file: missing, empty, corrupt, no audio stream, too short, too
long, or silent.
"""
from __future__ import annotations

import json
import math
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectkit.core.errors import AudioError, DependencyError

SAMPLE_RATE = 16000
MIN_DURATION = 0.25          # seconds: shorter clips carry too little voice to analyse
MAX_DURATION = 4 * 3600.0    # seconds: longer files are refused (memory: 4 h at 16 kHz = 0.9 GB)
SILENCE_DB = -70.0           # peak level (dBFS) at or below which a file counts as silent


@dataclass(frozen=True)
class AudioInfo:
    """What ffprobe says about a file's first audio stream."""

    path: str
    duration: float | None     # seconds; None when the container does not say
    sample_rate: int
    channels: int
    codec: str
    has_video: bool


def _tool(name: str) -> str:
    exe = shutil.which(name)
    if exe is None:
        raise DependencyError(f"{name} is not installed; audio decoding needs it "
                              f"(Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg)")
    return exe


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(str(path), "no such file")
    if p.is_dir():
        raise AudioError(str(path), "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioError(str(path), "the file is empty (0 bytes)")
    return p


def _last_line(stderr: bytes, path: str) -> str:
    """ffmpeg's last message, without the file name it repeats (our error already names it)."""
    lines = [l.strip() for l in stderr.decode("utf-8", "replace").splitlines() if l.strip()]
    line = lines[-1] if lines else "no details"
    return line[len(path) + 2:] if line.startswith(path + ": ") else line


def _float(value: object) -> float | None:
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) and x >= 0 else None


def probe_audio(path: str | Path) -> AudioInfo:
    """Duration, sample rate and channels of the first audio stream (ffprobe), or AudioError."""
    p = _check_file(path)
    name = str(path)
    cmd = [_tool("ffprobe"), "-v", "error", "-show_streams", "-show_format", "-of", "json", str(p)]
    res = subprocess.run(cmd, capture_output=True, timeout=120)
    if res.returncode != 0:
        raise AudioError(name, f"cannot be read as audio or video: corrupt or unsupported "
                               f"(ffprobe: {_last_line(res.stderr, str(p))})")
    try:
        meta = json.loads(res.stdout or b"{}")
    except json.JSONDecodeError:
        raise AudioError(name, "ffprobe returned unreadable metadata") from None
    streams = meta.get("streams", [])
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    video = [s for s in streams if s.get("codec_type") == "video"
             and not s.get("disposition", {}).get("attached_pic")]
    if not audio:
        what = "a video without an audio track" if video else "no audio stream"
        raise AudioError(name, f"has no audio stream ({what})")
    a = audio[0]
    duration = _float(a.get("duration")) or _float(meta.get("format", {}).get("duration"))
    return AudioInfo(path=name, duration=duration, sample_rate=int(a.get("sample_rate") or 0),
                     channels=int(a.get("channels") or 0), codec=str(a.get("codec_name", "")),
                     has_video=bool(video))


def load_audio(path: str | Path, sr: int = SAMPLE_RATE, *, min_duration: float = MIN_DURATION,
               max_duration: float = MAX_DURATION,
               silence_db: float = SILENCE_DB) -> tuple[np.ndarray, int]:
    """Decode ``path`` to (mono float32 samples in [-1, 1], ``sr``).

    Raises AudioError for a missing, empty, corrupt or silent file, one with no audio
    stream, one shorter than ``min_duration`` or longer than ``max_duration`` seconds.
    """
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    name = str(path)
    info = probe_audio(path)
    if info.duration is not None and info.duration > max_duration:
        raise AudioError(name, f"is {_fmt_dur(info.duration)} long; files over "
                               f"{_fmt_dur(max_duration)} are refused (raise max_duration, or split it)")
    cmd = [_tool("ffmpeg"), "-nostdin", "-hide_banner", "-v", "error", "-i", str(path),
           "-map", "0:a:0", "-vn", "-sn", "-dn", "-ac", "1", "-ar", str(sr),
           # decode at most a little past the cap, even when the container lied about its length
           "-t", f"{max_duration + 1.0:.3f}", "-f", "f32le", "-acodec", "pcm_f32le", "pipe:1"]
    res = subprocess.run(cmd, capture_output=True)
    if res.returncode != 0:
        raise AudioError(name, f"cannot be decoded: corrupt or unsupported (ffmpeg: {_last_line(res.stderr, str(path))})")
    x = np.frombuffer(res.stdout, dtype="<f4").astype(np.float32)
    n = len(x)
    if n == 0:
        raise AudioError(name, "the audio stream is empty (decoded no samples)")
    got = n / sr
    if got > max_duration:
        raise AudioError(name, f"is over {_fmt_dur(max_duration)} long; longer files are refused "
                               f"(raise max_duration, or split it)")
    if info.duration is not None and info.duration >= 1.0 and got < 0.5 * info.duration:
        raise AudioError(name, f"decoded only {got:.2f} s of the {info.duration:.2f} s the file "
                               f"announces: truncated or corrupt")
    if got < min_duration:
        raise AudioError(name, f"is {got:.3f} s long; at least {min_duration:g} s of audio is needed")
    if not np.all(np.isfinite(x)):
        raise AudioError(name, "decoded to non-finite samples: corrupt")
    peak = float(np.max(np.abs(x)))
    peak_db = 20 * math.log10(peak) if peak > 0 else -math.inf
    if peak_db <= silence_db:
        level = "digital silence" if peak == 0 else f"peak {peak_db:.0f} dBFS"
        raise AudioError(name, f"is silent ({level}); nothing to analyse")
    return x, sr


def _fmt_dur(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2f} s"
