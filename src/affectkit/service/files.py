"""The data dir's files: uploads stored by content (``uploads/ab/<sha256><suffix>``), results per
job (``results/<id>/record.json`` and ``report.html``), each written atomically.

Content addressing: the same recording uploaded twice is stored once, and a file can never be
half-written under its final name (it is hashed while it streams to a temporary file, then
renamed). The suffix is kept because a transcript's format may be read from its name.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from affectkit.core.atomic import write_atomic

CHUNK = 1 << 20


class TooLarge(Exception):
    """An upload passed the size limit (the API answers 413)."""


def safe_name(name: str | None, default: str = "upload") -> str:
    """A file name to show and to run the pipeline under: its last path part, printable, short."""
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r"[^\w.\- ()+,]", "_", base)[:120].lstrip(".")
    return base or default


def _suffix(name: str) -> str:
    s = Path(name).suffix.lower()
    return s if re.fullmatch(r"\.[a-z0-9]{1,8}", s) else ""


class DataDir:
    """The files of one service under ``root``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        for sub in ("uploads", "results", "work", "tmp", "cache"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    # --- uploads ---------------------------------------------------------------------------------

    def store_upload(self, stream: BinaryIO, name: str, max_bytes: int) -> str:
        """Store ``stream``'s bytes by content; their key (``<sha256><suffix>``). TooLarge past
        ``max_bytes`` (nothing is kept)."""
        # not core.atomic: the final name (the digest) is known only once the bytes are in
        h = hashlib.sha256()
        size = 0
        fd, tmp_name = tempfile.mkstemp(prefix=".upload.", suffix=".tmp", dir=self.root / "tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(size)
                    h.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = h.hexdigest() + _suffix(name)
            final = self.upload_path(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            if not final.exists():
                tmp.chmod(0o644)
                os.replace(tmp, final)  # same folder tree, one file system: a rename
        finally:
            tmp.unlink(missing_ok=True)
        return key

    def upload_path(self, key: str) -> Path:
        return self.root / "uploads" / key[:2] / key

    def remove_upload(self, key: str) -> None:
        self.upload_path(key).unlink(missing_ok=True)

    # --- a job's working folder (the pipeline reads the upload under its own name) --------------

    def workdir(self, job_id: str, links: dict[str, str]) -> Path:
        """``work/<id>/`` with each ``name -> upload key`` linked in (a symlink: no copy)."""
        d = self.root / "work" / job_id
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        for name, key in links.items():
            os.symlink(self.upload_path(key), d / name)
        return d

    def remove_workdir(self, job_id: str) -> None:
        shutil.rmtree(self.root / "work" / job_id, ignore_errors=True)

    # --- results ---------------------------------------------------------------------------------

    def result_dir(self, job_id: str) -> Path:
        return self.root / "results" / job_id

    def write_results(self, job_id: str, record_json: str, report_html: str) -> None:
        d = self.result_dir(job_id)
        d.mkdir(parents=True, exist_ok=True)
        write_atomic(d / "report.html", report_html, fsync=True)
        write_atomic(d / "record.json", record_json, fsync=True)  # last: its presence means complete

    def record_path(self, job_id: str) -> Path:
        return self.result_dir(job_id) / "record.json"

    def report_path(self, job_id: str) -> Path:
        return self.result_dir(job_id) / "report.html"

    def remove_results(self, job_id: str) -> None:
        shutil.rmtree(self.result_dir(job_id), ignore_errors=True)
