"""Feature extractors, each registered by name and version in ``EXTRACTORS``: what a recording
holds before any trained head reads it (text embeddings and lexicons, voice features, faces found,
tracked and measured). The face CNN's expression probabilities (``face.expression``,
``face.geometry``) are registered by ``affectkit.recognize.face_timeline``, which reads them."""
from affectkit.perceive.registry import EXTRACTORS
from affectkit.perceive import voice as _voice  # noqa: F401  registers voice.egemaps, voice.prosody (light: opensmile loads lazily)

__all__ = ["EXTRACTORS"]
