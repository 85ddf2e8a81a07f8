#!/usr/bin/env python
"""Where a results file came from: the provenance block every bench script writes (issue 15).

    from provenance import run_started, write_results
    started = run_started()                      # at the start of main(): UTC time, load average
    ...
    write_results(path, doc, argv=argv, seeds=[0], started=started)

``write_results`` adds ``doc["provenance"]`` = ``provenance(...)`` and writes the JSON atomically
(a temporary file in the same folder, then ``os.replace``), so a killed run never leaves half a
results file. The block holds:

- ``git``: ``commit`` (HEAD), ``dirty`` (tracked files other than ``bench/results/`` differ from
  HEAD: the code that ran is not exactly that commit) and ``dirty_files`` (up to 20);
- ``command``: the full command line as one shell string (the thread / policy environment variables
  that change a measurement first, then ``python bench/SCRIPT.py ARGS``), ``argv`` the same as a
  list, ``env`` those variables, ``executable`` the Python that ran;
- ``seeds``: what the script was given (or null when it has none);
- ``machine``: logical CPUs, CPUs this process may use, load average over 1/5/15 min (at the start
  and at the end of the run when ``started`` is given), platform, Python, torch (only when the
  script imported it), numpy;
- ``started_utc`` / ``utc``: when the run started and when the file was written.

Files written before this existed get a block through ``python bench/provenance.py --backfill``:
``"backfilled": true`` and only what is known (the command and seeds recorded in the file, the load
average if the script recorded one, and, from ``git log``, the commit that last changed the file,
which is not necessarily the commit the run was made at); everything else is null.

Standard library only, so any script can import it before its heavy imports.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

# environment variables that change what a benchmark measures (threads, wait policy, precision,
# data and model locations); never keys or tokens
ENV_VARS = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "AFFECTKIT_LLM_THREADS", "AFFECTKIT_FACE_PRECISION", "AFFECTKIT_FACE_DETECTOR", "AFFECTKIT_THREADS",
            "AFFECTKIT_BACKEND", "AFFECTKIT_DATA", "AFFECTKIT_MODELS",
            "AFFECTKIT_CACHE", "PYTHONHASHSEED", "CUDA_VISIBLE_DEVICES")
# of those, the ones written in front of the command line (how the README quotes commands)
COMMAND_ENV = ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
               "AFFECTKIT_LLM_THREADS", "AFFECTKIT_FACE_PRECISION", "AFFECTKIT_FACE_DETECTOR", "AFFECTKIT_THREADS", "AFFECTKIT_BACKEND")


def _utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _git(*args: str, strip: bool = True) -> str | None:
    try:
        r = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    if r.returncode != 0:
        return None
    return r.stdout.strip() if strip else r.stdout


def git_state() -> dict:
    """HEAD and whether the tracked code differs from it (results files do not count)."""
    commit = _git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None, "dirty": None, "dirty_files": None}
    # unstripped: each porcelain line starts "XY " and the first one's X may be a space
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)bench/results", strip=False)
    files = [line[3:] for line in (status or "").splitlines() if line.strip()]
    return {"commit": commit, "dirty": bool(files) if status is not None else None, "dirty_files": files[:20]}


def run_started() -> dict:
    """A snapshot to take when a run starts: pass it to ``provenance``/``write_results``."""
    return {"utc": _utc(), "load_average_1_5_15_min": _load_average()}


def _script_name(script: str | os.PathLike | None) -> str:
    p = Path(script if script is not None else (sys.argv[0] or "python"))
    try:
        return p.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return p.as_posix()


def provenance(argv: list[str] | None = None, seeds=None, *, script: str | os.PathLike | None = None,
               started: dict | None = None) -> dict:
    """The provenance block of a results file written now.

    ``argv``: the script's arguments (what ``main(argv)`` parsed; default ``sys.argv[1:]``);
    ``script``: the script's path (default ``sys.argv[0]``; pass ``__file__``);
    ``seeds``: the seeds the run used; ``started``: ``run_started()`` from the start of the run.
    """
    args = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    env = {k: os.environ[k] for k in ENV_VARS if k in os.environ}
    words = [f"{k}={env[k]}" for k in COMMAND_ENV if k in env] + ["python", _script_name(script), *args]
    try:
        usable = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        usable = None
    machine = {
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "load_average_1_5_15_min": _load_average(),
        "load_average_at_start": (started or {}).get("load_average_1_5_15_min"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "torch": getattr(sys.modules.get("torch"), "__version__", None),
        "numpy": getattr(sys.modules.get("numpy"), "__version__", None),
    }
    if isinstance(seeds, (set, tuple, range)):
        seeds = sorted(seeds) if isinstance(seeds, set) else list(seeds)
    return {"backfilled": False, "git": git_state(), "command": shlex.join(words), "argv": args,
            "env": env, "executable": sys.executable, "seeds": seeds, "machine": machine,
            "started_utc": (started or {}).get("utc"), "utc": _utc()}


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (``affectkit.core.atomic``), its folder made if needed."""
    from affectkit.core.atomic import write_atomic

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_atomic(path, text, fsync=True)


def _json_default(o):
    item = getattr(o, "item", None)          # numpy scalars
    if callable(item):
        return item()
    tolist = getattr(o, "tolist", None)      # numpy arrays
    if callable(tolist):
        return tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_results(path: str | os.PathLike, doc: dict, *, argv: list[str] | None = None, seeds=None,
                  script: str | os.PathLike | None = None, started: dict | None = None, indent: int = 1,
                  ensure_ascii: bool = True) -> Path:
    """``doc`` plus its ``provenance`` block, written atomically as JSON to ``path``."""
    out = dict(doc)
    out["provenance"] = provenance(argv, seeds, script=script, started=started)
    text = json.dumps(out, indent=indent, ensure_ascii=ensure_ascii, default=_json_default) + "\n"
    return atomic_write_text(path, text)


# ----------------------------------------------------------------------------------- backfill

def _seeds_recorded(doc: dict):
    for key in ("seeds", "seed"):
        if key in doc:
            return doc[key]
    return None


def _recorded_load(doc: dict):
    for key in ("load_average_1_5_15_min", "load_avg_1_5_15min"):
        if key in doc:
            return doc[key]
    return None


def backfill_block(path: Path, doc: dict) -> dict:
    """The honest provenance of a file written before provenance blocks: what the file itself records
    and what git knows about the file; null for the rest (never a guessed load average)."""
    rel = path.resolve().relative_to(ROOT).as_posix() if path.resolve().is_relative_to(ROOT) else str(path)
    log = _git("log", "-1", "--format=%H %cI", "--", rel)
    file_commit, file_date = (log.split(" ", 1) if log else (None, None))
    machine_rec = doc.get("machine")
    return {
        "backfilled": True,
        "note": "added after the run by `python bench/provenance.py --backfill`: only what the file records "
                "and what git knows about the file; null = not recorded",
        "git": {"commit": file_commit, "commit_source": "git log: the last commit that changed this file "
                "(the code the run used was at or before it; not recorded)" if file_commit else None,
                "commit_date": file_date, "dirty": None},
        "command": doc.get("command"),
        "argv": None,
        "env": None,
        "seeds": _seeds_recorded(doc),
        "machine": {"recorded_in_file": machine_rec, "load_average_1_5_15_min": _recorded_load(doc),
                    "logical_cpus": None, "torch": None},
        "utc": doc.get("created"),
    }


def _dump_like(original: str, doc: dict) -> str:
    """Serialise ``doc`` the way ``original`` was serialised (indent, ASCII escapes), so that the
    backfill adds the block and changes nothing else."""
    parsed = json.loads(original)
    for indent in (1, 2, None, 4):
        for ascii_ in (True, False):
            for nl in ("\n", ""):
                if json.dumps(parsed, indent=indent, ensure_ascii=ascii_) + nl == original:
                    return json.dumps(doc, indent=indent, ensure_ascii=ascii_) + nl
    return json.dumps(doc, indent=1) + "\n"


def backfill(paths: list[Path], dry_run: bool = False) -> list[Path]:
    done = []
    for p in paths:
        text = p.read_text(encoding="utf-8")
        doc = json.loads(text)
        if not isinstance(doc, dict) or "provenance" in doc:
            continue
        new = dict(doc)
        new["provenance"] = backfill_block(p, doc)
        if not dry_run:
            atomic_write_text(p, _dump_like(text, new))
        done.append(p)
    return done


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--backfill", action="store_true",
                    help="add a backfilled provenance block to every bench/results JSON that has none")
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("files", nargs="*", type=Path, help="default: bench/results/**/*.json")
    args = ap.parse_args(argv)
    if not args.backfill:
        print(json.dumps(provenance(argv=[], script=__file__), indent=1))
        return 0
    files = args.files or sorted(RESULTS.rglob("*.json"))
    for p in backfill(files, dry_run=args.dry_run):
        print(("would backfill " if args.dry_run else "backfilled ") + str(p))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
