"""MMSA feature pickles for CMU-MOSI, CMU-MOSEI and CH-SIMS (``aligned_50.pkl``, ``unaligned_50.pkl``).

The format (thuiar/MMSA): a pickled dict with keys ``train``, ``valid``, ``test``; each a dict
with ``text`` [N, T, Dt] (GloVe or BERT vectors; or ``text_bert`` [N, 3, T] token ids, which are
not features), ``audio`` [N, Ta, Da], ``vision`` [N, Tv, Dv], optionally ``audio_lengths`` and
``vision_lengths`` [N] (unaligned files), ``regression_labels`` [N] (MOSI/MOSEI in [-3, 3],
CH-SIMS in [-1, 1]), and ``id``/``raw_text``.

Why a restricted unpickler: a pickle can run any code when loaded. These files hold only
numpy arrays, lists, dicts and strings, so loading allows exactly the numpy and builtin
classes that such arrays need and refuses anything else with a DataError.
"""
from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np

from affectkit.core.errors import DataError

MMSA_SPLITS = ("train", "valid", "test")
MMSA_ENV = {"mosi": "AFFECTKIT_MOSI", "mosei": "AFFECTKIT_MOSEI", "sims": "AFFECTKIT_SIMS"}
_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("builtins", "list"), ("builtins", "dict"),
    ("builtins", "tuple"), ("builtins", "set"), ("builtins", "str"), ("builtins", "bytes"),
    ("builtins", "int"), ("builtins", "float"), ("builtins", "bool"), ("collections", "OrderedDict"),
    ("_codecs", "encode"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise DataError(f"MMSA pickle refers to {module}.{name}; only numpy arrays, lists, dicts and "
                        "strings are loaded (a pickle can run code: this one is not a plain feature file)")


def mmsa_path(dataset: str, path: str | os.PathLike | None = None) -> Path:
    """The pickle to read: ``path`` if given, else $AFFECTKIT_MOSI / $AFFECTKIT_MOSEI / $AFFECTKIT_SIMS."""
    env = MMSA_ENV.get(dataset)
    if path is None and env:
        path = os.environ.get(env)
    if path is None:
        raise DataError(
            f"{dataset}: no MMSA feature file given. Download aligned_50.pkl or unaligned_50.pkl for "
            f"{dataset.upper()} (thuiar/MMSA), then pass --data PATH or set {env or 'the path'}=PATH")
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataError(f"{dataset}: MMSA feature file not found: {p} (pass --data PATH or set {env}=PATH)")
    return p


def _seq(a: np.ndarray, name: str, split: str, n: int) -> np.ndarray:
    a = np.asarray(a)
    if a.ndim != 3 or a.shape[0] != n:
        raise DataError(f"MMSA {split}/{name}: expected [N={n}, T, D], got shape {a.shape}")
    return np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=0.0, neginf=0.0)


def _zero_tail(x: np.ndarray, lengths: np.ndarray | None) -> np.ndarray:
    """Zero the steps past each sample's length: the fusion contract's padding (at the end)."""
    if lengths is None:
        return x
    lengths = np.clip(np.asarray(lengths).astype(np.int64), 0, x.shape[1])
    mask = np.arange(x.shape[1])[None, :] < lengths[:, None]
    return x * mask[:, :, None]


def load_mmsa(path: str | os.PathLike) -> dict[str, dict[str, np.ndarray]]:
    """{split: {"text", "audio", "vision" [N, T, D] float32, "label" [N] float32, "id" [N] str}}.

    Unaligned files with lengths get their padding zeroed at the end; NaN/inf in features become 0
    (some released MOSEI files carry them)."""
    p = Path(path)
    try:
        with p.open("rb") as fh:
            raw = _ArraysOnly(fh).load()
    except DataError:
        raise
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as exc:
        raise DataError(f"{p}: not a readable MMSA pickle ({exc})") from None
    if not isinstance(raw, dict) or any(s not in raw for s in MMSA_SPLITS):
        keys = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise DataError(f"{p}: an MMSA file is a dict with keys train, valid, test; found {keys}")
    out = {}
    for split in MMSA_SPLITS:
        d = raw[split]
        if "regression_labels" not in d:
            raise DataError(f"{p}: {split} has no regression_labels")
        y = np.asarray(d["regression_labels"], dtype=np.float32).reshape(-1)
        n = len(y)
        if "text" not in d:
            raise DataError(f"{p}: {split} has no 'text' feature array (text_bert token ids are not features)")
        part = {"label": y}
        for mod in ("text", "audio", "vision"):
            if mod not in d:
                raise DataError(f"{p}: {split} has no {mod!r} array")
            x = _seq(d[mod], mod, split, n)
            part[mod] = _zero_tail(x, d.get(f"{mod}_lengths"))
        ids = d.get("id")
        part["id"] = np.asarray([str(i) for i in ids]) if ids is not None else np.asarray([f"{split}-{i}" for i in range(n)])
        out[split] = part
    return out


def write_synthetic_mmsa(path: str | os.PathLike, n: tuple[int, int, int] = (12, 4, 6), t: int = 5,
                         dims: tuple[int, int, int] = (8, 5, 4), aligned: bool = True, seed: int = 0,
                         label_range: float = 3.0) -> Path:
    """A tiny file of the exact MMSA layout (tests, debug runs): random features, labels in
    [-label_range, label_range] rounded to 0.2 (MOSI style, zeros included)."""
    rng = np.random.default_rng(seed)
    data = {}
    for split, m in zip(MMSA_SPLITS, n):
        y = np.round(rng.uniform(-label_range, label_range, m) * 5) / 5
        y[: max(1, m // 6)] = 0.0
        d = {"id": [f"{split}_{i}" for i in range(m)], "raw_text": [f"utterance {i}" for i in range(m)],
             "regression_labels": y.astype(np.float32),
             "classification_labels": np.sign(y).astype(np.float32)}
        for mod, dim in zip(("text", "audio", "vision"), dims):
            d[mod] = (rng.normal(size=(m, t, dim)) + y[:, None, None] * 0.5).astype(np.float32)
        if not aligned:
            for mod in ("audio", "vision"):
                lengths = rng.integers(1, t + 1, m)
                d[f"{mod}_lengths"] = lengths.tolist()
                d[mod][np.arange(t)[None, :] >= lengths[:, None]] = 0.0
        data[split] = d
    p = Path(path)
    with p.open("wb") as fh:
        pickle.dump(data, fh, protocol=4)
    return p
