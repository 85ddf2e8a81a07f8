"""Atomic file writes: a file is either its old self or complete, never half-written.

Every writer of results, caches, model files and outputs goes through here. The temporary file
is unique and sits in the target's folder (so the final ``os.replace`` is a rename on one file
system, and two processes writing the same entry do not share a temporary file); on any error,
an interrupt included, it is removed and the target is left as it was.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

FILE_MODE = 0o644  # mkstemp creates 0600; outputs and model files are meant to be read by others


@contextmanager
def atomic_path(path: str | Path, *, fsync: bool = False) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to (by name: for libraries that want a file
    name); when the block ends without error it replaces ``path``. ``fsync``: flush it to disk
    first (caches that a crash must not leave empty)."""
    path = Path(path)
    if path.exists() and not path.is_file() and not path.is_dir():
        # a device or a pipe (-o /dev/null, /dev/stdout, a FIFO): write through it. Renaming a
        # file over it would replace the device node itself (as root, /dev/null became a file).
        yield path
        return
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if fsync:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        tmp.chmod(FILE_MODE)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomic(path: str | Path, data: str | bytes, *, fsync: bool = False) -> Path:
    """Write ``data`` (text as UTF-8, no newline translation) to ``path`` atomically."""
    path = Path(path)
    with atomic_path(path, fsync=fsync) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            with open(tmp, "w", encoding="utf-8", newline="") as fh:
                fh.write(data)
    return path
