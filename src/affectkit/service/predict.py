"""``/v1/predict/*``: short texts read synchronously, in a pool of processes that each load the
text model once (never in the server's request threads, which stay free for the API).

``/v1/predict/screen`` runs ``affectkit.screen.screen_texts`` (what ``affectkit predict screen``
prints) in the same pool.
"""
from __future__ import annotations

import asyncio
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

_MODEL = None


def _init() -> None:
    global _MODEL
    import os

    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "AFFECTKIT_THREADS"):
        os.environ.setdefault(var, "1")  # one thread per pool process: the pool is the parallelism
    from affectkit.perceive.ort import backend
    from affectkit.recognize.text_model import bundled_text_model

    if backend() == "torch":
        import torch

        torch.set_num_threads(1)

    _MODEL = bundled_text_model()


def text_records_in_pool(texts: list[str]) -> list[dict]:
    """Emotion and sentiment per text (the ``affectkit predict text`` record); runs in a pool process."""
    from affectkit.recognize.text_affect import text_records

    return text_records(texts, model=_MODEL)


def screen_records(texts: list[str]) -> list[dict]:
    """Stress, depression and crisis indicators per text (``affectkit predict screen``'s lines);
    runs in a pool process, whose first call loads the screening heads."""
    from affectkit.screen import screen_texts

    return screen_texts(texts)


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
