"""affectkit: emotion, sentiment and affect cues from text, voice and face, offline."""
from __future__ import annotations

__version__ = "0.1.0"

from affectkit.core import EMOTION, SENTIMENT, AffectkitError, InputError, Prediction, Segment
from affectkit.pipeline import pipeline

__all__ = ["__version__", "pipeline", "EMOTION", "SENTIMENT", "AffectkitError", "InputError",
           "Prediction", "Segment"]
