#!/usr/bin/env python
"""How much `pip install affectkit` puts on disk, per set of extras, in fresh virtual environments (issue 22).

    python bench/install_size.py                       # text, voice+face, voice+asr+face -> bench/results/install_size.json
    python bench/install_size.py --profile text --profile voice,asr,face

Builds the wheel of this checkout (``pip wheel --no-deps``), then for each profile makes a new venv
with this Python, installs ``affectkit[EXTRAS]`` from that wheel (dependencies from the package
index, as a user gets them; never torch: the script fails if it arrives), and measures what the
install added to the venv: the files' sizes (``apparent_mb``, 10^6 bytes) and the disk blocks they
take (``disk_mib``, what ``du`` says), each distribution's share from its RECORD, and which of
torch, transformers, sentence-transformers, scikit-learn and tokenizers came in. The venv's own
size before the install (pip, setuptools) is not counted.

Targets (issue 22): text under 400 MB, voice and face under 900 MB; ``within_target`` holds when
both measures are under it.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

TARGETS_MB = {"text": 400, "voice,face": 900}  # issue 22's; other profiles are measured without one
HEAVY = ("torch", "transformers", "sentence-transformers", "scikit-learn", "tokenizers", "huggingface-hub")

# run inside the new venv: each distribution's installed size from its RECORD
_DIST_SIZES = r"""
import json, os, sys
from importlib import metadata
out = {}
for d in metadata.distributions():
    n = 0
    for f in d.files or ():
        p = d.locate_file(f)
        try:
            n += os.path.getsize(p)
        except OSError:
            pass
    out[d.metadata["Name"].lower().replace("_", "-")] = [d.version, n]
json.dump(out, sys.stdout)
"""


def tree_size(folder: Path) -> tuple[int, int]:
    """(apparent bytes, bytes of disk blocks) of every file under ``folder``; hard links once."""
    seen: set[tuple[int, int]] = set()
    apparent = blocks = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            st = os.lstat(os.path.join(dirpath, name))
            if (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            apparent += st.st_size
            blocks += st.st_blocks * 512
    return apparent, blocks


def build_wheel(dest: Path) -> Path:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dest),
                    str(ROOT)], check=True)
    (wheel,) = dest.glob("affectkit-*.whl")
    return wheel


def measure(wheel: Path, extras: str, work: Path) -> dict:
    venv = work / f"venv-{extras.replace(',', '-') or 'text'}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    before = tree_size(venv)
    spec = f"affectkit[{extras}] @ {wheel.as_uri()}" if extras else f"affectkit @ {wheel.as_uri()}"
    t0 = time.perf_counter()
    # --no-cache-dir: nothing of the install stays outside the venv to be missed by the measure
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-cache-dir", spec], check=True)
    seconds = time.perf_counter() - t0
    after = tree_size(venv)
    dists = json.loads(subprocess.run([str(py), "-c", _DIST_SIZES], check=True, capture_output=True,
                                      text=True).stdout)
    dists.pop("pip", None), dists.pop("setuptools", None)  # the venv's own
    apparent, blocks = after[0] - before[0], after[1] - before[1]
    # the install works: one line read by the text model, in the new venv (what a user runs first)
    smoke = subprocess.run([str(venv / "bin" / "affectkit"), "predict", "text", "-"], input="I cannot believe we won\n",
                           capture_output=True, text=True, timeout=300)
    if smoke.returncode != 0:
        raise SystemExit(f"{extras or 'text'}: affectkit predict text failed in the new venv: {smoke.stderr[-1500:]}")
    profile = extras or "text"
    target = TARGETS_MB.get(profile)
    top = sorted(dists.items(), key=lambda kv: -kv[1][1])
    return {"profile": profile, "pip_spec": spec.replace(wheel.as_uri(), wheel.name),
            "apparent_mb": round(apparent / 1e6, 1), "disk_mib": round(blocks / 2**20, 1),
            "target_mb": target,
            "within_target": None if target is None else bool(apparent / 1e6 < target and blocks / 2**20 < target),
            "distributions": len(dists), "install_seconds": round(seconds, 1),
            "predict_text_works": json.loads(smoke.stdout.splitlines()[0])["emotion"] is not None,
            "heavy_present": {h: (h in dists) for h in HEAVY},
            "by_distribution_mb": {name: {"version": v, "mb": round(n / 1e6, 2)} for name, (v, n) in top}}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", action="append",
                    help="extras, comma-separated ('text' for none); repeatable (default: text, voice,face, "
                         "voice,asr,face)")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "install_size.json"))
    args = ap.parse_args(argv)
    profiles = args.profile or ["text", "voice,face", "voice,asr,face"]
    started = run_started()
    results = []
    with tempfile.TemporaryDirectory(prefix="affectkit-install-") as tmp:
        wheel = build_wheel(Path(tmp) / "wheel")
        wheel_mb = round(wheel.stat().st_size / 1e6, 1)
        for p in profiles:
            r = measure(wheel, "" if p == "text" else p, Path(tmp))
            if r["heavy_present"]["torch"]:
                raise SystemExit(f"{p}: torch was installed; the inference install must not need it")
            print(f"{r['profile']}: {r['apparent_mb']} MB of files, {r['disk_mib']} MiB on disk "
                  f"(target {r['target_mb']} MB), {r['distributions']} distributions", file=sys.stderr)
            results.append(r)
    doc = {"what": "what pip install affectkit[EXTRAS] adds to a fresh venv, from this checkout's wheel",
           "wheel": wheel.name, "wheel_mb": wheel_mb, "python": sys.version.split()[0], "results": results}
    write_results(args.out, doc, argv=argv, seeds=None, script=__file__, started=started)
    return 0 if all(r["within_target"] is not False for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
