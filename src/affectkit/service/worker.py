"""A worker process: takes queued jobs from the store one at a time and runs them.

Models load once per process. While a job runs, a heartbeat thread renews the lease (and records
progress); when the renewal fails the job is no longer ours (canceled, deleted, or run elsewhere
after our lease ran out), so the pipeline is stopped at its next stage or unit and nothing it
made is kept. The process exits when the server that started it is gone (even after kill -9),
so an orphan never races the next server; SIGTERM puts its running job back in the queue.
"""
from __future__ import annotations

import os
import signal
import socket
import sys
import threading
import time
import traceback
import uuid
from typing import Any

from affectkit.core.errors import AffectkitError


class _Stop(BaseException):
    """SIGTERM: put the job back and exit."""


def _parent_watch(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)  # the server died without telling us (kill -9): stop at once
        time.sleep(0.5)


def worker_main(config: dict[str, Any], parent: int) -> None:
    """Entry point of a worker process (spawned by ``affectkit serve``)."""
    from affectkit.service.config import ServiceConfig
    from affectkit.service.files import DataDir
    from affectkit.service.runner import Models
    from affectkit.service.store import JobStore, database_url

    cfg = ServiceConfig(**config)
    threading.Thread(target=_parent_watch, args=(parent,), daemon=True).start()

    def stop(signum, frame):
        raise _Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the server, which stops us with SIGTERM
    data = DataDir(cfg.data_dir)
    store = JobStore(database_url(cfg.database, cfg.data_dir))
    models = Models()
    owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    try:
        while True:
            for job_id in store.requeue_expired():
                _callback(store, job_id)
            job = store.claim(owner, cfg.lease_seconds)
            if job is None:
                time.sleep(cfg.poll_seconds)
                continue
            run_claimed(job, store, data, models, owner, cfg.lease_seconds)
    except _Stop:
        pass
    finally:
        store.close()


def run_claimed(job, store, data, models, owner: str, lease: float) -> str:
    """Run one claimed job to its end; its final status ("completed", "failed", or "lost" when
    it stopped being ours). Results are written before the job is marked completed, and removed
    again when that mark fails (the job was canceled or deleted meanwhile)."""
    from affectkit.service.runner import Canceled, Progress, failure_reason, render, run_job

    lost = threading.Event()
    done = threading.Event()

    def check() -> None:
        if lost.is_set():
            raise Canceled()

    progress = Progress(check)

    def beat() -> None:
        while not done.wait(max(0.2, lease / 3)):
            try:
                if not store.heartbeat(job.id, owner, lease, progress.value):
                    lost.set()
                    return
            except Exception as exc:  # a database hiccup: try again at the next beat; the lease has slack
                print(f"affectkit worker: heartbeat for {job.id}: {exc}", file=sys.stderr)

    hb = threading.Thread(target=beat, daemon=True)
    hb.start()
    links = {job.filename: job.upload}
    if job.transcript:
        links[job.transcript_name] = job.transcript
    try:
        workdir = data.workdir(job.id, links)
        error = None
        try:
            doc = run_job(workdir, job.filename, job.transcript_name, job.options, models, data.root / "cache",
                          progress)
            error = failure_reason(doc)
            if error is None:
                record_json, html = render(doc)
                data.write_results(job.id, record_json, html)
        except Canceled:
            return "lost"
        except AffectkitError as exc:  # a model or dependency that could not be loaded: said, as the CLI says it
            error = str(exc)
        except Exception as exc:  # a bug must not kill the worker; the job says what happened
            traceback.print_exc()
            error = f"{job.filename}: unexpected error ({type(exc).__name__}: {exc}); please report it"
        done.set()
        if not store.finish(job.id, owner, error):
            data.remove_results(job.id)  # canceled or deleted while we wrote: keep nothing
            return "lost"
        if store.get(job.id) is None:  # deleted right after: its files go too
            data.remove_results(job.id)
        _callback(store, job.id)
        return "failed" if error else "completed"
    except _Stop:
        done.set()
        store.release(job.id, owner)  # stopped by the server: the next worker runs it from the start
        raise
    finally:
        done.set()
        data.remove_workdir(job.id)


def _callback(store, job_id: str) -> None:
    """POST the job to its ``callback_url``, if it has one (3 tries; a failure is only logged)."""
    job = store.get(job_id)
    if job is None or not job.options.get("callback_url"):
        return
    send_callback(job.options["callback_url"], job.public())


def send_callback(url: str, body: dict) -> bool:
    import httpx

    for attempt in range(3):
        try:
            r = httpx.post(url, json=body, timeout=10.0)
            if r.status_code < 500:
                return True
        except httpx.HTTPError as exc:
            print(f"affectkit worker: callback {url}: {exc}", file=sys.stderr)
        time.sleep(0.5 * (attempt + 1))
    return False
