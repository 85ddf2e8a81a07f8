"""ONNX Runtime sessions over the package's graphs, with their weights supplied at load.

Which runtime: ONNX Runtime by default (a light matrix engine: no torch import, fast start);
``$AFFECTKIT_BACKEND=torch`` (or ``backend="torch"`` where a loader takes it) keeps the PyTorch
path, which needs the ``train`` extra, for comparisons in ``bench/``.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np

from affectkit.core.errors import DependencyError, ModelError

BACKENDS = ("onnx", "torch")


def backend(choice: str | None = None) -> str:
    """"onnx" or "torch": ``choice``, else ``$AFFECTKIT_BACKEND``, else "onnx"."""
    name = (choice or os.environ.get("AFFECTKIT_BACKEND") or "onnx").lower()
    if name not in BACKENDS:
        raise ModelError(f"unknown inference backend {name!r} (one of {', '.join(BACKENDS)})")
    if name == "torch":
        import importlib.util

        if any(importlib.util.find_spec(m) is None for m in ("torch", "transformers", "sentence_transformers")):
            raise DependencyError("the torch backend needs the train extra: pip install 'affectkit[train]'")
    return name


def _ort():
    try:
        import onnxruntime
    except ImportError as exc:
        raise DependencyError("ONNX Runtime is missing: pip install onnxruntime") from exc
    return onnxruntime


def _options():
    ort = _ort()
    so = ort.SessionOptions()
    threads = os.environ.get("AFFECTKIT_THREADS")
    if threads:
        so.intra_op_num_threads = int(threads)
    so.inter_op_num_threads = 1
    # A pipeline runs many small sessions one after another (one per encoder layer): threads that
    # spin after their work would take the cores from the next session's threads.
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.log_severity_level = 3
    # no arena: batches of every length would grow one pool per layer session, never returned
    so.enable_cpu_mem_arena = False
    return so


def session(graph: str | Path | bytes, weights: Mapping[str, np.ndarray] | None = None):
    """An inference session over ``graph`` (a file or its bytes) whose external initializers
    (the parameters the export left out) are taken from ``weights`` (name -> float32 array).
    The arrays must stay alive as long as the session: they are kept on it."""
    ort = _ort()
    so = _options()
    keep = []
    if weights:
        names = list(weights)
        keep = [np.ascontiguousarray(weights[n], dtype=np.float32) for n in names]
        so.add_external_initializers(names, [ort.OrtValue.ortvalue_from_numpy(a) for a in keep])
    data = graph if isinstance(graph, bytes) else Path(graph).read_bytes()
    try:
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
    except Exception as exc:
        where = "graph bytes" if isinstance(graph, bytes) else str(graph)
        raise ModelError(f"ONNX Runtime cannot load {where}: {exc}") from exc
    sess._affectkit_weights = keep  # type: ignore[attr-defined]
    return sess


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "BF16": None}


def mapped_tensors(path: str | Path, keep=None) -> dict[str, np.ndarray]:
    """The tensors of a ``.safetensors`` file as read-only views of the memory-mapped file
    (``keep(name)`` chooses which). Why not ``safetensors.safe_open``: its numpy tensors are
    copies, so the 90 MB encoder would sit in memory twice (page cache and copy) before ONNX
    Runtime makes its own packed copies; a mapped file's pages are shared and loaded as read."""
    import json
    import struct

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            (size,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(size))
        mm = np.memmap(path, dtype=np.uint8, mode="r")
    except Exception as exc:
        raise ModelError(f"{path} is not a readable safetensors file: {exc}") from exc
    out = {}
    for name, info in header.items():
        if name == "__metadata__" or (keep is not None and not keep(name)):
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise ModelError(f"{path}: tensor {name} has dtype {info['dtype']}, which is not supported here")
        start, end = info["data_offsets"]
        out[name] = mm[8 + size + start: 8 + size + end].view(dtype).reshape(info["shape"])
    return out
