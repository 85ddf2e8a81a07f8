#!/usr/bin/env python
"""ONNX Runtime (the default inference path) against the PyTorch path, side by side on this machine.

    python bench/onnx_runtime.py [--n 2000] [--repeats 3]   # -> bench/results/onnx_runtime.json
    python bench/onnx_runtime.py --only voice               # re-measure 5-7, keep the rest of the file

1. Cold start: ``echo "I cannot believe we won" | affectkit predict text -`` in a fresh process,
   wall seconds and peak RSS (median of ``--repeats``), ``AFFECTKIT_BACKEND=onnx`` and ``=torch``.
2. Text throughput end to end: ``affectkit predict text`` on the first N MELD test utterances, one a
   line, utterances per second (process start, model load and JSON output included).
3. Agreement on MELD test (all 2,610 utterances, dialogue context as the model reads it): emotion and
   sentiment labels that differ between the runtimes, and the largest probability difference.
4. Agreement on FER2013 PrivateTest (3,589 crops, centre + mirror): fp32 ONNX against fp32 torch,
   and int8 ONNX Runtime (``face_int8.onnx``) against int8 torch FX; accuracy of each.
5. ``affectkit analyze examples/talking_head.mp4`` cold, wall seconds per runtime, each run with an
   empty ``$AFFECTKIT_CACHE`` (speech-to-text and voice features computed, not read back).
6. Agreement on EmoDB (all 535 files, in one process): the voice head's input features (the
   Whisper-base encoder's pooled layers 0-3) and labels, ONNX Runtime against torch; and how many
   files share their encoder input length with another (only those could be batched through the
   encoder without padding, which would change the states: the encoder has no attention mask).
7. ``affectkit predict voice --no-cache`` on 20 EmoDB files, cold process: files per second.

Test splits: MELD test and FER2013 PrivateTest are read here to compare two runtimes of the same
shipped models (no choice is made on them). The machine is shared: timings are lower bounds.
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
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))  # bench/provenance.py, also when loaded by path
from provenance import run_started, write_results  # noqa: E402

import numpy as np  # noqa: E402

# peak memory: the process's VmHWM (KiB), which starts afresh at exec; ru_maxrss would carry over the
# parent's high-water mark from the fork (1,272 MiB for every run once this script had loaded torch)
CODE = ("import re, sys; from affectkit.cli import main; rc = main(sys.argv[1:]); "
        "hwm = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
        "sys.stderr.write('\\nRSS %s\\n' % hwm); sys.exit(rc)")


def cli(args: list[str], backend: str, stdin: str | None = None) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB) of one ``affectkit`` run in a fresh process."""
    env = dict(os.environ, AFFECTKIT_BACKEND=backend, PYTHONPATH=str(ROOT / "src"), PYTHONWARNINGS="ignore")
    t = time.perf_counter()
    r = subprocess.run([sys.executable, "-c", CODE, *args], input=stdin, env=env, capture_output=True, text=True,
                       cwd=ROOT)
    wall = time.perf_counter() - t
    if r.returncode != 0:
        raise SystemExit(f"affectkit {' '.join(args)} ({backend}) failed: {r.stderr[-1500:]}")
    return wall, int(r.stderr.rsplit("RSS ", 1)[1].split()[0]) / 1024


def median_runs(args, backend, stdin, repeats) -> dict:
    runs = [cli(args, backend, stdin) for _ in range(repeats)]
    return {"wall_s": round(statistics.median(r[0] for r in runs), 3),
            "peak_rss_mib": round(statistics.median(r[1] for r in runs), 1), "runs": [list(map(lambda v: round(v, 3), r)) for r in runs]}


def meld_agreement() -> dict:
    from affectkit.bench.datasets import load_meld
    from affectkit.recognize.text_model import TextModel

    df = load_meld("test")
    kw = dict(speakers=list(df.speaker), dialogue_ids=list(df.dialogue_id))
    out = {"n": len(df)}
    probs = {b: TextModel.load(backend=b).predict_tasks(list(df.text), ("emotion", "sentiment"), **kw)
             for b in ("onnx", "torch")}
    for task in ("emotion", "sentiment"):
        a, b = probs["onnx"][task], probs["torch"][task]
        out[task] = {"labels_differ": int((a.argmax(1) != b.argmax(1)).sum()),
                     "max_abs_prob_diff": float(np.abs(a - b).max())}
    return out


def fer_agreement() -> dict:
    from affectkit.bench.datasets.face import load_fer2013
    from affectkit.recognize.face_affect import FaceModel

    x, y = load_fer2013("PrivateTest")
    out = {"n": int(len(y))}
    for precision in ("fp32", "int8"):
        p = {b: FaceModel.load(precision=precision, backend=b).predict_proba(x) for b in ("onnx", "torch")}
        out[precision] = {"labels_differ": int((p["onnx"].argmax(1) != p["torch"].argmax(1)).sum()),
                          "max_abs_prob_diff": float(np.abs(p["onnx"] - p["torch"]).max()),
                          "accuracy_onnx": round(float((p["onnx"].argmax(1) == y).mean()), 4),
                          "accuracy_torch": round(float((p["torch"].argmax(1) == y).mean()), 4)}
    return out


def emodb_agreement() -> dict:
    from affectkit.bench.datasets.speech import load_emodb
    from affectkit.io.audio import load_audio
    from affectkit.perceive.voice_sets import prepare_signal
    from affectkit.recognize.voice_affect import bundled_voice_head, input_extractor

    df = load_emodb()
    head = bundled_voice_head()
    extractor = input_extractor(head)
    feats, seconds = {}, {}
    for backend in ("onnx", "torch"):
        print(f"{backend}: EmoDB features", file=sys.stderr, flush=True)
        os.environ["AFFECTKIT_BACKEND"] = backend
        extractor.extract(str(df.path[0]))  # the encoder loaded before the clock starts
        t = time.perf_counter()
        feats[backend] = np.concatenate([extractor.extract(str(f)).to_numpy(np.float32) for f in df.path])
        seconds[backend] = round(time.perf_counter() - t, 2)
    os.environ.pop("AFFECTKIT_BACKEND")
    a, b = feats["onnx"], feats["torch"]
    scale = np.abs(b).max(0)
    pa, pb = head.predict_proba(a), head.predict_proba(b)
    frames = [len(prepare_signal(load_audio(f)[0], 16000)) // 320 for f in df.path]  # encoder positions
    counts = {n: frames.count(n) for n in set(frames)}
    return {"n": len(df), "labels_differ": int((pa.argmax(1) != pb.argmax(1)).sum()),
            "max_abs_prob_diff": float(np.abs(pa - pb).max()),
            "max_feature_diff_relative_to_feature_max": float((np.abs(a - b) / np.maximum(scale, 1e-12)).max()),
            "feature_seconds_in_process": seconds,
            "files_sharing_an_encoder_length": int(sum(c for c in counts.values() if c > 1)),
            "distinct_encoder_lengths": len(counts)}


def voice_timings(repeats: int, tmp: str) -> dict:
    """Cold ``predict voice`` of 20 EmoDB files and a cold ``analyze`` of the example video, per backend."""
    from affectkit.bench.datasets.speech import load_emodb

    files = list(load_emodb().path[:: 535 // 20][:20])
    out: dict = {"predict_voice_20_emodb": {}, "analyze_talking_head": {}}
    for backend in ("onnx", "torch"):
        print(f"{backend}: predict voice", file=sys.stderr, flush=True)
        r = median_runs(["predict", "voice", "--no-cache", *files, "-o", str(Path(tmp, "v.jsonl")), "--force"],
                        backend, None, repeats)
        r["files_per_s"] = round(len(files) / r["wall_s"], 2)
        r["n"] = len(files)
        out["predict_voice_20_emodb"][backend] = r
        print(f"{backend}: analyze", file=sys.stderr, flush=True)
        runs = []
        for i in range(repeats):
            os.environ["AFFECTKIT_CACHE"] = str(Path(tmp, f"cache-{backend}-{i}"))  # empty: nothing read back
            runs.append(cli(["analyze", "examples/talking_head.mp4", "-o", str(Path(tmp, "a.json")), "--force"],
                            backend))
        os.environ.pop("AFFECTKIT_CACHE")
        out["analyze_talking_head"][backend] = {
            "wall_s": round(statistics.median(r[0] for r in runs), 3),
            "peak_rss_mib": round(statistics.median(r[1] for r in runs), 1),
            "runs": [[round(v, 3) for v in r] for r in runs], "cache": "empty $AFFECTKIT_CACHE per run"}
    return out


SECTIONS = {"text": ("cold_predict_text", "text_throughput", "meld_test_agreement"),
            "face": ("fer2013_private_test_agreement",),
            "voice": ("analyze_talking_head", "emodb_agreement", "predict_voice_20_emodb")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="MELD test utterances for the throughput run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", nargs="+", choices=sorted(SECTIONS), default=sorted(SECTIONS),
                    help="re-measure these sections; the others are carried over from --out as they are")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "onnx_runtime.json"))
    args = ap.parse_args()
    started = run_started()
    doc: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        if "text" in args.only:
            from affectkit.bench.datasets import load_meld

            texts = list(load_meld("test").text[: args.n])
            doc.update(cold_predict_text={}, text_throughput={})
            lines = Path(tmp, "in.txt")
            lines.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
            for backend in ("onnx", "torch"):
                print(f"{backend}: cold start", file=sys.stderr, flush=True)
                doc["cold_predict_text"][backend] = median_runs(["predict", "text", "-"], backend,
                                                                "I cannot believe we won\n", args.repeats)
                print(f"{backend}: throughput", file=sys.stderr, flush=True)
                r = median_runs(["predict", "text", str(lines), "-o", str(Path(tmp, "out.jsonl")), "--force"],
                                backend, None, args.repeats)
                r["utterances_per_s"] = round(len(texts) / r["wall_s"], 1)
                r["n"] = len(texts)
                doc["text_throughput"][backend] = r
            print("agreement: MELD test", file=sys.stderr, flush=True)
            doc["meld_test_agreement"] = meld_agreement()
        if "voice" in args.only:
            doc.update(voice_timings(args.repeats, tmp))
            doc["emodb_agreement"] = emodb_agreement()
    if "face" in args.only:
        print("agreement: FER2013 PrivateTest", file=sys.stderr, flush=True)
        doc["fer2013_private_test_agreement"] = fer_agreement()
    kept = [s for s in sorted(SECTIONS) if s not in args.only]
    if kept:
        old = json.loads(Path(args.out).read_text(encoding="utf-8"))
        for s in kept:
            doc.update({k: old[k] for k in SECTIONS[s] if k in old})
        # per section, the provenance of the run that measured it
        doc["carried_over"] = {s: old.get("carried_over", {}).get(s) or old.get("provenance") for s in kept}
    write_results(args.out, doc, started=started)
    print(Path(args.out).read_text()[:3000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
