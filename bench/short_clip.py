#!/usr/bin/env python
"""A 13 s clip analysed from a cold process: wall time including start-up (issue 22's last target).

    python bench/short_clip.py                          # -> bench/results/short_clip.json
    python bench/short_clip.py --user-venv /tmp/uvenv   # also in a venv of `affectkit[voice,asr,face,landmarks]`
                                                        # alone (made there from this checkout's wheel when missing)
    python bench/short_clip.py --rounds 3 --out /tmp/s.json

Clip: the first 13.0 s of examples/talking_head.mp4 (640x360, 25 fps, H.264 + AAC; espeak-ng speech,
a still portrait drifting across the frame), re-encoded so it ends at 13.0 s exactly. Each run is a
fresh `affectkit analyze CLIP --no-cache --format json -o OUT --force` process (text + voice + face,
explanations on, 5 fps face sampling, the default face detector): the wall time from starting the
process to its exit, as a user's shell sees it, and its peak resident memory. Two inputs: the clip
alone (speech-to-text finds the utterances and detects the language) and the clip with its
transcript (an SRT written from the first speech-to-text run). Configurations, run in alternating
rounds so that a slow spell of the machine is shared among them:

- ``onnx``: this checkout's venv, default runtime (ONNX Runtime + CTranslate2);
- ``torch``: the same venv with ``AFFECTKIT_BACKEND=torch`` (the path before issue 22);
- ``user``: with ``--user-venv``, a venv holding only what ``pip install 'affectkit[voice,asr,face,landmarks]'``
  (and mediapipe with ``--no-deps``, the landmarks recipe) installs: no scikit-learn, scipy or torch, as
  a user's inference install has. The dev venv carries the ``train`` extra, whose scikit-learn the
  heads' estimator base imports (0.8 s).

Reported per configuration and input: median, min and max wall seconds over ``--rounds`` runs, median
peak memory, the median of each pipeline stage's seconds (``--timings``; stages in the background
face thread overlap the others, so they add up to more than the wall time), and whether the median
is under the 5 s target.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

SECONDS = 13.0
TARGET_S = 5.0
SOURCE = ROOT / "examples" / "talking_head.mp4"
USER_EXTRAS = "voice,asr,face,landmarks"
MEDIAPIPE = "mediapipe==0.10.21"  # the landmarks extra's --no-deps step (pyproject.toml)

# run in the configuration's Python: the wall time and peak memory of one `affectkit analyze` child
_TIMED = ("import json,resource,subprocess,sys,time;t=time.perf_counter();"
          "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
          "print(json.dumps({'rc':r.returncode,'wall':time.perf_counter()-t,"
          "'maxrss_kb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'stderr':r.stderr[-3000:]}))")


def make_clip(out: Path, seconds: float = SECONDS) -> Path:
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(SOURCE), "-t", f"{seconds:g}", "-c:v", "libx264",
                    "-preset", "veryfast", "-crf", "23", "-c:a", "aac", str(out)], check=True)
    return out


def srt_time(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(segments: list[dict], path: Path) -> Path:
    lines = []
    for i, s in enumerate(segments, 1):
        lines += [str(i), f"{srt_time(s['start'])} --> {srt_time(s['end'])}", s["text"], ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def analyze_once(python: str, env: dict[str, str], args: list[str], out: Path) -> dict:
    """One cold `affectkit analyze` process under ``python``: wall, peak RSS, its record's timings."""
    cmd = [python, "-m", "affectkit", "analyze", *args, "--no-cache", "--timings", "--format", "json",
           "-o", str(out), "--force"]
    res = json.loads(subprocess.run([python, "-c", _TIMED, *cmd], capture_output=True, text=True, check=True,
                                    env=env).stdout)
    if res["rc"] != 0:
        raise SystemExit(f"analyze failed ({res['rc']}) under {python}: {res['stderr']}")
    doc = json.loads(out.read_text())
    return {"wall_s": res["wall"], "peak_rss_mib": res["maxrss_kb"] / 1024, "timings": doc.get("timings") or {},
            "doc": doc}


def summarise(runs: list[dict]) -> dict:
    walls = [r["wall_s"] for r in runs]
    stages = sorted({k for r in runs for k in r["timings"]})
    med = statistics.median(walls)
    return {"runs": len(runs), "wall_s_median": round(med, 2), "wall_s_min": round(min(walls), 2),
            "wall_s_max": round(max(walls), 2), "wall_s_all": [round(w, 2) for w in walls],
            "peak_rss_mib_median": round(statistics.median(r["peak_rss_mib"] for r in runs), 1),
            "stage_seconds_median": {k: round(statistics.median(r["timings"].get(k, 0.0) for r in runs), 3)
                                     for k in stages},
            "under_target": med < TARGET_S}


def make_user_venv(venv: Path) -> Path:
    """A venv with affectkit[USER_EXTRAS] from this checkout's wheel (dependencies from the index)."""
    from install_size import build_wheel

    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="affectkit-wheel-") as wd:
        wheel = build_wheel(Path(wd))
        subprocess.run([str(py), "-m", "pip", "install", "-q", f"affectkit[{USER_EXTRAS}] @ {wheel.as_uri()}"],
                       check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", MEDIAPIPE], check=True)
    return py


def present(python: str, names: tuple[str, ...] = ("sklearn", "scipy", "torch", "transformers", "pandas",
                                                     "mediapipe", "faster_whisper")) -> dict[str, bool]:
    code = ("import importlib.util,json,sys;"
            "print(json.dumps({n: importlib.util.find_spec(n) is not None for n in sys.argv[1:]}))")
    return json.loads(subprocess.run([python, "-c", code, *names], capture_output=True, text=True,
                                     check=True).stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=7, help="runs per configuration and input (default 7)")
    ap.add_argument("--user-venv", type=Path, help="a venv of affectkit[voice,asr,face,landmarks] only "
                                                  "(made there when it does not exist)")
    ap.add_argument("--no-torch", action="store_true", help="skip the AFFECTKIT_BACKEND=torch configuration")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "short_clip.json")
    args = ap.parse_args(argv)
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    started = run_started()
    t_start = time.time()
    base_env = {k: v for k, v in os.environ.items() if k != "AFFECTKIT_BACKEND"}
    configs = {"onnx": (sys.executable, base_env)}
    if not args.no_torch:
        configs["torch"] = (sys.executable, {**base_env, "AFFECTKIT_BACKEND": "torch"})
    if args.user_venv:
        py = args.user_venv / "bin" / "python"
        if not py.exists():
            print(f"making {args.user_venv} (affectkit[{USER_EXTRAS}])", file=sys.stderr)
            py = make_user_venv(args.user_venv)
        configs["user"] = (str(py), base_env)
    with tempfile.TemporaryDirectory(prefix="affectkit-short-") as tmp:
        tmp = Path(tmp)
        clip = make_clip(tmp / "clip13.mp4")
        first = analyze_once(sys.executable, base_env, [str(clip)], tmp / "first.json")  # a warm-up, not counted
        srt = write_srt(first["doc"]["segments"], tmp / "clip13.srt")
        inputs = {"speech_to_text": [str(clip)], "transcript": [str(clip), "--transcript", str(srt)]}
        runs: dict[str, dict[str, list[dict]]] = {c: {i: [] for i in inputs} for c in configs}
        records: dict[str, dict] = {}
        for r in range(args.rounds):
            for cname, (python, env) in configs.items():
                for iname, iargs in inputs.items():
                    one = analyze_once(python, env, iargs, tmp / f"{cname}-{iname}.json")
                    records[f"{cname}/{iname}"] = one.pop("doc")
                    runs[cname][iname].append(one)
                    print(f"round {r + 1}/{args.rounds} {cname:5s} {iname:14s} {one['wall_s']:.2f} s", file=sys.stderr)
    labels = {c: [s["emotion"] for s in d["segments"]] for c, d in records.items()}
    result = {
        "benchmark": "affectkit analyze of a 13 s clip, cold process, wall time including start-up",
        "command": "python bench/short_clip.py" + " ".join([""] + (argv if argv is not None else sys.argv[1:])),
        "clip": {"source": "examples/talking_head.mp4, first 13.0 s re-encoded (libx264 veryfast crf 23 + aac)",
                 "seconds": SECONDS, "size": "640x360", "utterances": len(first["doc"]["segments"]),
                 "language": first["doc"]["segmentation"]["language"]},
        "settings": {"face_fps": 5, "explanations": True, "cache": "off (--no-cache)", "rounds": args.rounds,
                     "order": "alternating rounds: each configuration and input once per round",
                     "warm_up": "one speech-to-text run before the rounds (writes the transcript), not counted"},
        "target_s": TARGET_S,
        "configurations": {
            c: {"python": python, "backend": env.get("AFFECTKIT_BACKEND", "onnx"),
                "packages_present": present(python),
                **{i: summarise(runs[c][i]) for i in inputs}}
            for c, (python, env) in configs.items()},
        "fused_labels": labels,
        "seconds": round(time.time() - t_start, 1),
    }
    write_results(args.out, result, argv=argv, script=__file__, started=started)
    for c, d in result["configurations"].items():
        print(f"{c:5s}: speech-to-text {d['speech_to_text']['wall_s_median']:.2f} s, "
              f"transcript {d['transcript']['wall_s_median']:.2f} s (median of {args.rounds})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
