"""Feature extractors, each registered by name and version in ``EXTRACTORS``."""
from affectkit.perceive.registry import EXTRACTORS
from affectkit.perceive import voice as _voice  # noqa: F401  registers voice.egemaps, voice.prosody (light: opensmile loads lazily)
from affectkit.perceive import face as _face  # noqa: F401  registers face.expression (light: OpenCV and the CNN load lazily)

__all__ = ["EXTRACTORS"]
