#!/usr/bin/env python
"""Batch analysis throughput: the local engine vs Ray (1 and 2 CPUs), Ray's start-up, and a two-node
Ray on this machine (issue 20).

    python bench/ray_throughput.py                 # -> bench/results/ray_throughput.json
    python bench/ray_throughput.py --copies 1      # a quicker, smaller corpus

The corpus is the bundled recordings (``examples/talk.flac``, ``examples/talking_head.mp4``) copied
``--copies`` times each under distinct names. Every run is the command a user types
(``affectkit analyze CORPUS/ -o OUT/ --format json --no-asr --no-cache``), as a subprocess timed
wall-clock from start to exit, so Ray's start-up and shutdown count; ``--no-cache`` makes every copy
cost its full analysis (the feature cache would otherwise hit on identical content) and ``--no-asr``
keeps the run to minutes (speech-to-text costs the same on either engine). Throughput is
recording-minutes analysed per wall-clock minute. ``ray_startup_s`` is ``ray.init(num_cpus=2)`` +
``ray.shutdown()`` alone, in a fresh process. The two-node run starts ``ray start --head`` (1 CPU)
and a second ``ray start --address`` node (1 CPU) joining it, both on this machine, runs
``--address HEAD``, checks the cluster saw two nodes and its outputs equal the local run's, and
stops both nodes by their process ids. The machine is shared: the load average is recorded.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from provenance import run_started, write_results  # noqa: E402

PY = sys.executable
ENV = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
CLI = [PY, "-c", "import sys; from affectkit.cli import main; sys.exit(main())"]
OPTS = ["--format", "json", "--no-asr", "--no-cache", "-q"]


def make_corpus(folder: Path, copies: int) -> float:
    """The corpus; its recording seconds."""
    sys.path.insert(0, str(ROOT / "src"))
    from affectkit.io.probe import Limits, probe_input

    folder.mkdir(parents=True)
    seconds = 0.0
    for name in ("talk.flac", "talking_head.mp4"):
        dur = probe_input(ROOT / "examples" / name, Limits()).duration
        for k in range(copies):
            shutil.copy(ROOT / "examples" / name, folder / f"{k:02d}_{name}")
            seconds += dur
    return seconds


def timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, capture_output=True, text=True, env=ENV)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-2000:]}")
    return dt, r


def outputs(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.json"))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def two_nodes(corpus: Path, out: Path, tmp: Path) -> dict:
    """A head (1 CPU) and a second node (1 CPU) on this machine; the run through --address."""
    port = free_port()
    ray_bin = str(Path(PY).parent / "ray")
    head = subprocess.Popen([ray_bin, "start", "--head", "--block", f"--port={port}", "--num-cpus=1",
                             "--include-dashboard=false", "--node-ip-address=127.0.0.1", f"--temp-dir={tmp / 'ray'}",
                             "--object-store-memory=500000000"], env=ENV, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [head]
    try:
        address = f"127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:  # the head is up once a client can join it
            r = subprocess.run([PY, "-c", f"import ray; ray.init(address='{address}'); ray.shutdown()"],
                               capture_output=True, env=ENV)
            if r.returncode == 0:
                break
            time.sleep(2)
        worker = subprocess.Popen([ray_bin, "start", "--block", f"--address={address}", "--num-cpus=1", "--node-ip-address=127.0.0.1",
                                   "--object-store-memory=500000000"], env=ENV, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(worker)
        count = ("import ray,time; ray.init(address='%s'); t=time.time()\n"
                 "while len([n for n in ray.nodes() if n['Alive']])<2 and time.time()-t<120: time.sleep(1)\n"
                 "print(len([n for n in ray.nodes() if n['Alive']]), ray.cluster_resources().get('CPU')); ray.shutdown()"
                 % address)
        r = subprocess.run([PY, "-c", count], capture_output=True, text=True, env=ENV)
        if r.returncode != 0 or len(r.stdout.split()) < 2:  # recorded, not hidden: the multi-node path did not run
            last = [line for line in r.stderr.splitlines() if "Error" in line][-1:] or ["no output"]
            return {"ok": False, "error": last[0].strip()}
        nodes, cpus = r.stdout.split()[-2:]
        dt, _ = timed(CLI + ["analyze", str(corpus), "-o", str(out), *OPTS, "--engine", "ray", "--address", address])
        return {"ok": True, "nodes": int(nodes), "cluster_cpus": float(cpus), "wall_s": round(dt, 2), "address": "127.0.0.1:PORT"}
    finally:
        for p in reversed(procs):  # our own nodes only, by process group id; never `ray stop` (it stops every Ray here)
            try:
                os.killpg(p.pid, 15)
                p.wait(timeout=60)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(p.pid, 9)
                except ProcessLookupError:
                    pass


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--copies", type=int, default=2, help="copies of each bundled recording (default 2)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "ray_throughput.json"))
    args = ap.parse_args(argv)
    started = run_started()
    tmp = Path(tempfile.mkdtemp(prefix="ray_throughput_"))
    try:
        corpus = tmp / "corpus"
        seconds = make_corpus(corpus, args.copies)
        runs = {}
        for name, extra in (("local", []), ("ray_1cpu", ["--engine", "ray", "--num-cpus", "1"]),
                            ("ray_2cpu", ["--engine", "ray", "--num-cpus", "2"])):
            out = tmp / name
            dt, _ = timed(CLI + ["analyze", str(corpus), "-o", str(out), *OPTS, *extra])
            runs[name] = {"wall_s": round(dt, 2), "recording_min_per_min": round(seconds / dt, 3),
                          "same_outputs_as_local": outputs(out) == outputs(tmp / "local")}
            print(f"{name}: {dt:.1f} s, {seconds / dt:.2f} recording-min/min", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "import ray; ray.init(num_cpus=2, object_store_memory=500<<20, "
                                  "include_dashboard=False); ray.shutdown()"], check=True, capture_output=True, env=ENV)
        startup = time.perf_counter() - t0
        t0 = time.perf_counter()
        subprocess.run([PY, "-c", "pass"], check=True, env=ENV)
        startup -= time.perf_counter() - t0  # less the interpreter's own start
        node = two_nodes(corpus, tmp / "two_nodes", tmp)
        if node["ok"]:
            node["recording_min_per_min"] = round(seconds / node["wall_s"], 3)
            node["same_outputs_as_local"] = outputs(tmp / "two_nodes") == outputs(tmp / "local")
        runs["ray_two_nodes"] = node
        print(f"two nodes: {node}", file=sys.stderr)
        doc = {"corpus": {"files": 2 * args.copies, "recording_seconds": round(seconds, 2),
                          "recording_minutes": round(seconds / 60, 3),
                          "made_of": "examples/talk.flac and examples/talking_head.mp4, copied"},
               "options": OPTS, "runs": runs, "ray_startup_s": round(startup, 2),
               "note": "wall-clock per command (Ray's start-up and shutdown included); a shared 2-core machine"}
        write_results(args.out, doc, argv=argv, seeds=None, started=started)
        print(json.dumps(doc, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
