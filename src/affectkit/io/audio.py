"""Audio in: probe and decode any audio file, or the audio track of a video, to mono float32.

Decoding runs in-process with PyAV (FFmpeg's libraries, bundled in its wheels; no ``ffmpeg``
binary), so every container and codec FFmpeg knows works (wav, flac, mp3, ogg, m4a, mp4, mkv,
webm...), and stereo or 48 kHz input is downmixed and resampled by FFmpeg's resampler, as the
``ffmpeg`` command would. Every problem raises ``AudioError`` naming the file: missing, empty,
corrupt, no audio stream, too short, too long, or silent. A file that decodes only in part (cut
short, or with damaged packets that are skipped) is read as far as it goes, and
``DecodedAudio.damage`` says how much was read; under half of what it announces is an error.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from affectkit.core.errors import AudioError
from affectkit.io.media import Damage, decoded_frames, open_container, picture_streams, require_av, stream_duration

SAMPLE_RATE = 16000
MIN_DURATION = 0.25          # seconds: shorter clips carry too little voice to analyse
MAX_DURATION = 4 * 3600.0    # seconds: longer files are refused (memory: 4 h at 16 kHz = 0.9 GB)
SILENCE_DB = -70.0           # peak level (dBFS) at or below which a file counts as silent


@dataclass(frozen=True)
class AudioInfo:
    """What the container says about a file's first audio stream."""

    path: str
    duration: float | None     # seconds; None when the container does not say
    sample_rate: int
    channels: int
    codec: str
    has_video: bool


@dataclass(frozen=True)
class DecodedAudio:
    """Decoded samples (mono float32 in [-1, 1] at ``sr``), what the file announces, and
    ``damage``: one line saying how much of a partly decodable file was read (None: all of it)."""

    samples: np.ndarray
    sr: int
    announced: float | None
    damage: str | None = None

    @property
    def duration(self) -> float:
        return len(self.samples) / self.sr


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise AudioError(str(path), "no such file")
    if p.is_dir():
        raise AudioError(str(path), "is a directory, not an audio file")
    if p.stat().st_size == 0:
        raise AudioError(str(path), "the file is empty (0 bytes)")
    return p


def _open_audio(path: str | Path):
    """(container, its first audio stream, AudioInfo), or AudioError."""
    p = _check_file(path)
    name = str(path)
    container = open_container(str(p), lambda msg: AudioError(name, msg))
    try:
        video = picture_streams(container)
        if not container.streams.audio:
            what = "a video without an audio track" if video else "no audio stream"
            raise AudioError(name, f"has no audio stream ({what})")
        a = container.streams.audio[0]
        ctx = a.codec_context
        info = AudioInfo(path=name, duration=stream_duration(a, container), sample_rate=int(ctx.sample_rate or 0),
                         channels=int(ctx.channels or 0), codec=str(ctx.name or ""), has_video=bool(video))
    except BaseException:
        container.close()
        raise
    return container, a, info


def probe_audio(path: str | Path) -> AudioInfo:
    """Duration, sample rate and channels of the first audio stream, or AudioError."""
    container, _, info = _open_audio(path)
    container.close()
    return info


def decode_audio(path: str | Path, sr: int = SAMPLE_RATE, *, min_duration: float = MIN_DURATION,
                 max_duration: float = MAX_DURATION, silence_db: float = SILENCE_DB) -> DecodedAudio:
    """Decode the first audio stream of ``path`` to mono float32 at ``sr`` (see the module's
    docstring). AudioError for a missing, empty, corrupt or silent file, one with no audio stream,
    one shorter than ``min_duration`` or longer than ``max_duration`` seconds, or one of which
    under half of what it announces decodes."""
    if sr <= 0:
        raise ValueError(f"sample rate must be positive, got {sr}")
    name = str(path)
    container, stream, info = _open_audio(path)
    damage = Damage("audio", info.duration, exact=info.codec == "flac" or info.codec.startswith("pcm_"))
    try:
        if info.duration is not None and info.duration > max_duration:
            raise AudioError(name, f"is {_fmt_dur(info.duration)} long; files over "
                                   f"{_fmt_dur(max_duration)} are refused (raise max_duration, or split it)")
        x = _resampled(container, stream, damage, sr, max_samples=int((max_duration + 1.0) * sr))
    finally:
        container.close()
    n = len(x)
    if n == 0:
        if damage.bad_packets or damage.demux_error:
            raise AudioError(name, f"cannot be decoded: corrupt ({damage.problem(0.0)})")
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
    return DecodedAudio(x, sr, info.duration, damage.problem(got))


def load_audio(path: str | Path, sr: int = SAMPLE_RATE, *, min_duration: float = MIN_DURATION,
               max_duration: float = MAX_DURATION,
               silence_db: float = SILENCE_DB) -> tuple[np.ndarray, int]:
    """Decode ``path`` to (mono float32 samples in [-1, 1], ``sr``): ``decode_audio`` without
    the damage report (use that where a partly read file must be said so)."""
    d = decode_audio(path, sr, min_duration=min_duration, max_duration=max_duration, silence_db=silence_db)
    return d.samples, d.sr


def _resampled(container, stream, damage: Damage, sr: int, max_samples: int) -> np.ndarray:
    """The stream's frames through FFmpeg's resampler (mono float32 at ``sr``), at most about
    ``max_samples`` (a container may lie about its length). A stream whose format changes half-way
    (damage, or a concatenated file) gets a fresh resampler from there on."""
    av = require_av()
    chunks: list[np.ndarray] = []
    n = 0
    resampler, fmt = None, None

    def take(frames) -> None:
        nonlocal n
        for out in frames:
            a = out.to_ndarray().reshape(-1)
            chunks.append(a)
            n += len(a)

    for frame in decoded_frames(container, stream, damage):
        damage.saw(frame.time, frame.samples / frame.sample_rate if frame.sample_rate else 0.0)
        key = (frame.format.name, frame.layout.name, frame.sample_rate)
        if key != fmt:
            if resampler is not None:
                take(resampler.resample(None))
            resampler, fmt = av.AudioResampler(format="flt", layout="mono", rate=sr), key
        take(resampler.resample(frame))
        if n > max_samples:
            break
    if resampler is not None:
        take(resampler.resample(None))
    return np.concatenate(chunks).astype(np.float32, copy=False) if chunks else np.zeros(0, np.float32)


def _fmt_dur(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2f} s"
