#!/usr/bin/env python
"""ONNX Runtime (the default inference path) against the PyTorch path, side by side on this machine.

    python bench/onnx_runtime.py [--n 2000] [--repeats 3]   # -> bench/results/onnx_runtime.json

1. Cold start: ``echo "I cannot believe we won" | affectkit predict text -`` in a fresh process,
   wall seconds and peak RSS (median of ``--repeats``), ``AFFECTKIT_BACKEND=onnx`` and ``=torch``.
2. Text throughput end to end: ``affectkit predict text`` on the first N MELD test utterances, one a
   line, utterances per second (process start, model load and JSON output included).
3. Agreement on MELD test (all 2,610 utterances, dialogue context as the model reads it): emotion and
   sentiment labels that differ between the runtimes, and the largest probability difference.
4. Agreement on FER2013 PrivateTest (3,589 crops, centre + mirror): fp32 ONNX against fp32 torch,
   and int8 ONNX Runtime (``face_int8.onnx``) against int8 torch FX; accuracy of each.
5. ``affectkit analyze examples/talking_head.mp4`` cold, wall seconds per runtime (the voice head's
   Whisper encoder still runs on torch in both: not ported yet).

Test splits: MELD test and FER2013 PrivateTest are read here to compare two runtimes of the same
shipped models (no choice is made on them). The machine is shared: timings are lower bounds.
"""
from __future__ import annotations

import argparse
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

CODE = ("import resource, sys; from affectkit.cli import main; rc = main(sys.argv[1:]); "
        "sys.stderr.write('\\nRSS %d\\n' % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(rc)")


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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="MELD test utterances for the throughput run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "onnx_runtime.json"))
    args = ap.parse_args()
    started = run_started()
    from affectkit.bench.datasets import load_meld

    texts = list(load_meld("test").text[: args.n])
    doc: dict = {"cold_predict_text": {}, "text_throughput": {}, "analyze_talking_head": {}}
    with tempfile.TemporaryDirectory() as tmp:
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
            print(f"{backend}: analyze", file=sys.stderr, flush=True)
            doc["analyze_talking_head"][backend] = median_runs(
                ["analyze", "examples/talking_head.mp4", "-o", str(Path(tmp, "a.json")), "--force"], backend, None, 1)
    print("agreement: MELD test", file=sys.stderr, flush=True)
    doc["meld_test_agreement"] = meld_agreement()
    print("agreement: FER2013 PrivateTest", file=sys.stderr, flush=True)
    doc["fer2013_private_test_agreement"] = fer_agreement()
    doc["emodb_agreement"] = "not measured: the voice head's Whisper encoder is not ported to ONNX Runtime yet"
    write_results(args.out, doc, started=started)
    print(Path(args.out).read_text()[:3000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
