"""Content-addressed feature cache: a second extraction of the same file is instant.

An entry's key is the sha256 of (file content digest, extractor name, extractor version,
extractor parameters, segments), so renaming or moving a file still hits, and editing the
file, changing a parameter or bumping an extractor's version misses. Entries are ``.npz``
files (numpy only, no pickle) under ``$AFFECTKIT_CACHE`` (default ``~/.cache/affectkit``),
written atomically (temp file in the same folder, then rename), so a killed run never leaves
a half-written entry; an unreadable entry is ignored, recomputed and rewritten.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from affectkit.core.atomic import atomic_path
from affectkit.core.data import Segment

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("affectkit.store")
FORMAT = 2  # 2: numeric columns stored as one matrix per dtype (wide tables load in ms)
_DIGESTS: OrderedDict[tuple, str] = OrderedDict()


def default_cache_dir() -> Path:
    """$AFFECTKIT_CACHE, else ~/.cache/affectkit."""
    env = os.environ.get("AFFECTKIT_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "affectkit"


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes; remembered per (path, size, mtime) within the process."""
    p = Path(path)
    st = p.stat()
    memo = (str(p.resolve()), st.st_size, st.st_mtime_ns, st.st_ino)
    if memo in _DIGESTS:
        return _DIGESTS[memo]
    h = hashlib.sha256()
    with p.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    _DIGESTS[memo] = digest = h.hexdigest()
    if len(_DIGESTS) > 4096:
        _DIGESTS.popitem(last=False)
    return digest


def _params(extractor: Any) -> dict[str, Any]:
    get = getattr(extractor, "get_params", None)
    return dict(get()) if callable(get) else {}


def _segments(segments: Sequence[Segment] | None) -> list | None:
    return None if segments is None else [[s.start, s.end, s.speaker] for s in segments]


class FeatureCache:
    """Feature tables on disk, keyed by file content and extractor identity."""

    def __init__(self, root: str | Path | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_cache_dir()

    def key(self, digest: str, name: str, version: str, params: dict[str, Any] | None = None,
            segments: Sequence[Segment] | None = None) -> str:
        blob = json.dumps({"file": digest, "extractor": name, "version": str(version),
                           "params": params or {}, "segments": _segments(segments)},
                          sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    def entry(self, name: str, key: str) -> Path:
        return self.root / "features" / name / key[:2] / f"{key}.npz"

    def load(self, name: str, key: str) -> pd.DataFrame | None:
        """The stored table, or None when absent or unreadable (then it will be rewritten)."""
        path = self.entry(name, key)
        if not path.is_file():
            return None
        try:
            with np.load(path, allow_pickle=False) as npz:
                meta = json.loads(str(npz["__meta__"]))
                if meta.get("format") != FORMAT or meta.get("key") != key:
                    raise ValueError("format or key mismatch")
                return _from_arrays(meta, {k: npz[k] for k in npz.files if k != "__meta__"})
        except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile,
                json.JSONDecodeError) as exc:
            log.warning("ignoring unreadable cache entry %s (%s); recomputing", path, exc)
            return None

    def save(self, name: str, key: str, df: pd.DataFrame) -> Path:
        """Write atomically: a temp file beside the entry, then an atomic rename."""
        meta, arrays = _to_arrays(df)
        meta["key"] = key
        path = self.entry(name, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_path(path, fsync=True) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)
        return path

    def extract(self, extractor: Any, path: str | Path,
                segments: Sequence[Segment] | None = None) -> pd.DataFrame:
        """``extractor.extract(path, segments)``, from the cache when this content was seen."""
        import pandas as pd

        key = self.key(file_sha256(path), extractor.name, extractor.version, _params(extractor), segments)
        df = self.load(extractor.name, key)
        if df is None:
            df = extractor.extract(str(path), segments)
            self.save(extractor.name, key, df)
        elif "file" in (df.index.names or []):  # the same content may have been seen under another name
            frame = df.index.to_frame(index=False)
            frame["file"] = str(path)
            df.index = pd.MultiIndex.from_frame(frame)
        return df


def _to_arrays(df: pd.DataFrame) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """A DataFrame as plain numpy arrays (numeric, timedelta as int64 ns, strings) + metadata."""
    import pandas as pd

    has_index = not (isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1)
    flat = df.reset_index() if has_index else df
    index_names = list(df.index.names) if has_index else []
    if len(set(map(str, flat.columns))) != flat.shape[1]:
        raise ValueError("cannot cache a table with duplicate column names")
    kinds, arrays = [], {}
    matrices: dict[str, list[np.ndarray]] = {}
    for i, col in enumerate(flat.columns):
        s = flat[col]
        if s.dtype.kind in "biuf" and isinstance(s.dtype, np.dtype):
            kinds.append(f"mat:{s.dtype.str}")  # one 2-D array per dtype: thousands of columns, one read
            matrices.setdefault(s.dtype.str, []).append(s.to_numpy())
        elif s.dtype.kind in "biufcmM" and not isinstance(s.dtype, pd.DatetimeTZDtype):
            kinds.append("array")  # numpy stores these (timedelta units included) without pickle
            arrays[f"c{i}"] = s.to_numpy()
        elif pd.api.types.is_string_dtype(s) or pd.api.types.is_object_dtype(s):
            if not all(isinstance(v, str) for v in s):
                raise TypeError(f"column {col!r} mixes strings and other values; cannot cache it")
            kinds.append(f"str:{s.dtype}")
            arrays[f"c{i}"] = np.asarray(s.tolist(), dtype=str)
        else:
            raise TypeError(f"column {col!r} of dtype {s.dtype} cannot be cached")
    for dt, cols in matrices.items():
        arrays[f"m{dt}"] = np.stack(cols, axis=1) if cols else np.zeros((len(flat), 0))
    meta = {"format": FORMAT, "columns": list(flat.columns), "kinds": kinds,
            "index": index_names, "rows": len(flat)}
    return meta, arrays


def _from_arrays(meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> pd.DataFrame:
    import pandas as pd

    data = {}
    used: dict[str, int] = {}
    for i, (col, kind) in enumerate(zip(meta["columns"], meta["kinds"])):
        if kind.startswith("mat:"):
            m = arrays[f"m{kind[4:]}"]
            j = used[kind] = used.get(kind, -1) + 1
            a = m[:, j]
        else:
            a = arrays[f"c{i}"]
        if len(a) != meta["rows"]:
            raise ValueError("column length mismatch")
        if kind.startswith("str:"):
            data[col] = pd.Series(a.tolist(), dtype=kind[4:])
        elif kind == "array" or kind.startswith("mat:"):
            data[col] = a
        else:
            raise ValueError(f"unknown column kind {kind!r}")
    df = pd.DataFrame(data, columns=meta["columns"])
    if meta["index"]:
        df = df.set_index(meta["index"])
    return df
