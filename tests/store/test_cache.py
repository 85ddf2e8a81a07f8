"""The content-addressed feature cache: hits, misses, renamed files, corrupt entries."""
import shutil

import numpy as np
import pandas as pd
import pytest

from affectkit.core.data import Segment
from affectkit.perceive.voice import Prosody, feature_index
from affectkit.store import FeatureCache, default_cache_dir, file_sha256


class Counting:
    """A fake extractor that counts its calls and returns a (file, start, end)-indexed table."""

    name = "test.counting"

    def __init__(self, scale: float = 1.0, version: str = "1") -> None:
        self.scale = scale
        self.version = version
        self.calls = 0

    def get_params(self):
        return {"scale": self.scale}

    def extract(self, path, segments=None):
        self.calls += 1
        size = len(open(path, "rb").read())
        spans = [(0.0, 1.0)] if segments is None else [(s.start, s.end) for s in segments]
        return pd.DataFrame({"size": [size * self.scale] * len(spans), "n": np.arange(len(spans)),
                             "tag": ["x"] * len(spans)}, index=feature_index(str(path), spans))


@pytest.fixture
def blob(tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"some audio bytes" * 100)
    return f


def test_second_extraction_is_a_hit(tmp_path, blob):
    cache, ex = FeatureCache(tmp_path / "cache"), Counting()
    first = cache.extract(ex, blob)
    second = cache.extract(ex, blob)
    assert ex.calls == 1
    pd.testing.assert_frame_equal(first, second)
    assert not list((tmp_path / "cache").rglob(".tmp-*"))  # atomic write left no temp file


def test_key_covers_content_params_version_and_segments(tmp_path, blob):
    cache, ex = FeatureCache(tmp_path / "cache"), Counting()
    cache.extract(ex, blob)
    cache.extract(Counting(scale=2.0), blob)              # other params: miss
    cache.extract(Counting(version="2"), blob)            # other version: miss
    cache.extract(ex, blob, [Segment("", 0.0, 0.5)])      # other segments: miss
    assert ex.calls == 2
    blob.write_bytes(b"edited")                           # other content: miss
    cache.extract(ex, blob)
    assert ex.calls == 3


def test_same_content_under_another_name_hits_and_is_relabelled(tmp_path, blob):
    cache, ex = FeatureCache(tmp_path / "cache"), Counting()
    cache.extract(ex, blob)
    copy = tmp_path / "renamed.bin"
    shutil.copy(blob, copy)
    df = cache.extract(ex, copy)
    assert ex.calls == 1
    assert set(df.index.get_level_values("file")) == {str(copy)}


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty"])
def test_corrupt_entry_is_ignored_and_rewritten(tmp_path, blob, damage):
    cache, ex = FeatureCache(tmp_path / "cache"), Counting()
    good = cache.extract(ex, blob)
    (entry,) = (tmp_path / "cache").rglob("*.npz")
    data = entry.read_bytes()
    entry.write_bytes({"garbage": b"not a zip file", "truncated": data[: len(data) // 2], "empty": b""}[damage])
    again = cache.extract(ex, blob)
    assert ex.calls == 2
    pd.testing.assert_frame_equal(good, again)
    cache.extract(ex, blob)
    assert ex.calls == 2  # the rewritten entry is good


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AFFECTKIT_CACHE", str(tmp_path / "env-cache"))
    assert default_cache_dir() == tmp_path / "env-cache"
    assert FeatureCache().root == tmp_path / "env-cache"
    monkeypatch.delenv("AFFECTKIT_CACHE")
    assert default_cache_dir().parts[-2:] == (".cache", "affectkit")


def test_file_sha256(blob):
    import hashlib

    assert file_sha256(blob) == hashlib.sha256(blob.read_bytes()).hexdigest()


def test_real_prosody_is_cached_without_recomputation(tmp_path, utterance):
    class CountingProsody(Prosody):
        calls = 0

        def extract_signal(self, *args, **kwargs):
            type(self).calls += 1
            return super().extract_signal(*args, **kwargs)

    cache = FeatureCache(tmp_path / "cache")
    ex = CountingProsody(quality=False)
    first = cache.extract(ex, utterance)
    second = cache.extract(CountingProsody(quality=False), utterance)
    assert CountingProsody.calls == 1
    pd.testing.assert_frame_equal(first, second)
    assert second.index.get_level_values("start").dtype == first.index.get_level_values("start").dtype
