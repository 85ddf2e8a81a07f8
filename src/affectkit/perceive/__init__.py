"""Feature extractors, each registered by name and version in ``EXTRACTORS``."""
from affectkit.perceive.registry import EXTRACTORS

__all__ = ["EXTRACTORS"]
