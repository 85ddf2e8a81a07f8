"""What an input file is, by its content, and whether it is within the limits, before decoding.

``probe_input`` looks at a file's first bytes (the signatures of audio and video containers,
or text), then reads a recording's streams and duration in-process with PyAV (FFmpeg's libraries,
bundled in its wheels: no ``ffprobe`` binary). The content
decides, not the name: a WAV named ``.mp4`` is read as the WAV it is; a transcript named
``.mp4`` (text) is refused with a message saying so; a WAV named ``.txt`` is read as audio.

Limits (``Limits``): file size, recording duration and transcript size, each from an option,
else the environment (``AFFECTKIT_MAX_FILE_MB``, ``AFFECTKIT_MAX_DURATION`` in seconds,
``AFFECTKIT_MAX_TRANSCRIPT_MB``), else the defaults (2048 MB, 4 h, 50 MB). A file over a
limit is refused before any decoding, with an error naming the option that raises it.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

from affectkit.core.errors import AudioError, InputError, TranscriptError

MB = 1024 * 1024
MEDIA_SUFFIXES = frozenset({".wav", ".flac", ".mp3", ".ogg", ".m4a", ".opus", ".aac",
                            ".webm", ".mp4", ".mkv", ".mov", ".avi", ".m4v"})
ENV = {"max_file_mb": "AFFECTKIT_MAX_FILE_MB", "max_duration": "AFFECTKIT_MAX_DURATION",
       "max_transcript_mb": "AFFECTKIT_MAX_TRANSCRIPT_MB"}
OPTION = {"max_file_mb": "--max-file-mb", "max_duration": "--max-duration",
          "max_transcript_mb": "--max-transcript-mb"}


@dataclass(frozen=True)
class Limits:
    """Refuse recordings over ``max_file_mb`` megabytes (MiB) or ``max_duration`` seconds, and
    transcripts over ``max_transcript_mb``. Defaults: 2048 MB, 4 h (14,400 s), 50 MB."""

    max_file_mb: float = 2048.0
    max_duration: float = 4 * 3600.0
    max_transcript_mb: float = 50.0

    def __post_init__(self) -> None:
        for name in ENV:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value > 0 and math.isfinite(value)):
                raise InputError(f"{name} must be a positive number, got {value!r}")

    @classmethod
    def from_env(cls, **given: float | None) -> "Limits":
        """Each limit from ``given`` (an option; None: not given), else its environment
        variable, else the default. InputError for a value that is not a positive number."""
        values: dict[str, float] = {}
        for name, var in ENV.items():
            if given.get(name) is not None:
                values[name] = float(given[name])  # type: ignore[arg-type]
            elif os.environ.get(var, "").strip():
                raw = os.environ[var].strip()
                try:
                    values[name] = float(raw)
                except ValueError:
                    raise InputError(f"{var} must be a positive number, got {raw!r}") from None
                if not (values[name] > 0 and math.isfinite(values[name])):
                    raise InputError(f"{var} must be a positive number, got {raw!r}")
        unknown = set(given) - set(ENV)
        if unknown:
            raise TypeError(f"unknown limits: {', '.join(sorted(unknown))}")
        return cls(**values)

    @property
    def file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    @property
    def transcript_bytes(self) -> int:
        return int(self.max_transcript_mb * MB)


@dataclass(frozen=True)
class InputProbe:
    """One input as probed: ``kind`` is ``transcript``, ``audio`` (a recording without
    pictures) or ``video``; ``container`` is FFmpeg's format name (None for transcripts)."""

    path: str
    kind: str
    size: int
    duration: float | None = None
    has_audio: bool = False
    has_video: bool = False
    container: str | None = None


def _mb(n: float) -> str:
    return f"{n / MB:.1f} MB" if n < 10 * MB else f"{n / MB:.0f} MB"


def _limit(value: float) -> str:
    return f"{value:g}"


def media_signature(head: bytes) -> str | None:
    """The audio/video container a file's first bytes announce, or None."""
    if len(head) >= 12 and head[:4] in (b"RIFF", b"RF64") and head[8:12] in (b"WAVE", b"AVI "):
        return "wav" if head[8:12] == b"WAVE" else "avi"
    if len(head) >= 12 and head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if len(head) >= 8 and head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return "mp4"
    table = {b"fLaC": "flac", b"OggS": "ogg", b"ID3": "mp3", b"\x1aE\xdf\xa3": "matroska", b"#!AMR": "amr",
             b"FLV": "flv", b"0&\xb2u": "asf", b"caff": "caf", b"\x00\x00\x01\xba": "mpeg"}
    for magic, name in table.items():
        if head.startswith(magic):
            return name
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xF0) == 0xF0 and head[1] not in (0xFE, 0xFF):
        return "mpeg-audio"  # an MP3 or ADTS AAC frame (FF FE would be a UTF-16 text mark)
    return None


def looks_like_text(head: bytes) -> bool:
    """True when a file's first bytes read as text (UTF-8 or UTF-16 with its mark, no NUL bytes,
    hardly any control characters)."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    text = head.decode("utf-8", "replace")
    if len(head) >= 4096:  # a character cut at the end of the sample is not an encoding error
        text = text[:-2]
    bad = sum(1 for c in text if (ord(c) < 32 and c not in "\t\n\r\f") or c == "\ufffd")
    return bad <= max(2, len(text) // 100)


def _stat(path: str | Path, error) -> int:
    p = Path(path)
    if not p.exists():
        raise error("no such file")
    if p.is_dir():
        raise error("is a directory, not a file")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}") from None
    if size == 0:
        raise error("the file is empty (0 bytes)")
    return size


def check_transcript(path: str | Path, limits: Limits | None = None) -> int:
    """The size of a transcript file within ``limits``, or TranscriptError."""
    limits = limits or Limits.from_env()
    size = _stat(path, lambda msg: TranscriptError(str(path), msg))
    if size > limits.transcript_bytes:
        raise TranscriptError(str(path), f"is {_mb(size)}; transcripts over {_limit(limits.max_transcript_mb)} MB "
                                         f"are refused (raise {OPTION['max_transcript_mb']} or "
                                         f"{ENV['max_transcript_mb']})")
    return size


def sniff(path: str | Path) -> str | None:
    """"media" or "transcript": what ``probe_input`` will read the file as, from its first bytes
    (a container signature, else a media name), without the limits and stream checks; None when
    the file cannot be read (``probe_input`` says why). The one place a file kind is decided."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    if media_signature(head) is not None or Path(str(path)).suffix.lower() in MEDIA_SUFFIXES:
        return "media"
    return "transcript"


def probe_input(path: str | Path, limits: Limits | None = None) -> InputProbe:
    """Probe one input: transcript, audio or video by content (see the module's docstring),
    within ``limits``. AudioError / TranscriptError naming the file and the problem."""
    limits = limits or Limits.from_env()
    name, suffix = str(path), Path(str(path)).suffix.lower()
    named_media = suffix in MEDIA_SUFFIXES
    error = (lambda msg: AudioError(name, msg)) if named_media else (lambda msg: TranscriptError(name, msg))
    size = _stat(path, error)
    try:
        with open(path, "rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}") from None
    signature = media_signature(head)
    if signature is None and not named_media:
        check_transcript(path, limits)
        return InputProbe(name, "transcript", size)
    if signature is None and looks_like_text(head):
        raise AudioError(name, f"holds text, not audio or video, despite its {suffix} name (a transcript? "
                               f"name it .srt .vtt .json or .txt, or give it with --transcript)")
    if signature == "wav":
        _check_wav_length(name, head, size)
    if size > limits.file_bytes:
        raise AudioError(name, f"is {_mb(size)}; files over {_limit(limits.max_file_mb)} MB are refused "
                               f"(raise {OPTION['max_file_mb']} or {ENV['max_file_mb']})")
    return _probe_streams(name, size, limits)


def _check_wav_length(name: str, head: bytes, size: int) -> None:
    """A WAV whose data chunk announces more bytes than the file holds was cut short (FFmpeg
    reads what is there without a word; the rest of the recording is lost)."""
    import struct

    pos = 12
    while pos + 8 <= len(head):
        chunk, length = head[pos:pos + 4], struct.unpack("<I", head[pos + 4:pos + 8])[0]
        if chunk == b"data":
            if length in (0, 0xFFFFFFFF) or head[:4] == b"RF64":  # streamed: the writer did not know the length
                return
            have = size - (pos + 8)
            if have < length * 0.99:
                raise AudioError(name, f"truncated: its WAV header announces {length:,} bytes of audio, the file "
                                       f"holds {max(0, have):,} ({have / length:.0%})")
            return
        pos += 8 + length + (length & 1)


def _probe_streams(name: str, size: int, limits: Limits) -> InputProbe:
    """The streams and duration of a recording, read in-process by PyAV (FFmpeg's libraries)."""
    from affectkit.io.media import open_container, picture_streams, stream_duration

    container = open_container(name, lambda msg: AudioError(name, msg))
    try:
        audio = list(container.streams.audio)
        video = picture_streams(container)
        container_name = container.format.name if container.format is not None else None
        if not audio and not video:
            kinds = sorted({str(s.type) for s in container.streams}) or ["none"]
            raise AudioError(name, f"has no audio or video stream (FFmpeg reads it as {container_name or 'unknown'}, "
                                   f"streams: {', '.join(kinds)})")
        known = [d for d in (stream_duration(s) for s in audio + video) if d is not None]
        if container.duration is not None and container.duration > 0:
            known.append(container.duration / 1_000_000)
    finally:
        container.close()
    duration = max(known) if known else None
    if duration is not None and duration > limits.max_duration:
        raise AudioError(name, f"is {_clock(duration)} long; recordings over {_clock(limits.max_duration)} are "
                               f"refused (raise {OPTION['max_duration']} (seconds) or {ENV['max_duration']}, or split it)")
    return InputProbe(name, "video" if video else "audio", size, duration, bool(audio), bool(video), container_name)


def _clock(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.2f} h"
    if seconds >= 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds:.2f} s"
