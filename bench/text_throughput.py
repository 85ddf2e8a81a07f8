#!/usr/bin/env python
"""Throughput and peak memory of `affectkit predict text` end to end (process start,
model load and JSON output included), and of the model alone, on this machine's CPU.

    python bench/text_throughput.py [--n 2000] [--threads 2]  # -> bench/results/text_throughput.json

Input: the first N utterances of MELD test, one per line (no context), then the same with
--jsonl and dialogue context. Each run is repeated 3 times; the median is reported.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
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

from affectkit.bench.datasets import load_meld  # noqa: E402


def run_cli(args: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one CLI run in a fresh process."""
    code = ("import resource, sys, time; from affectkit.cli import main; t=time.time(); "
            "rc=main(sys.argv[1:]); sys.stderr.write('\\nRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); "
            "sys.exit(rc)")
    t = time.time()
    r = subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True, text=True)
    seconds = time.time() - t
    if r.returncode != 0:
        raise SystemExit(f"predict text failed: {r.stderr[-1000:]}")
    rss_kib = int(r.stderr.rsplit("RSS ", 1)[1].split()[0])
    return seconds, rss_kib / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    started = run_started()
    df = load_meld("test").iloc[: args.n]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), HF_HUB_OFFLINE="1")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp, "in.txt")
        plain.write_text("\n".join(df.text) + "\n", encoding="utf-8")
        jl = Path(tmp, "in.jsonl")
        jl.write_text("".join(json.dumps({"text": t, "speaker": s, "dialogue_id": d}) + "\n"
                              for t, s, d in zip(df.text, df.speaker, df.dialogue_id)), encoding="utf-8")
        one = Path(tmp, "one.txt")
        one.write_text("I can't believe it!\n", encoding="utf-8")
        for name, argv in (("startup_1_utterance", ["predict", "text", str(one)]),
                           ("plain_lines", ["predict", "text", str(plain), "--no-progress"]),
                           ("jsonl_with_context", ["predict", "text", "--jsonl", str(jl), "--no-progress"])):
            runs = [run_cli(argv, env) for _ in range(args.repeats)]
            secs = statistics.median(r[0] for r in runs)
            n = 1 if name.startswith("startup") else len(df)
            results[name] = {"n": n, "seconds_median": round(secs, 2),
                             "utterances_per_second": round(n / secs, 1),
                             "peak_rss_mib": round(max(r[1] for r in runs), 1)}
            print(name, results[name], flush=True)
    out = {"command": f"python bench/text_throughput.py --n {args.n} --threads {args.threads}",
           "input": f"MELD test, first {len(df)} utterances", "threads": args.threads,
           "machine": f"{platform.machine()}, {os.cpu_count()} logical CPUs, {platform.python_version()}",
           "note": "end to end: process start, model load, inference, JSON output; median of repeats",
           "results": results}
    path = ROOT / "bench" / "results" / "text_throughput.json"
    write_results(path, out, script=__file__, started=started, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
