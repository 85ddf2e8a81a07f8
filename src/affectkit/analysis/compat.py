"""The dict-returning entry points of affectkit 0.1 (``analyze_transcript``, ``analyze_audio``,
``analyze_video``, ``analyze_segments``), kept as thin wrappers over the one pipeline for code
written against them. Deprecated: use ``affectkit.analyze(...)`` (``.record`` is the same dict)."""
from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Sequence

from affectkit.core.data import Segment


def _deprecated(name: str) -> None:
    warnings.warn(f"affectkit.{name}() is deprecated; use affectkit.analyze(...).record (the same record)",
                  DeprecationWarning, stacklevel=3)


def analyze_transcript(path: str | Path, fmt: str | None = None, model: Any = None, **options: Any) -> dict:
    """Deprecated: ``affectkit.analyze(path, fmt=fmt, model=model).record``."""
    from affectkit.analysis import analyze

    _deprecated("analyze_transcript")
    return analyze(path, fmt=fmt, model=model, **options).record


def analyze_segments(segments: Sequence[Segment], source: str = "<utterances>", model: Any = None,
                     **options: Any) -> dict:
    """Deprecated: ``affectkit.analyze(segments, model=model).record`` (``input`` is ``source``)."""
    from affectkit.analysis import analyze

    _deprecated("analyze_segments")
    record = analyze(list(segments), model=model, **options).record
    record["input"] = source
    return record


def analyze_audio(path: str | Path, transcript: str | Path | None = None, **options: Any) -> dict:
    """Deprecated: ``affectkit.analyze(path, transcript, faces=False, ...).record``: a recording
    read from its sound alone (a video's faces are not read)."""
    from affectkit.analysis import analyze

    _deprecated("analyze_audio")
    return analyze(path, transcript, **{"faces": False, **options}).record


def analyze_video(path: str | Path, transcript: str | Path | None = None, **options: Any) -> dict:
    """Deprecated: ``affectkit.analyze(path, transcript, ...).record`` for a video (faces read).
    VideoError for a file without a video stream."""
    from affectkit.analysis import analyze
    from affectkit.core.errors import VideoError
    from affectkit.io.probe import probe_input

    _deprecated("analyze_video")
    if probe_input(path).kind != "video":
        raise VideoError(str(path), "has no video stream")
    return analyze(path, transcript, **options).record
