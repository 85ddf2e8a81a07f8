"""Core data model, label spaces, errors and the registry. Imports nothing else of ours."""
from affectkit.core.errors import (
    AffectkitError,
    AudioError,
    DataError,
    DependencyError,
    InputError,
    ModelError,
    RegistryError,
    TranscriptError,
    VideoError,
)
from affectkit.core.labels import EMOTION, SENTIMENT, LabelSpace
from affectkit.core.data import Prediction, Segment, Word
from affectkit.core.registry import Registry

__all__ = [
    "AffectkitError", "AudioError", "DataError", "DependencyError", "InputError", "ModelError", "RegistryError",
    "TranscriptError", "VideoError", "EMOTION", "SENTIMENT", "LabelSpace", "Prediction", "Segment", "Word",
    "Registry",
]
