"""Pictures in: probe and decode videos (frames sampled at a chosen rate) and still images.

Videos are decoded with PyAV (the ``face`` extra), so every container and codec FFmpeg knows
works (mp4, mov, mkv, webm, avi...). Frames come out as they are displayed: upright (the
display-matrix rotation that phones write, ``rotate`` 90/180/270, is applied) and with square
pixels (a stream whose pixels are not square, its sample aspect ratio not 1:1, as in anamorphic
DV/DVD/broadcast video, is stretched to its display aspect, never shrunk: a 360x480 picture with
SAR 4:3 comes out 480x480). Face detection and the CNN were made on square-pixel pictures; a face
squeezed to three quarters of its width is missed or misread. Images (png, jpg, bmp, webp, tiff) are read with
OpenCV, which honours their EXIF orientation. Every problem raises ``VideoError`` naming the file:
missing, empty, corrupt or unsupported, no video stream, no decodable frame.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from affectkit.core.errors import DependencyError, VideoError
from affectkit.io.media import Damage, decoded_frames, open_container, picture_streams, require_av, stream_duration

DEFAULT_FPS = 5.0  # frames per second sampled for affect: expressions change slower than this
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi"})


def is_image(path: str | Path) -> bool:
    return Path(str(path)).suffix.lower() in IMAGE_SUFFIXES


def is_video(path: str | Path) -> bool:
    """True for a video container name (by suffix; a .webm may still hold only audio)."""
    return Path(str(path)).suffix.lower() in VIDEO_SUFFIXES


def _av():
    return require_av()


def _cv2():
    try:
        import cv2
    except ImportError:  # pragma: no cover
        raise DependencyError("images and face detection need OpenCV: pip install 'affectkit[face]' "
                              "(opencv-python-headless<5)") from None
    return cv2


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise VideoError(str(path), "no such file")
    if p.is_dir():
        raise VideoError(str(path), "is a directory, not a video or image file")
    if p.stat().st_size == 0:
        raise VideoError(str(path), "the file is empty (0 bytes)")
    return p


@dataclass(frozen=True)
class VideoInfo:
    """A video's first video stream; ``width`` and ``height`` are as displayed (square pixels,
    after rotation); ``sample_aspect`` is the stored pixels' width/height ratio (1.0: square)."""

    path: str
    duration: float | None  # seconds; None when the container does not say
    fps: float | None
    width: int
    height: int
    rotation: int  # degrees clockwise applied to the stored pictures to make them upright
    codec: str
    has_audio: bool
    sample_aspect: float = 1.0


@dataclass(frozen=True)
class Frame:
    """One sampled picture: ``t`` seconds from the start, ``image`` uint8 (H, W) gray or (H, W, 3) BGR."""

    t: float
    image: np.ndarray


def _open(path: str | Path):
    p = _check_file(path)
    name = str(path)
    container = open_container(str(p), lambda msg: VideoError(name, msg.replace("audio or video", "video")))
    streams = picture_streams(container)
    if not streams:
        has_audio = bool(container.streams.audio)
        container.close()
        raise VideoError(name, "has no video stream" + (" (an audio-only file)" if has_audio else ""))
    return container, streams[0]


def _clockwise(rotation: float | int | None) -> int:
    """PyAV's frame/stream rotation (degrees counter-clockwise, as FFmpeg's display matrix) ->
    the clockwise turn that makes the picture upright, one of 0, 90, 180, 270."""
    if not rotation or not math.isfinite(float(rotation)):
        return 0
    return int(round(-float(rotation) / 90.0)) % 4 * 90


def _sample_aspect(stream) -> float:
    """The stream's sample (pixel) aspect ratio as a float, 1.0 when unset, 0/1 or absurd."""
    for sar in (getattr(stream, "sample_aspect_ratio", None),
                getattr(stream.codec_context, "sample_aspect_ratio", None)):
        try:
            v = float(sar) if sar else 0.0
        except (TypeError, ValueError, ZeroDivisionError):
            v = 0.0
        if 0.1 <= v <= 10.0:
            return v
    return 1.0


def _display_size(w: int, h: int, sar: float) -> tuple[int, int]:
    """Stored size -> square-pixel size: the short dimension stretched (wide pixels widen the
    picture, tall ones heighten it), so no stored detail is lost."""
    if abs(sar - 1.0) < 1e-3:
        return w, h
    return (max(1, int(round(w * sar))), h) if sar > 1 else (w, max(1, int(round(h / sar))))


def has_video_stream(path: str | Path) -> bool:
    """True when a video file (by suffix) opens and holds a picture stream (not only a cover
    image); False for other names, audio-only and unreadable files (their own errors come from
    the audio path). DependencyError when PyAV is missing for a video name."""
    if not is_video(path):
        return False
    av = _av()
    try:
        container, _ = _open(path)
    except (VideoError, av.FFmpegError):
        return False
    container.close()
    return True


def probe_video(path: str | Path) -> VideoInfo:
    """Duration, frame rate, upright size and rotation of the first video stream, or VideoError."""
    container, stream = _open(path)
    try:
        duration = stream_duration(stream, container)
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else None
        rotation = 0
        sar = _sample_aspect(stream)
        w, h = stream.codec_context.width, stream.codec_context.height
        # the display matrix is on the decoded frames; peek at the first one
        damage = Damage("video", duration)
        for frame in decoded_frames(container, stream, damage):
            rotation = _clockwise(getattr(frame, "rotation", 0))
            w, h = frame.width, frame.height
            break
        else:
            raise VideoError(str(path), f"no decodable video frame: corrupt or unsupported ({_why(damage)})")
        w, h = _display_size(w, h, sar)
        if rotation in (90, 270):
            w, h = h, w
        return VideoInfo(path=str(path), duration=duration, fps=fps, width=int(w), height=int(h), rotation=rotation,
                         codec=stream.codec_context.name, has_audio=bool(container.streams.audio),
                         sample_aspect=round(sar, 4))
    finally:
        container.close()


def _upright(img: np.ndarray, clockwise: int) -> np.ndarray:
    if clockwise == 0:
        return img
    return np.ascontiguousarray(np.rot90(img, k=-(clockwise // 90)))


def _scaled_size(w: int, h: int, max_side: int | None) -> tuple[int, int]:
    if not max_side or max(w, h) <= max_side:
        return w, h
    s = max_side / max(w, h)
    return max(2, int(round(w * s / 2)) * 2), max(2, int(round(h * s / 2)) * 2)


def iter_frames(path: str | Path, fps: float | None = DEFAULT_FPS, *, gray: bool = False,
                max_side: int | None = None, damage: Damage | None = None) -> Iterator[Frame]:
    """Upright, square-pixel frames of a video (module doc), one every ``1/fps`` seconds (the first
    frame at or after each sampling time; ``fps=None``: every frame), gray or BGR, scaled down so
    that the longer side is at most ``max_side``. VideoError for an unusable file or one without a decodable frame. Packets
    the decoder rejects are skipped (as the ``ffmpeg`` command does); ``damage``, when given, is
    filled with what decoding met, so the caller can say how much of a damaged file was read."""
    if fps is not None and not fps > 0:
        raise ValueError(f"fps must be positive, got {fps}")
    container, stream = _open(path)
    stream.thread_type = "AUTO"
    if damage is None:
        damage = Damage("video")
    damage.kind = "video"
    if damage.announced is None:
        damage.announced = stream_duration(stream, container)
    rate = stream.average_rate or stream.guessed_rate
    damage.step = 1.0 / float(rate) if rate else 0.0
    fmt = "gray" if gray else "bgr24"
    sar = _sample_aspect(stream)
    start = None
    next_t = 0.0
    n = 0
    try:
        for frame in decoded_frames(container, stream, damage):
            if frame.time is None:
                continue
            damage.saw(frame.time)
            if start is None:
                start = frame.time
            t = frame.time - start
            if fps is not None and t + 1e-6 < next_t:
                continue
            if fps is not None:
                next_t = (math.floor(t * fps + 1e-6) + 1) / fps
            rot = _clockwise(getattr(frame, "rotation", 0))
            w, h = frame.width, frame.height
            # square the pixels and scale in FFmpeg's swscale (cheap), then turn upright
            sw, sh = _scaled_size(*_display_size(w, h, sar), max_side)
            img = frame.to_ndarray(width=sw, height=sh, format=fmt) if (sw, sh) != (w, h) \
                else frame.to_ndarray(format=fmt)
            n += 1
            yield Frame(round(float(t), 4), _upright(img, rot))
    finally:
        container.close()
    if n == 0:
        raise VideoError(str(path), f"has a video stream but no decodable frame ({_why(damage)})")


def _why(damage: Damage) -> str:
    if damage.reasons:
        return f"FFmpeg: {max(damage.reasons, key=damage.reasons.get)}"
    if damage.demux_error:
        return f"FFmpeg: {damage.demux_error}"
    return "the stream holds no pictures"


def read_image(path: str | Path, *, gray: bool = False) -> np.ndarray:
    """An image file (EXIF orientation applied) as uint8 BGR (H, W, 3), or gray (H, W)."""
    cv2 = _cv2()
    p = _check_file(path)
    data = np.fromfile(str(p), dtype=np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE if gray else cv2.IMREAD_COLOR)
    if img is None:
        raise VideoError(str(path), "cannot be read as an image: corrupt or unsupported format")
    return img


def read_pictures(path: str | Path, fps: float | None = DEFAULT_FPS, *, gray: bool = False,
                  max_side: int | None = None, damage: Damage | None = None) -> Iterator[Frame]:
    """An image (one frame at t=0) or a video's sampled frames, by file name suffix; other names
    are tried as an image first, then as a video (``damage``: see ``iter_frames``)."""
    if is_image(path):
        img = read_image(path, gray=gray)
        if max_side:
            img = _fit(img, max_side)
        yield Frame(0.0, img)
        return
    if not is_video(path):
        _check_file(path)
        try:
            img = read_image(path, gray=gray)
        except VideoError:
            pass
        else:
            yield Frame(0.0, _fit(img, max_side) if max_side else img)
            return
    yield from iter_frames(path, fps, gray=gray, max_side=max_side, damage=damage)


def _fit(img: np.ndarray, max_side: int) -> np.ndarray:
    h, w = img.shape[:2]
    sw, sh = _scaled_size(w, h, max_side)
    if (sw, sh) == (w, h):
        return img
    return _cv2().resize(img, (sw, sh), interpolation=_cv2().INTER_AREA)
