"""In-process probing and decoding of recordings with PyAV, whose wheels bundle FFmpeg's libraries:
no ``ffmpeg`` or ``ffprobe`` binary is needed, on any machine.

Decoding goes packet by packet, as the ``ffmpeg`` command does: a packet the decoder rejects is
skipped and counted, and decoding carries on with the next one, so a damaged file gives what can
be read of it. ``Damage`` keeps the count and the time span read, and says in one line how much of
a file was read when that is less than it announces (``Damage.problem``): the caller puts that
line in the record's errors and on stderr instead of passing a partly read file off as whole.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from affectkit.core.errors import DependencyError

INSTALL = "pip install 'affectkit[voice]' (or [face], [asr]: each brings PyAV)"
# a file read up to this share of what it announces, and within LOST_SECONDS of it, counts as whole:
# containers round their durations, and audio codecs pad or trim a few tens of milliseconds at the ends
WHOLE_SHARE = 0.99
LOST_SECONDS = 0.1
EXACT_SECONDS = 0.01  # lossless audio (FLAC, PCM) announces its exact length: any frame lost is damage

def require_av():
    """The ``av`` module (PyAV), or DependencyError naming the extras that install it.

    FFmpeg's own log lines stay off, damage being reported once, in words: PyAV's default log level
    (None) drops them in C. Setting any level (even PANIC) installs PyAV's Python log callback,
    which FFmpeg's decoding threads then call holding a lock while the closing thread holds the GIL:
    closing a half-read H.264 container hung for good (seen in the test suite; PyAV issues #751,
    #909), so no level is set here."""
    try:
        import av
    except ImportError:
        raise DependencyError(f"decoding audio and video needs PyAV: {INSTALL}") from None
    return av


def av_message(exc: BaseException) -> str:
    """FFmpeg's reason for an error, without the file name PyAV appends (our errors name it)."""
    s = getattr(exc, "strerror", None) or str(exc)
    return s.split(": '")[0] if s else type(exc).__name__


def open_container(path: str, error: Callable[[str], Exception]):
    """The opened container, or ``error(message)`` for a file FFmpeg cannot open."""
    av = require_av()
    try:
        return av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise error(f"cannot be read as audio or video: corrupt or unsupported (FFmpeg: {av_message(exc)})") from None


def picture_streams(container) -> list:
    """The video streams that hold pictures (not a cover image attached to an audio file)."""
    av = require_av()
    return [s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic]


def stream_duration(stream, container=None) -> float | None:
    """Seconds a stream (else its container) announces, or None when neither says."""
    if stream.duration is not None and stream.time_base is not None:
        d = float(stream.duration * stream.time_base)
        if d > 0:
            return d
    if container is not None and container.duration is not None and container.duration > 0:
        return container.duration / 1_000_000
    return None


@dataclass
class Damage:
    """What decoding one stream met: packets decoded and skipped, the span of time read, time
    missing between decoded frames, and whether the container could not be read to its end."""

    kind: str                       # "audio" or "video", for the message
    announced: float | None = None  # seconds the file announces
    step: float = 0.0               # seconds a video frame lasts (its stream's frame rate), 0 unknown
    exact: bool = False             # the announced length is exact (lossless audio): no tolerance
    packets: int = 0
    bad_packets: int = 0
    demux_error: str | None = None
    first: float | None = None      # first decoded timestamp, and where the last decoded frame ends
    end: float | None = None
    gaps: float = 0.0               # seconds missing between decoded frames (by their timestamps)
    reasons: dict[str, int] = field(default_factory=dict)

    def saw(self, t: float | None, length: float | None = None) -> None:
        """Count a decoded frame at ``t`` lasting ``length`` seconds (video: ``step``)."""
        if t is None:
            return
        length = self.step if length is None else length
        if self.end is not None and t - self.end > max(LOST_SECONDS, 2 * length):
            self.gaps += t - self.end
        self.first = t if self.first is None else min(self.first, t)
        self.end = t + length if self.end is None else max(self.end, t + length)

    def skipped(self, exc: BaseException) -> None:
        self.bad_packets += 1
        why = av_message(exc)
        self.reasons[why] = self.reasons.get(why, 0) + 1

    def problem(self, decoded: float | None = None) -> str | None:
        """One line saying how much was read when it is less than the file holds, else None.
        ``decoded``: seconds of samples decoded (audio), whose shortfall against the span of the
        timestamps is what went missing in the middle (robust to one frame's garbled timestamp);
        else (video) the span of timestamps less the gaps between frames."""
        span = (self.end - (self.first or 0.0)) if self.end is not None else 0.0
        if decoded is not None:
            got, missing = decoded, max(0.0, span - decoded)
        else:
            got, missing = span - self.gaps, self.gaps
        parts = []
        tolerance = EXACT_SECONDS if self.exact else LOST_SECONDS
        short = (self.announced is not None and self.announced - got > tolerance
                 and (self.exact or got < self.announced * WHOLE_SHARE))
        if short:
            parts.append(f"decoded only {got:.2f} s of the {self.announced:.2f} s the file announces")
        if missing > tolerance:
            later = " (later times are early by as much)" if decoded is not None else ""
            parts.append(f"{missing:.2f} s missing between decoded parts{later}")
        if self.bad_packets:
            why = max(self.reasons, key=self.reasons.get) if self.reasons else "undecodable"
            parts.append(f"{self.bad_packets:,} of {self.packets:,} {self.kind} packets could not be decoded "
                         f"and were skipped ({why})")
        if self.demux_error and (short or self.bad_packets or self.announced is None):
            parts.append(f"reading stopped early: {self.demux_error}")
        if not parts:
            return None
        return f"{self.kind} damaged: " + "; ".join(parts)


def decoded_frames(container, stream, damage: Damage) -> Iterator[Any]:
    """Decoded frames of ``stream``, packet by packet: a packet the decoder rejects is counted in
    ``damage`` and skipped, as the ``ffmpeg`` command does; a container that cannot be read further
    ends the stream (``damage.demux_error``). The decoder is flushed at the end."""
    av = require_av()
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            return
        except av.FFmpegError as exc:
            damage.demux_error = av_message(exc)
            break
        if packet.size:
            damage.packets += 1
        try:
            frames = packet.decode()  # an empty packet flushes the decoder
        except av.FFmpegError as exc:
            damage.skipped(exc)
            continue
        yield from frames
    try:
        yield from stream.codec_context.decode(None)
    except av.FFmpegError:
        pass
