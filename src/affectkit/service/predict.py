"""``/v1/predict/*``: short texts read synchronously, in a pool of processes that each load the
text model once (never in the server's request threads, which stay free for the API).

``/v1/predict/screen`` goes through ``screen_records`` alone: it imports ``affectkit.screen``
lazily, so a build without the screening package answers 501 naming what is missing.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_MODEL = None


class NotAvailable(Exception):
    """A feature this build does not have (the API answers 501 with the message)."""


def _init() -> None:
    global _MODEL
    import os

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")  # one thread per pool process: the pool is the parallelism
    import torch

    torch.set_num_threads(1)
    from affectkit.recognize.text_model import bundled_text_model

    _MODEL = bundled_text_model()


def text_records_in_pool(texts: list[str]) -> list[dict]:
    """Emotion and sentiment per text (the ``affectkit predict text`` record); runs in a pool process."""
    from affectkit.recognize.text_affect import text_records

    return text_records(texts, model=_MODEL)


def screen_records(texts: list[str]) -> list[dict]:
    """Screening indicators per text through ``affectkit.screen`` (issue 18); NotAvailable when
    this build has no screening package."""
    try:
        import affectkit.screen as screen
    except ImportError:
        raise NotAvailable("screening is not in this build: the affectkit.screen package is missing") from None
    fn = getattr(screen, "screen_texts", None)
    if fn is None:
        raise NotAvailable("screening is not in this build: affectkit.screen has no screen_texts()")
    return fn(texts)


def check_screen() -> None:
    """NotAvailable, before any work, when this build has no ``affectkit.screen``."""
    import importlib.util

    if importlib.util.find_spec("affectkit.screen") is None:
        raise NotAvailable("screening is not in this build: the affectkit.screen package is missing")


class Predictor:
    """A lazily started process pool for the predict endpoints; a pool that broke (a process
    killed) is replaced on the next call."""

    def __init__(self, processes: int = 1) -> None:
        self.processes = max(1, processes)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _get(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_init)
            return self._pool

    async def call(self, fn, *args: Any):
        loop = asyncio.get_running_loop()
        pool = self._get()
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise

    def warm(self) -> None:
        """Start the processes and load the model now (the first request would wait otherwise)."""
        pool = self._get()
        list(pool.map(text_records_in_pool, [["warm up"]] * self.processes))

    def pids(self) -> list[int]:
        pool = self._pool
        return sorted(getattr(pool, "_processes", {}) or {}) if pool is not None else []

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)
                self._pool = None
