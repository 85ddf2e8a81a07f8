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
and a second ``ray start --address`` node (1 CPU) joining it, both on this machine and with this run's own
auth token (``RAY_AUTH_MODE=token``), runs
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
        s.bind(("", 0))
        return s.getsockname()[1]


def cluster_env(tmp: Path) -> dict[str, str]:
    """The environment of the two nodes and of every driver joining them: token authentication with
    this run's own token (``ray start --head`` turns token authentication on by itself when a token
    exists, but a driver given an explicit address only sends one with ``RAY_AUTH_MODE=token``; a
    driver without it fails as "Failed to connect to Ray cluster"). The token is a file of our own,
    so the machine's ``~/.ray/auth_token`` is neither read nor written."""
    import secrets

    token = tmp / "auth_token"
    token.write_text(secrets.token_hex(32))
    token.chmod(0o600)
    return {**ENV, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN_PATH": str(token)}


def tree(pids: list[int]) -> set[int]:
    """``pids`` and all their descendants now (Ray's workers start sessions of their own, so a
    process group does not hold them)."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    seen, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in seen:
            seen.add(pid)
            todo.extend(children.get(pid, []))
    return seen


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            out.add(pid)
    return out


NODES_PROBE = """
import json, ray, time
ray.init(address=%r, log_to_driver=False)
t = time.time()
while len([n for n in ray.nodes() if n["Alive"]]) < 2 and time.time() - t < 120:
    time.sleep(1)
print(json.dumps({"nodes": sorted(n["NodeID"] for n in ray.nodes() if n["Alive"]),
                  "head": [n["NodeID"] for n in ray.nodes() if n["Alive"] and "node:__internal_head__" in n["Resources"]],
                  "cpus": ray.cluster_resources().get("CPU")}))
ray.shutdown()
"""

# after the run: where its actors ran (the GCS keeps finished actors' records)
ACTORS_PROBE = """
import collections, json, ray
ray.init(address=%r, log_to_driver=False)
per_node = collections.defaultdict(collections.Counter)
for a in ray._private.state.actors().values():
    per_node[a["Address"]["NodeID"]][a["ActorClassName"]] += 1
print(json.dumps({n: dict(c) for n, c in per_node.items()}))
ray.shutdown()
"""


def probe(code: str, env: dict[str, str]) -> dict:
    r = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    if r.returncode != 0:
        last = [line for line in r.stderr.splitlines() if "Error" in line][-1:] or [r.stderr[-300:]]
        raise RuntimeError(last[0].strip())
    return json.loads(r.stdout.strip().splitlines()[-1])


def two_nodes(corpus: Path, out: Path, tmp: Path) -> dict:
    """A head (1 CPU) and a second node (1 CPU) on this machine; the run through --address; which
    node each of the run's actors ran on. Both nodes advertise this machine's address (Ray resolves
    a loopback address given to a driver to that address anyway)."""
    env = cluster_env(tmp)
    port = free_port()
    ray_bin = str(Path(PY).parent / "ray")
    common = ["--block", "--num-cpus=1", "--object-store-memory=300000000", "--disable-usage-stats"]
    head = subprocess.Popen([ray_bin, "start", "--head", f"--port={port}", "--include-dashboard=false",
                             f"--temp-dir={tmp / 'ray'}", *common], env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "head.log", "w"))
    procs = [head]
    try:
        deadline = time.time() + 120
        address = None
        while time.time() < deadline and address is None:  # the head is up once its address file names our port
            try:
                address = next(a for a in (tmp / "ray" / "ray_current_cluster").read_text().split() if a.endswith(f":{port}"))
            except (OSError, StopIteration):
                time.sleep(1)
        if address is None:
            return {"ok": False, "error": "the head node did not start: " + (tmp / "head.log").read_text()[-300:]}
        worker = subprocess.Popen([ray_bin, "start", f"--address={address}", *common], env=env,
                                  start_new_session=True, stdout=subprocess.DEVNULL, stderr=open(tmp / "worker.log", "w"))
        procs.append(worker)
        try:
            nodes = probe(NODES_PROBE % address, env)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:  # recorded, not hidden: the multi-node path did not run
            return {"ok": False, "error": str(exc)}
        if len(nodes["nodes"]) < 2:
            return {"ok": False, "error": f"only {len(nodes['nodes'])} node joined", **nodes}
        t0 = time.perf_counter()
        r = subprocess.run(CLI + ["analyze", str(corpus), "-o", str(out), *OPTS, "--engine", "ray", "--address", address],
                           capture_output=True, text=True, env=env)
        dt = time.perf_counter() - t0
        if r.returncode != 0:
            return {"ok": False, "error": f"analyze exited {r.returncode}: {r.stderr[-500:]}"}
        actors = probe(ACTORS_PROBE % address, env)
        # the pipeline's own actors (Ray Data's MapWorker pools), not Ray's bookkeeping actors on the head
        ours = {n: {c: k for c, k in actors.get(n, {}).items() if c.startswith("MapWorker")} for n in nodes["nodes"]}
        return {"ok": True, "nodes": len(nodes["nodes"]), "node_ids": nodes["nodes"], "head_node_id": nodes["head"][0],
                "cluster_cpus": nodes["cpus"], "wall_s": round(dt, 2), "address": "THIS_MACHINE:PORT",
                "pipeline_actors_per_node": ours, "ran_on_both_nodes": all(ours.values())}
    finally:
        stop(procs)


def stop(procs: list[subprocess.Popen]) -> None:
    """Stop our nodes by their process ids: SIGTERM to each ``ray start`` (it drains and stops its
    node's processes), then SIGKILL whatever of their process trees is left. Never ``ray stop``
    (it stops every Ray on the machine, other people's included)."""
    ours = tree([p.pid for p in procs])
    for p in reversed(procs):
        if p.poll() is None:
            p.terminate()
    for p in reversed(procs):
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    deadline = time.time() + 30
    while alive(ours) and time.time() < deadline:
        time.sleep(1)
    for pid in alive(ours):
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
    for p in procs:
        p.wait()


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
