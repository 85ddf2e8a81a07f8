"""Feature storage: the content-addressed cache (and, later, the parallel runner)."""
from affectkit.store.cache import FeatureCache, default_cache_dir, file_sha256

__all__ = ["FeatureCache", "default_cache_dir", "file_sha256"]
