#!/usr/bin/env python
"""Real-time factor of `affectkit analyze` per stage, and peak memory on a 10-minute video.

    python bench/analyze_speed.py                  # -> bench/results/analyze_speed.json
    python bench/analyze_speed.py --long-minutes 0 # skip the 10-minute memory run
    AFFECTKIT_BACKEND=torch python bench/analyze_speed.py --out bench/results/analyze_speed_torch.json  # the torch path
    AFFECTKIT_FACE_DETECTOR=haar python bench/analyze_speed.py   # with OpenCV's Haar cascade (a plain
                                                   # [face] install's detector; default: BlazeFace where the
                                                   # landmarks extra is installed)

Clips: examples/make_video.sh at 1280x720, 25 fps, H.264 + AAC (a still public-domain portrait
drifting across the frame, espeak-ng speech; the face is away for one sentence in four),
looped to about `--rtf-seconds` (RTF run) and `--long-minutes` (memory run).

Protocol: each run is a fresh `affectkit analyze CLIP --transcript CLIP.srt --timings --no-cache
--format json` process (text + voice + face, explanations on, the default 5 fps face sampling),
so speech-to-text is excluded as the issue asks; the transcript's timestamps come from one
speech-to-text pass over the short clip, repeated with the clip's offsets. A separate run without
the transcript measures speech-to-text (the `segment` stage) on the same clip. RTF = seconds of
work / seconds of recording; `load` (reading the bundled models) is reported but is a start-up
cost, not per-minute work. A video's face stages (decode.video, face.detect) run in a background
thread beside the audio path (``analysis.decode``), so the stages' RTFs add up to more than
``rtf_total``, the pipeline's own wall time; ``rtf_without_startup`` is that less ``load``. Peak memory: the child process's maximum resident set size.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402
MAKE_VIDEO = ROOT / "examples" / "make_video.sh"
STARTUP = ("load",)


def duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out.strip())


def make_clip(folder: Path, name: str, size: str, repeat: int) -> Path:
    out = folder / name
    subprocess.run(["sh", str(MAKE_VIDEO), str(out), size, str(repeat)], check=True)
    return out


def srt_time(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def write_srt(segments: list[dict], period: float, repeat: int, path: Path) -> int:
    n, lines = 0, []
    for k in range(repeat):
        for s in segments:
            n += 1
            lines += [str(n), f"{srt_time(s['start'] + k * period)} --> {srt_time(s['end'] + k * period)}", s["text"], ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return n


def run_analyze(args: list[str], out_json: Path) -> dict:
    """One fresh `affectkit analyze` process: its record, wall time and peak RSS."""
    wrapper = ("import json,resource,subprocess,sys,time;t=time.perf_counter();"
               "r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE,text=True);"
               "print(json.dumps({'rc':r.returncode,'wall':time.perf_counter()-t,"
               "'maxrss_kb':resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,'stderr':r.stderr[-3000:]}))")
    cmd = [sys.executable, "-m", "affectkit", "analyze", *args, "--timings", "--format", "json",
           "-o", str(out_json), "--force"]
    res = json.loads(subprocess.run([sys.executable, "-c", wrapper, *cmd], capture_output=True, text=True,
                                    check=True).stdout)
    if res["rc"] != 0:
        raise SystemExit(f"analyze failed ({res['rc']}): {res['stderr']}")
    doc = json.loads(out_json.read_text())
    return {"doc": doc, "wall_s": round(res["wall"], 2), "peak_rss_mib": round(res["maxrss_kb"] / 1024, 1)}


def stage_table(doc: dict, seconds: float) -> dict:
    t = dict(doc.get("timings") or {})
    total = t.pop("total", sum(t.values()))
    # the pipeline's wall time less loading: a video's face stages run in a background thread beside
    # the others (analysis.decode), so the stages' seconds add up to more than the wall time
    work = max(0.0, total - sum(v for k, v in t.items() if k in STARTUP))
    return {"seconds": {k: round(v, 3) for k, v in t.items()},
            "rtf": {k: round(v / seconds, 4) for k, v in t.items()},
            "total_s": round(total, 2), "rtf_total": round(total / seconds, 4),
            "rtf_without_startup": round(work / seconds, 4)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--rtf-seconds", type=float, default=60.0, help="length of the RTF clip (default 60)")
    ap.add_argument("--long-minutes", type=float, default=10.0, help="length of the memory clip; 0 skips it")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "analyze_speed.json")
    args = ap.parse_args()
    from affectkit.perceive.face_detect import resolve_detector  # $AFFECTKIT_FACE_DETECTOR picks it, as for the runs

    started = run_started()
    os.environ.setdefault("AFFECTKIT_CACHE", tempfile.mkdtemp(prefix="affectkit-cache-"))
    t_start = time.time()
    with tempfile.TemporaryDirectory(prefix="affectkit-speed-") as tmp:
        tmp = Path(tmp)
        base = make_clip(tmp, "base.mp4", args.size, 1)
        period = duration(base)
        print(f"clip: {args.size}, {period:.2f} s per loop", file=sys.stderr)
        # transcript timestamps: one speech-to-text pass over the base clip
        asr_base = run_analyze([str(base), "--no-explain"], tmp / "base.json")
        segments = [{"start": s["start"], "end": s["end"], "text": s["text"]} for s in asr_base["doc"]["segments"]]
        result: dict = {"benchmark": "affectkit analyze: real-time factor per stage, peak memory",
                        "command": "python bench/analyze_speed.py" + " ".join([""] + sys.argv[1:]),
                        "clip": {"maker": "examples/make_video.sh", "size": args.size, "fps": 25,
                                 "codec": "h264 (libx264 veryfast, crf 28) + aac", "loop_seconds": round(period, 2),
                                 "utterances_per_loop": len(segments),
                                 "content": "still public-domain portrait drifting across the frame (away for one "
                                            "sentence in four), espeak-ng speech"},
                        "settings": {"face_fps": 5, "explanations": True, "cache": "off (--no-cache)",
                                     "face_detector": resolve_detector(),
                                     "runtime": ("torch (AFFECTKIT_BACKEND=torch: text, voice encoder, face CNN int8)"
                                                 if os.environ.get("AFFECTKIT_BACKEND") == "torch" else
                                                 "ONNX Runtime (text, voice encoder, face CNN int8)")
                                                + " and CTranslate2 (speech-to-text), default threads (one per core)"}}
        repeat = max(1, math.ceil(args.rtf_seconds / period))
        clip = make_clip(tmp, "rtf.mp4", args.size, repeat)
        seconds = duration(clip)
        srt = tmp / "rtf.srt"
        write_srt(segments, period, repeat, srt)
        print(f"RTF clip: {seconds:.1f} s", file=sys.stderr)
        run = run_analyze([str(clip), "--transcript", str(srt), "--no-cache"], tmp / "rtf.json")
        result["rtf_run"] = {"seconds_of_video": round(seconds, 2), "utterances": len(run["doc"]["segments"]),
                             "modalities": run["doc"]["modalities"], "wall_s": run["wall_s"],
                             "peak_rss_mib": run["peak_rss_mib"], **stage_table(run["doc"], seconds)}
        asr = run_analyze([str(clip), "--no-cache"], tmp / "asr.json")
        result["with_speech_to_text"] = {"note": "the same clip without the transcript: `segment` is speech-to-text",
                                         "wall_s": asr["wall_s"], **stage_table(asr["doc"], seconds)}
        if args.long_minutes > 0:
            repeat = max(1, math.ceil(args.long_minutes * 60 / period))
            clip = make_clip(tmp, "long.mp4", args.size, repeat)
            seconds = duration(clip)
            srt = tmp / "long.srt"
            write_srt(segments, period, repeat, srt)
            print(f"memory clip: {seconds:.0f} s, {clip.stat().st_size / 2**20:.0f} MiB", file=sys.stderr)
            run = run_analyze([str(clip), "--transcript", str(srt), "--no-cache"], tmp / "long.json")
            result["long_run"] = {"seconds_of_video": round(seconds, 1), "file_mib": round(clip.stat().st_size / 2**20, 1),
                                  "utterances": len(run["doc"]["segments"]), "wall_s": run["wall_s"],
                                  "peak_rss_mib": run["peak_rss_mib"], **stage_table(run["doc"], seconds)}
    result["machine"] = {"cpu": platform.processor() or platform.machine(), "logical_cpus": os.cpu_count(),
                         "python": platform.python_version()}
    result["load_average_1_5_15_min"] = [round(x, 2) for x in os.getloadavg()]
    result["seconds"] = round(time.time() - t_start, 1)
    write_results(args.out, result, script=__file__, started=started)
    r = result["rtf_run"]
    print(f"RTF {r['rtf_total']:.3f} (without start-up {r['rtf_without_startup']:.3f}), peak {r['peak_rss_mib']} MiB",
          file=sys.stderr)
    if "long_run" in result:
        print(f"10-minute run: peak {result['long_run']['peak_rss_mib']} MiB, RTF {result['long_run']['rtf_total']:.3f}",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
