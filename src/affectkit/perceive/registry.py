"""The registry of feature extractors (``text.minilm``, ``text.lexicon``...)."""
from affectkit.core.registry import Registry

EXTRACTORS: Registry = Registry("feature extractor")
