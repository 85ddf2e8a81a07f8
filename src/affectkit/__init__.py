"""affectkit: emotion, sentiment and affect cues from text, voice and face, offline."""
from __future__ import annotations

from affectkit.core.version import __version__

from affectkit.core import EMOTION, SENTIMENT, AffectkitError, InputError, Prediction, Segment
from affectkit.pipeline import pipeline
from affectkit.analysis import (Analysis, Options, analyze, analyze_audio, analyze_segments, analyze_transcript,
                                analyze_video, records_frame)

__all__ = ["__version__", "pipeline", "analyze", "Analysis", "Options", "analyze_audio", "analyze_video", "analyze_transcript", "analyze_segments", "records_frame", "EMOTION", "SENTIMENT", "AffectkitError", "InputError",
           "Prediction", "Segment"]
