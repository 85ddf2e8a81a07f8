#!/usr/bin/env python
"""A bounded load test of ``affectkit serve`` on loopback: jobs per minute with 1 and 2 workers,
latency of ``/v1/predict/text`` at 1, 8 and 32 concurrent clients, memory per worker process, and
that no job was lost.

    python bench/service_load.py                    # 12 jobs per worker count, 1 and 2 workers
    python bench/service_load.py --jobs 24 --requests 400
    # -> bench/results/service_load.json

Each server is started as a subprocess (``affectkit serve``, SQLite store in a fresh data dir),
warmed with one job (the workers' model loading is not counted), then sent ``--jobs`` distinct
transcript jobs at once (examples/interview.srt, 10 utterances, with ``explain: false``; each
upload differs by its trailing newlines so nothing is deduplicated). Jobs per minute = jobs / (seconds
from the first submission to the last completion) x 60. "lost" counts jobs that did not end
completed with their 10-utterance record. Predict latency: ``--requests`` requests of one short
text each, from N concurrent httpx clients, against the 1-worker server (its job workers idle,
one predict process). Memory: resident set (RSS) and unique set (USS) of each process after the
run. On a shared 2-core machine the figures move with the load average (recorded).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import httpx  # noqa: E402

SRT = (ROOT / "examples" / "interview.srt").read_bytes()
TOKEN = "bench-token"
H = {"Authorization": f"Bearer {TOKEN}"}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, workers: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="affectkit-bench-"))
        self.port = _port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, AFFECTKIT_API_TOKEN=TOKEN, PYTHONPATH=str(ROOT / "src"))
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from affectkit.cli import main; sys.exit(main())", "serve",
             "--port", str(self.port), "--data-dir", str(self.dir / "data"), "--workers", str(workers)],
            env=env, stdout=open(self.dir / "log", "wb"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit(f"the server did not start: {(self.dir / 'log').read_text()[-2000:]}")

    def memory(self, workers: set[int] | None = None) -> dict:
        """RSS/USS per process: the server, its workers (``workers``: their pids; None: every
        spawned child is one, as before any /v1/predict call), the predict process."""
        import psutil

        out: dict[str, list] = {}
        for p in [psutil.Process(self.proc.pid)] + psutil.Process(self.proc.pid).children(recursive=True):
            try:
                mi = p.memory_full_info()
                cmd = " ".join(p.cmdline())
            except psutil.Error:
                continue
            if p.pid == self.proc.pid:
                role = "server"
            elif "resource_tracker" in cmd:
                role = "resource_tracker"
            elif workers is None or p.pid in workers:
                role = "worker"
            else:
                role = "predict"
            out.setdefault(role, []).append({"pid": p.pid, "rss_mib": round(mi.rss / 2**20, 1),
                                            "uss_mib": round(mi.uss / 2**20, 1)})
        return out

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def _submit(c: httpx.Client, i: int) -> str:
    r = c.post("/v1/jobs", files={"file": (f"job{i}.srt", SRT + b"\n" * (i + 1))},
               data={"options": json.dumps({"explain": False})})
    r.raise_for_status()
    return r.json()["id"]


def _wait_all(c: httpx.Client, ids: list[str], timeout: float) -> dict[str, dict]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict] = {}
    while len(done) < len(ids) and time.monotonic() < deadline:
        for j in c.get("/v1/jobs", params={"limit": 200}).json()["jobs"]:
            if j["id"] in ids and j["status"] in ("completed", "failed", "canceled"):
                done[j["id"]] = j
        time.sleep(0.2)
    return done


def jobs_run(workers: int, n: int) -> tuple[dict, Server]:
    srv = Server(workers)
    c = httpx.Client(base_url=srv.url, headers=H, timeout=60)
    warm = [_submit(c, n + w) for w in range(workers)]  # every worker loads its models first
    _wait_all(c, warm, 600)
    t0 = time.perf_counter()
    ids = [_submit(c, i) for i in range(n)]
    done = _wait_all(c, ids, 1800)
    seconds = time.perf_counter() - t0
    lost = 0
    for i in ids:
        ok = done.get(i, {}).get("status") == "completed"
        if ok:
            rec = c.get(f"/v1/jobs/{i}/result").json()
            ok = len(rec["segments"]) == 10
        lost += not ok
    mem = srv.memory()
    c.close()
    return {"workers": workers, "jobs": n, "seconds": round(seconds, 2), "jobs_per_min": round(n / seconds * 60, 1),
            "lost": lost, "attempts_max": max((d["attempts"] for d in done.values()), default=0),
            "memory": mem}, srv


async def _latency(url: str, clients: int, requests: int) -> dict:
    lat: list[float] = []
    errors = 0
    per = max(1, requests // clients)

    async def client(k: int) -> None:
        nonlocal errors
        async with httpx.AsyncClient(base_url=url, headers=H, timeout=120) as c:
            for i in range(per):
                t = time.perf_counter()
                r = await c.post("/v1/predict/text", json={"texts": [f"I can't believe we won the game number {k}-{i}!"]})
                lat.append(time.perf_counter() - t)
                errors += r.status_code != 200

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    wall = time.perf_counter() - t0
    lat.sort()
    q = statistics.quantiles(lat, n=100, method="inclusive")
    return {"clients": clients, "requests": len(lat), "errors": errors, "p50_ms": round(q[49] * 1000, 1),
            "p95_ms": round(q[94] * 1000, 1), "requests_per_s": round(len(lat) / wall, 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", type=int, default=12, help="jobs per worker count (default 12)")
    ap.add_argument("--requests", type=int, default=192, help="predict requests per client count (default 192)")
    ap.add_argument("-o", "--output", default=str(ROOT / "bench" / "results" / "service_load.json"))
    args = ap.parse_args(argv)
    started = run_started()
    runs, predict = [], []
    for workers in (1, 2):
        row, srv = jobs_run(workers, args.jobs)
        try:
            if workers == 1:
                with httpx.Client(base_url=srv.url, headers=H, timeout=120) as c:  # the predict process starts
                    c.post("/v1/predict/text", json={"texts": ["warm up"]}).raise_for_status()
                for clients in (1, 8, 32):
                    predict.append(asyncio.run(_latency(srv.url, clients, args.requests)))
                    print(json.dumps(predict[-1]), file=sys.stderr)
                row["memory"] = srv.memory({w["pid"] for w in row["memory"]["worker"]})  # and the predict process
        finally:
            srv.stop()
        runs.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "memory"}), file=sys.stderr)
    worker_rss = [p["rss_mib"] for r in runs for p in r["memory"].get("worker", [])]
    out = {"what": "affectkit serve on loopback: jobs/min (interview.srt, 10 utterances, explain off), "
                   "/v1/predict/text latency (1 text per request), memory per process",
           "jobs": runs, "predict_text": predict,
           "lost": sum(r["lost"] for r in runs),
           "memory_per_worker_rss_mib_max": max(worker_rss) if worker_rss else None,
           "load_average_1_5_15_min": list(os.getloadavg()), "cpus": os.cpu_count()}
    path = write_results(args.output, out, argv=sys.argv if argv is None else ["bench/service_load.py", *argv],
                         script=__file__, started=started, indent=2)
    print(f"wrote {path}", file=sys.stderr)
    return 0 if out["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
