"""``affectkit serve``: the API in this process (uvicorn), the analysis in ``workers`` worker
processes that this process starts, watches (a dead one is started again) and stops.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time

from affectkit.service.config import ServiceConfig


class Workers:
    """The worker processes of one server (spawned: no torch state shared through a fork)."""

    def __init__(self, cfg: ServiceConfig) -> None:
        self.cfg = cfg
        self.ctx = multiprocessing.get_context("spawn")
        self.procs: list = []
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None

    def _spawn(self):
        from affectkit.service.worker import worker_main

        p = self.ctx.Process(target=worker_main, args=(self.cfg.as_dict(), os.getpid()), name="affectkit-worker",
                             daemon=False)
        p.start()
        return p

    def start(self) -> None:
        self.procs = [self._spawn() for _ in range(self.cfg.workers)]
        self._watch = threading.Thread(target=self._keep_alive, daemon=True)
        self._watch.start()

    def _keep_alive(self) -> None:
        while not self._stop.wait(1.0):
            for i, p in enumerate(self.procs):
                if not p.is_alive() and not self._stop.is_set():
                    print(f"affectkit serve: worker {p.pid} stopped (exit {p.exitcode}); starting another",
                          file=sys.stderr)
                    self.procs[i] = self._spawn()

    def pids(self) -> list[int]:
        return [p.pid for p in self.procs if p.is_alive()]

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM each worker (a running job goes back to the queue), then wait; kill stragglers."""
        self._stop.set()
        for p in self.procs:
            if p.is_alive():
                p.terminate()
        deadline = time.monotonic() + timeout
        for p in self.procs:
            p.join(max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join()


def serve(cfg: ServiceConfig) -> None:
    """Run the service until interrupted (Ctrl-C / SIGTERM stop it cleanly)."""
    import uvicorn

    from affectkit.service.app import create_app

    cfg.check_bind()
    app = create_app(cfg)
    workers = Workers(cfg)
    workers.start()
    app.state.workers = workers
    auth = "token required" if cfg.token else "no token: loopback only"
    print(f"affectkit serve: http://{cfg.host}:{cfg.port}/ ({cfg.workers} worker(s), {auth}; data in {cfg.data_dir}; "
          f"store {app.state.store.safe_url})", file=sys.stderr, flush=True)
    try:
        uvicorn.run(app, host=cfg.host, port=cfg.port, log_level="warning", access_log=False)
    finally:
        workers.stop()
