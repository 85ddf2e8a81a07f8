#!/usr/bin/env python
"""How long the test suite takes here: `make test-fast` and `make test` (issue 15).

    python bench/test_times.py                 # both -> bench/results/test_times.json
    python bench/test_times.py --only fast     # just the fast selection

Each selection runs once, as the Makefile runs it (same pytest arguments, ``-p no:cacheprovider``
so nothing is reused between runs), in a subprocess of this interpreter; the wall time, pytest's
pass/fail/skip counts and the machine's load average before and after are recorded. On a busy
machine the times are upper bounds: read the load average beside them.
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from provenance import _load_average, run_started, write_results  # noqa: E402

# the Makefile's selections (make test-fast / make test), kept in step by tests/bench/test_test_times.py
WORKERS = "2"
SELECTIONS = {
    "fast": ["-q", "-m", "not slow", "-n", WORKERS],
    "full": ["-q", "-n", WORKERS],
}
COUNT = re.compile(r"(\d+) (passed|failed|skipped|deselected|errors?|xfailed|xpassed)")


def summary_counts(output: str) -> dict[str, int]:
    """pytest's closing line ("840 passed, 37 deselected in 99.37s") as counts."""
    lines = [ln for ln in output.splitlines() if " in " in ln and COUNT.search(ln)]
    if not lines:
        return {}
    return {kind.rstrip("s") if kind.startswith("error") else kind: int(n) for n, kind in COUNT.findall(lines[-1])}


def run_selection(args: list[str]) -> dict:
    cmd = [sys.executable, "-m", "pytest", *args, "-p", "no:cacheprovider"]
    before = _load_average()
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return {"pytest_args": args, "returncode": res.returncode, "wall_s": round(wall, 1),
            "counts": summary_counts(res.stdout), "load_average_before": before,
            "load_average_after": _load_average()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(SELECTIONS), action="append",
                    help="run only this selection (repeatable; default: all)")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results/test_times.json")
    args = ap.parse_args(argv)
    started = run_started()
    doc: dict = {"benchmark": "wall time of the test suite's selections (make test-fast, make test)",
                 "selections": {}}
    for name in args.only or list(SELECTIONS):
        print(f"test_times: running {name} ...", file=sys.stderr, flush=True)
        doc["selections"][name] = run_selection(SELECTIONS[name])
        print(json.dumps(doc["selections"][name]), file=sys.stderr, flush=True)
    write_results(args.out, doc, argv=argv, seeds=None, script=__file__, started=started)
    return 0 if all(s["returncode"] == 0 for s in doc["selections"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
