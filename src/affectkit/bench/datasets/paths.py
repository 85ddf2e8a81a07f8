"""Where the shared datasets live: $AFFECTKIT_DATA, else ../shared/data beside the checkout."""
from __future__ import annotations

import os
from pathlib import Path

from affectkit.core.errors import DataError


def data_root() -> Path:
    """Return the data folder, or raise DataError saying how to point at it."""
    env = os.environ.get("AFFECTKIT_DATA")
    candidates = [Path(env)] if env else []
    here = Path(__file__).resolve()
    candidates += [p / "shared" / "data" for p in here.parents] + [Path.cwd().parent / "shared" / "data"]
    for c in candidates:
        if (c / "README.md").is_file() or (c / "text").is_dir():
            return c
    raise DataError(
        "dataset folder not found: set AFFECTKIT_DATA to the folder that holds text/, speech/, face/ "
        "(in this project: ../shared/data)"
    )


def dataset_file(*parts: str) -> Path:
    path = data_root().joinpath(*parts)
    if not path.is_file():
        raise DataError(f"dataset file missing: {path}")
    return path


def user_folder(path, env: str, name: str, how: str) -> Path:
    """The folder of a dataset users bring: ``path``, else ``$env``; DataError saying ``how`` to get
    and arrange it when neither is given, or naming the folder when it is not there."""
    p = path or os.environ.get(env)
    if not p:
        raise DataError(f"{how}, then pass --data PATH or set {env}=PATH")
    root = Path(p).expanduser()
    if not root.is_dir():
        raise DataError(f"{name} folder not found: {root}")
    return root
