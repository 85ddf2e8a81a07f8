"""The main job: one pipeline from an input (transcript, audio, video, or utterances in memory)
to its analysis record. ``affectkit.analyze(path, transcript=None, **options) -> Analysis`` is the
entry point; ``pipeline.STAGES``-style steps do one thing each (``pipeline``, ``decode``,
``utterances``, ``readings``, ``record``)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from affectkit.analysis.options import Options
from affectkit.analysis.result import Analysis, records_frame
from affectkit.core.data import Segment


def analyze(path: str | Path | Sequence[Segment], transcript: str | Path | None = None, **options: Any) -> Analysis:
    """Analyse a transcript (text), an audio file (voice, and text from ``transcript`` or
    speech-to-text), a video (faces too), or utterances already in memory (a list of
    ``Segment``: read as one conversation). What a file is comes from its content (``io.probe``).
    ``options``: the fields of ``Options`` (``fps``, ``asr``, ``language``, ``explain``,
    ``timings``, ``faces``, ``landmarks``, ``text_model``, ...; ``model`` is taken as
    ``text_model``, ``fmt`` as ``transcript_format``). AffectkitError for an unusable input."""
    from affectkit.analysis.pipeline import run

    return Analysis(run(path, transcript, Options.of(options)))


from affectkit.analysis.compat import (  # noqa: E402  (deprecated dict-returning wrappers)
    analyze_audio, analyze_segments, analyze_transcript, analyze_video)

__all__ = ["Analysis", "Options", "analyze", "analyze_audio", "analyze_segments", "analyze_transcript",
           "analyze_video", "records_frame"]
